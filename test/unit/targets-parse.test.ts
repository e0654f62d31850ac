import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  DEFAULT_TARGETS,
  expandTargets,
  selectorMatches,
  selectTargets,
  type Target,
} from '../../src/targets/parse.js';
import { type Port, parseDistList } from '../../src/targets/ports.js';

let ports: Port[];

beforeAll(() => {
  const json = execFileSync('go', ['tool', 'dist', 'list', '-json', '-broken'], { encoding: 'utf8' });
  ports = parseDistList(json);
});

const ids = (targets: readonly Target[]) => targets.map((t) => t.id);
const portId = (p: Port) => `${p.goos}/${p.goarch}`;

/** Calls fn, expects it to throw a UsageError, and returns the message. */
function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('parseDistList on the real toolchain', () => {
  it('reads every port with its flags', () => {
    expect(ports.length).toBeGreaterThan(30);
    const linuxAmd64 = ports.find((p) => p.goos === 'linux' && p.goarch === 'amd64');
    expect(linuxAmd64).toEqual({
      goos: 'linux',
      goarch: 'amd64',
      cgoSupported: true,
      firstClass: true,
      broken: false,
    });
    const jsWasm = ports.find((p) => p.goos === 'js' && p.goarch === 'wasm');
    expect(jsWasm?.cgoSupported).toBe(false);
    expect(jsWasm?.firstClass).toBe(false);
  });

  it('maps missing flags to false', () => {
    expect(parseDistList('[{"GOOS":"plan9","GOARCH":"386"}]')).toEqual([
      { goos: 'plan9', goarch: '386', cgoSupported: false, firstClass: false, broken: false },
    ]);
  });
});

describe('expandTargets: explicit targets', () => {
  it('accepts canonical goos/goarch spellings and fills every field', () => {
    const [t] = expandTargets('linux/amd64', ports);
    expect(t).toEqual({
      goos: 'linux',
      goarch: 'amd64',
      variant: null,
      id: 'linux/amd64',
      level: null,
      port: ports.find((p) => p.goos === 'linux' && p.goarch === 'amd64'),
    });
  });

  it('expands a comma list in the order given', () => {
    expect(ids(expandTargets('windows/386,linux/amd64,darwin/arm64', ports))).toEqual([
      'windows/386',
      'linux/amd64',
      'darwin/arm64',
    ]);
  });

  it('expands the default target list', () => {
    expect(ids(expandTargets(DEFAULT_TARGETS, ports))).toEqual([
      'linux/amd64',
      'darwin/arm64',
      'windows/386',
    ]);
  });

  it('ignores whitespace around tokens and empty tokens', () => {
    expect(ids(expandTargets('  linux/amd64 ,\tdarwin/arm64 ,, ,windows/386\n', ports))).toEqual([
      'linux/amd64',
      'darwin/arm64',
      'windows/386',
    ]);
  });

  it('accepts a list of strings, each of which may hold a comma list', () => {
    expect(ids(expandTargets(['linux/amd64', 'darwin/arm64, windows/386'], ports))).toEqual([
      'linux/amd64',
      'darwin/arm64',
      'windows/386',
    ]);
  });

  it('drops duplicates and keeps the order of first mention', () => {
    const result = ids(expandTargets('darwin/arm64,linux/amd64,darwin/arm64,linux/*', ports));
    expect(result.slice(0, 2)).toEqual(['darwin/arm64', 'linux/amd64']);
    expect(new Set(result).size).toBe(result.length);
    expect(result.filter((id) => id === 'linux/amd64')).toHaveLength(1);
    // The rest of linux/* follows in dist-list order.
    const rest = ports.filter((p) => p.goos === 'linux' && !p.broken && p.goarch !== 'amd64').map(portId);
    expect(result.slice(2)).toEqual(rest);
  });

  it('treats a variant and its base port as different targets', () => {
    expect(ids(expandTargets('linux/amd64,linux/amd64/v3,linux/amd64/v3', ports))).toEqual([
      'linux/amd64',
      'linux/amd64/v3',
    ]);
  });
});

describe('expandTargets: sets', () => {
  it('all selects every port that is not broken, in dist-list order', () => {
    const result = expandTargets('all', ports);
    const expected = ports.filter((p) => !p.broken).map(portId);
    expect(ids(result)).toEqual(expected);
    expect(result).toHaveLength(ports.filter((p) => !p.broken).length);
    expect(result.some((t) => t.port.broken)).toBe(false);
    expect(result.every((t) => t.variant === null && t.level === null)).toBe(true);
  });

  it('all leaves broken ports out even with allowBroken', () => {
    const result = expandTargets('all', ports, { allowBroken: true });
    expect(result.some((t) => t.port.broken)).toBe(false);
  });

  it('first-class selects exactly the first-class ports', () => {
    const result = ids(expandTargets('first-class', ports));
    expect(result).toEqual(ports.filter((p) => p.firstClass).map(portId));
    expect([...result].sort()).toEqual([
      'darwin/amd64',
      'darwin/arm64',
      'linux/386',
      'linux/amd64',
      'linux/arm',
      'linux/arm64',
      'windows/386',
      'windows/amd64',
    ]);
  });
});

describe('expandTargets: exclusions', () => {
  it('all,!windows/arm64 removes exactly that port', () => {
    const result = ids(expandTargets('all,!windows/arm64', ports));
    const all = ids(expandTargets('all', ports));
    expect(all).toContain('windows/arm64');
    expect(result).not.toContain('windows/arm64');
    expect(result).toEqual(all.filter((id) => id !== 'windows/arm64'));
  });

  it('first-class,!linux/* removes every linux port', () => {
    expect(ids(expandTargets('first-class,!linux/*', ports))).toEqual(
      ports.filter((p) => p.firstClass && p.goos !== 'linux').map(portId),
    );
    expect([...ids(expandTargets('first-class,!linux/*', ports))].sort()).toEqual([
      'darwin/amd64',
      'darwin/arm64',
      'windows/386',
      'windows/amd64',
    ]);
  });

  it('applies an exclusion wherever it appears in the list', () => {
    expect(ids(expandTargets('!darwin/arm64,linux/amd64,darwin/arm64', ports))).toEqual(['linux/amd64']);
  });

  it('an exclusion with a variant removes only that variant', () => {
    expect(ids(expandTargets('linux/amd64,linux/amd64/v3,linux/amd64/v4,!linux/amd64/v3', ports))).toEqual([
      'linux/amd64',
      'linux/amd64/v4',
    ]);
  });

  it('an exclusion without a variant removes the port and all its variants', () => {
    expect(ids(expandTargets('linux/amd64/v3,linux/amd64,linux/arm64,!linux/amd64', ports))).toEqual([
      'linux/arm64',
    ]);
  });

  it('may name a broken port without allowBroken', () => {
    const broken = ports.find((p) => p.broken);
    expect(broken).toBeDefined();
    const result = ids(expandTargets(`linux/amd64,!${portId(broken as Port)}`, ports));
    expect(result).toEqual(['linux/amd64']);
  });
});

describe('expandTargets: wildcards', () => {
  it('linux/* selects every working linux port', () => {
    const result = expandTargets('linux/*', ports);
    expect(ids(result)).toEqual(ports.filter((p) => p.goos === 'linux' && !p.broken).map(portId));
    expect(ids(result)).toContain('linux/amd64');
    expect(ids(result)).toContain('linux/riscv64');
    expect(result.every((t) => t.goos === 'linux')).toBe(true);
  });

  it('*/arm64 selects every working arm64 port', () => {
    const result = expandTargets('*/arm64', ports);
    expect(ids(result)).toEqual(ports.filter((p) => p.goarch === 'arm64' && !p.broken).map(portId));
    expect(ids(result)).toEqual(expect.arrayContaining(['linux/arm64', 'darwin/arm64', 'windows/arm64']));
    expect(result.every((t) => t.goarch === 'arm64')).toBe(true);
  });

  it('matches partial patterns such as linux/mips*', () => {
    const result = ids(expandTargets('linux/mips*', ports));
    expect([...result].sort()).toEqual(['linux/mips', 'linux/mips64', 'linux/mips64le', 'linux/mipsle']);
  });

  it('never includes a broken port through a wildcard', () => {
    const broken = ports.find((p) => p.broken) as Port;
    const result = expandTargets(`${broken.goos}/*`, ports, { allowBroken: true });
    expect(ids(result)).not.toContain(portId(broken));
  });

  it('refuses a variant on a wildcard target', () => {
    expect(usageMessage(() => expandTargets('linux/*/v3', ports))).toBe(
      'target "linux/*/v3": a wildcard target cannot take a variant',
    );
  });

  it('refuses a pattern that matches no port', () => {
    expect(usageMessage(() => expandTargets('plan10/*', ports))).toBe(
      'target pattern "plan10/*" matches no port (crossgo targets lists them)',
    );
  });
});

describe('expandTargets: variants', () => {
  it.each([
    ['linux/amd64/v3', 'GOAMD64', 'v3'],
    ['linux/arm/7', 'GOARM', '7'],
    ['linux/arm/5', 'GOARM', '5'],
    ['windows/386/softfloat', 'GO386', 'softfloat'],
    ['linux/arm64/v8.2', 'GOARM64', 'v8.2'],
    ['linux/mips/softfloat', 'GOMIPS', 'softfloat'],
    ['linux/mipsle/hardfloat', 'GOMIPS', 'hardfloat'],
    ['linux/mips64le/softfloat', 'GOMIPS64', 'softfloat'],
    ['linux/ppc64le/power9', 'GOPPC64', 'power9'],
    ['linux/riscv64/rva22u64', 'GORISCV64', 'rva22u64'],
  ])('%s sets %s=%s', (spec, name, value) => {
    const result = expandTargets(spec, ports);
    expect(result).toHaveLength(1);
    const [t] = result as [Target];
    const [goos, goarch] = spec.split('/');
    expect(t.id).toBe(spec);
    expect(t.goos).toBe(goos);
    expect(t.goarch).toBe(goarch);
    expect(t.variant).toBe(value);
    expect(t.level).toEqual({ name, value });
    expect(portId(t.port)).toBe(`${goos}/${goarch}`);
  });

  it('refuses an unknown variant and suggests the nearest one', () => {
    expect(usageMessage(() => expandTargets('linux/amd64/v5', ports))).toBe(
      'unknown variant "v5" in target "linux/amd64/v5": did you mean linux/amd64/v4? (GOAMD64 takes v1, v2, v3, v4)',
    );
  });

  it('suggests arm variants by edit distance', () => {
    expect(usageMessage(() => expandTargets('linux/arm64/v8.10', ports))).toMatch(
      /^unknown variant "v8\.10" in target "linux\/arm64\/v8\.10": did you mean linux\/arm64\/v8\.\d\? \(GOARM64 takes v8\.0, /,
    );
  });

  it('refuses a variant on an architecture without levels', () => {
    expect(usageMessage(() => expandTargets('js/wasm/x', ports))).toMatch(
      /^target "js\/wasm\/x(\/x)?": wasm has no micro-architecture variants, use js\/wasm$/,
    );
  });

  // BUG: toTarget appends the variant to the spelling that already contains it,
  // so the message quotes the target as "js/wasm/x/x".
  it('names a variant target on an architecture without levels as the user spelled it', () => {
    expect(usageMessage(() => expandTargets('js/wasm/x', ports))).toBe(
      'target "js/wasm/x": wasm has no micro-architecture variants, use js/wasm',
    );
  });
});

describe('expandTargets: errors', () => {
  it('suggests the nearest port for a typo', () => {
    expect(usageMessage(() => expandTargets('linux/amd65', ports))).toBe(
      'unknown target "linux/amd65": did you mean linux/amd64? (crossgo targets lists them)',
    );
  });

  it.each([
    ['darwin/x86_64', 'darwin/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['macos/arm64', 'darwin/arm64'],
    ['win/x64', 'windows/amd64'],
    ['linux/i686', 'linux/386'],
    ['LINUX/AMD64', 'linux/amd64'],
  ])('maps the alias %s to %s in the suggestion', (spec, guess) => {
    expect(usageMessage(() => expandTargets(spec, ports))).toBe(
      `unknown target "${spec}": did you mean ${guess}? (crossgo targets lists them)`,
    );
  });

  it('gives no suggestion when nothing is close', () => {
    expect(usageMessage(() => expandTargets('zzzzzz/qqqqqq', ports))).toBe(
      'unknown target "zzzzzz/qqqqqq": (crossgo targets lists them)',
    );
  });

  it('reports the bad token, not the whole list', () => {
    expect(usageMessage(() => expandTargets('linux/amd64,linux/amd65,darwin/arm64', ports))).toBe(
      'unknown target "linux/amd65": did you mean linux/amd64? (crossgo targets lists them)',
    );
  });

  it('validates excluded targets too', () => {
    expect(usageMessage(() => expandTargets('all,!linux/amd65', ports))).toBe(
      'unknown target "linux/amd65": did you mean linux/amd64? (crossgo targets lists them)',
    );
  });

  it('refuses a broken port without allowBroken and accepts it with it', () => {
    const broken = ports.find((p) => p.broken);
    expect(broken).toBeDefined();
    const id = portId(broken as Port);
    expect(usageMessage(() => expandTargets(id, ports))).toBe(
      `target "${id}" is marked broken by this Go toolchain: pass --allow-broken to build it anyway`,
    );
    const result = expandTargets(id, ports, { allowBroken: true });
    expect(ids(result)).toEqual([id]);
    expect(result[0]?.port.broken).toBe(true);
  });

  it('refuses a token without a slash and suggests the amd64 port of the nearest OS', () => {
    const message = usageMessage(() => expandTargets('linux', ports));
    expect(message).toBe(
      'unknown target "linux": targets are goos/goarch[/variant], did you mean linux/amd64? (crossgo targets lists them)',
    );
    expect(usageMessage(() => expandTargets('linux/amd64/', ports))).toMatch(
      /^unknown target "linux\/amd64\/"/,
    );
  });

  it('refuses a token without a slash with no suggestion when nothing is close', () => {
    expect(usageMessage(() => expandTargets('amd64', ports))).toBe(
      'unknown target "amd64": targets are goos/goarch[/variant] (crossgo targets lists them)',
    );
  });

  it('refuses tokens with too many parts or empty parts', () => {
    for (const spec of ['linux/amd64/v3/x', 'linux/', '/amd64', '!']) {
      expect(usageMessage(() => expandTargets(spec, ports))).toMatch(
        /^unknown target "[^"]*": targets are goos\/goarch\[\/variant\]/,
      );
    }
  });

  it('refuses an empty list', () => {
    expect(usageMessage(() => expandTargets('', ports))).toBe(
      'target list "" selects no target (crossgo targets lists them)',
    );
    expect(usageMessage(() => expandTargets([' , ', ''], ports))).toBe(
      'target list "" selects no target (crossgo targets lists them)',
    );
  });

  it('refuses a list whose exclusions remove everything', () => {
    expect(usageMessage(() => expandTargets('linux/amd64,!linux/amd64', ports))).toBe(
      'target list "linux/amd64,!linux/amd64" selects no target (crossgo targets lists them)',
    );
    expect(usageMessage(() => expandTargets('linux/*, !linux/*', ports))).toBe(
      'target list "linux/*,!linux/*" selects no target (crossgo targets lists them)',
    );
  });
});

describe('selectorMatches', () => {
  const target = (spec: string) => expandTargets(spec, ports)[0] as Target;

  it('matches an exact goos/goarch selector, variants included', () => {
    expect(selectorMatches('linux/arm64', target('linux/arm64'))).toBe(true);
    expect(selectorMatches('linux/arm64', target('linux/arm64/v8.2'))).toBe(true);
    expect(selectorMatches('linux/arm64', target('linux/amd64'))).toBe(false);
    expect(selectorMatches('linux/arm64', target('darwin/arm64'))).toBe(false);
  });

  it('matches * wildcards in goos and goarch', () => {
    expect(selectorMatches('windows/*', target('windows/386'))).toBe(true);
    expect(selectorMatches('windows/*', target('linux/386'))).toBe(false);
    expect(selectorMatches('*/arm64', target('darwin/arm64'))).toBe(true);
    expect(selectorMatches('*/arm64', target('darwin/amd64'))).toBe(false);
    expect(selectorMatches('*/*', target('js/wasm'))).toBe(true);
    expect(selectorMatches('lin*/mips*', target('linux/mips64le'))).toBe(true);
    expect(selectorMatches('lin*/mips*', target('linux/arm'))).toBe(false);
  });

  it('matches a variant selector only against that variant', () => {
    expect(selectorMatches('linux/amd64/v3', target('linux/amd64/v3'))).toBe(true);
    expect(selectorMatches('linux/amd64/v3', target('linux/amd64/v2'))).toBe(false);
    expect(selectorMatches('linux/amd64/v3', target('linux/amd64'))).toBe(false);
    expect(selectorMatches('linux/amd64/*', target('linux/amd64'))).toBe(true);
    expect(selectorMatches('linux/amd64/*', target('linux/amd64/v4'))).toBe(true);
  });

  it('treats a goos-only selector as goos/*', () => {
    expect(selectorMatches('linux', target('linux/ppc64le'))).toBe(true);
    expect(selectorMatches('linux', target('darwin/arm64'))).toBe(false);
  });

  it('anchors patterns: a prefix is not a match', () => {
    expect(selectorMatches('linux/arm', target('linux/arm64'))).toBe(false);
    expect(selectorMatches('linux/mips', target('linux/mipsle'))).toBe(false);
  });

  it('treats dots literally in variants', () => {
    expect(selectorMatches('linux/arm64/v8.2', target('linux/arm64/v8.2'))).toBe(true);
    expect(selectorMatches('linux/arm64/v8.2', target('linux/arm64/v8.1'))).toBe(false);
  });
});

describe('selectTargets: ports go links only externally', () => {
  const noCgo = { externalLinking: { cgoOn: () => false } };
  const EXTERNAL = ['android/386', 'android/amd64', 'android/arm', 'ios/amd64', 'ios/arm64'];

  it('leaves them out of all, with go’s reason each; the 42 others stay', () => {
    const { targets, leftOut } = selectTargets('all', ports, noCgo);
    expect(leftOut.map((l) => l.id).sort()).toEqual(EXTERNAL);
    expect(leftOut.find((l) => l.id === 'android/arm')?.reason).toBe(
      'android/arm requires external (cgo) linking',
    );
    expect(leftOut.find((l) => l.id === 'ios/amd64')?.reason).toBe(
      'default PIE binary requires external (cgo) linking',
    );
    expect(targets).toHaveLength(ports.filter((p) => !p.broken).length - EXTERNAL.length);
    expect(ids(targets)).toContain('android/arm64');
  });

  it('leaves them out of patterns too, and says nothing of those a ! removed', () => {
    expect(selectTargets('android/*', ports, noCgo)).toMatchObject({
      targets: [{ id: 'android/arm64' }],
      leftOut: [{ id: 'android/386' }, { id: 'android/amd64' }, { id: 'android/arm' }],
    });
    expect(selectTargets('all,!android/*,!ios/*', ports, noCgo).leftOut).toEqual([]);
  });

  it('refuses one named explicitly, in one line, even inside a set', () => {
    const message = usageMessage(() => selectTargets('linux/amd64,android/arm', ports, noCgo));
    expect(message).toBe(
      'target "android/arm" cannot be built without cgo (go: android/arm requires external (cgo) linking): pass --cgo on with a C compiler that targets it (--cc), or leave it out',
    );
    expect(usageMessage(() => selectTargets('all,ios/arm64', ports, noCgo))).toContain('target "ios/arm64"');
    expect(usageMessage(() => selectTargets('android/arm/7', ports, noCgo))).toContain(
      'target "android/arm/7" cannot be built without cgo',
    );
  });

  it('keeps them where cgo is on for them', () => {
    const cgoOnAndroid = { externalLinking: { cgoOn: (t: Target) => t.goos === 'android' } };
    expect(ids(selectTargets('android/arm', ports, cgoOnAndroid).targets)).toEqual(['android/arm']);
    expect(selectTargets('all', ports, cgoOnAndroid).leftOut.map((l) => l.id)).toEqual([
      'ios/amd64',
      'ios/arm64',
    ]);
  });

  it('says why a set of only such ports selects nothing', () => {
    expect(usageMessage(() => selectTargets('ios/*', ports, noCgo))).toContain(
      'selects no target that links without cgo (ios/amd64, ios/arm64 need it)',
    );
  });

  it('without the option (verify, test, repro) keeps every port', () => {
    expect(ids(expandTargets('android/arm', ports))).toEqual(['android/arm']);
    expect(selectTargets('all', ports).leftOut).toEqual([]);
  });
});
