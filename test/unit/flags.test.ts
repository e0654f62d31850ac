import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { quoteFlagWord } from '../../src/exec/quote.js';
import {
  buildArgs,
  CONTROLLED_ENV,
  checkUserEnv,
  defaultStamps,
  flagSetsFor,
  inheritedEnv,
  linkerFlags,
  type MergedFlags,
  mergeFlags,
  parseEnvAssignments,
  renderFlagSet,
  targetEnv,
} from '../../src/stages/build/flags.js';
import { checkGoFlags } from '../../src/stages/build/goFlags.js';
import { expandTargets, type Target } from '../../src/targets/parse.js';
import type { Port } from '../../src/targets/ports.js';
import { projectValues } from '../../src/template/values.js';
import type { VersionInfo } from '../../src/toolchain/vcs.js';
import { realPorts } from './support/ports.js';

let ports: Port[];
beforeAll(() => {
  ports = realPorts();
});
const target = (spec: string) => expandTargets(spec, ports)[0] as Target;

const VERSION: VersionInfo = {
  version: 'v1.2.3',
  commit: '0123456789abcdef0123456789abcdef01234567',
  date: '2024-05-06T07:08:09Z',
  dateSource: 'commit',
  dirty: false,
  epoch: 1714979289,
  tag: 'v1.2.3',
  branch: 'main',
  snapshot: false,
};

const noFlags: MergedFlags = { ldflags: [], tags: [], gcflags: [], env: {} };

describe('mergeFlags', () => {
  it('returns empty lists for no sets', () => {
    expect(mergeFlags([])).toEqual(noFlags);
    expect(mergeFlags([{}, {}])).toEqual(noFlags);
  });

  it('appends ldflags and gcflags in set order without splitting them', () => {
    const merged = mergeFlags([
      { ldflags: '-X main.a=1', gcflags: 'all=-N -l' },
      { ldflags: ['-X', 'main.b=2'], gcflags: ['-m'] },
      { ldflags: ' -linkmode=internal ' },
    ]);
    expect(merged.ldflags).toEqual(['-X main.a=1', '-X', 'main.b=2', '-linkmode=internal']);
    expect(merged.gcflags).toEqual(['all=-N -l', '-m']);
  });

  it('splits tags on commas, trims them, and drops duplicates keeping first mention', () => {
    const merged = mergeFlags([
      { tags: 'netgo, osusergo,,' },
      { tags: ['sqlite,netgo', ' json '] },
      { tags: 'osusergo,extra' },
    ]);
    expect(merged.tags).toEqual(['netgo', 'osusergo', 'sqlite', 'json', 'extra']);
  });

  it('later sets override env keys, earlier keys stay', () => {
    const merged = mergeFlags([
      { env: { A: '1', B: '1' } },
      { env: { B: '2', C: '2' } },
      { env: { C: '3' } },
    ]);
    expect(merged.env).toEqual({ A: '1', B: '2', C: '3' });
  });

  it('does not modify its inputs', () => {
    const first = { env: { A: '1' }, tags: ['x'] };
    mergeFlags([first, { env: { A: '2' }, tags: 'y' }]);
    expect(first).toEqual({ env: { A: '1' }, tags: ['x'] });
  });
});

describe('flagSetsFor', () => {
  const file = 'crossgo.yaml';
  const set = (flags: object, key = '') => ({ flags, source: { file, key } });
  const cliSet = (flags: object) => ({ flags, source: { file, key: '', cli: true } });
  const flagsOf = (sets: { flags: object }[]) => sets.map((s) => s.flags);

  it("puts the build's sets, then CLI, then matching overrides in file order (the top level's, then the build's)", () => {
    const global = { tags: 'g' };
    const cli = { tags: 'c' };
    const overrides = {
      'linux/*': { tags: 'linux' },
      'windows/*': { tags: 'windows' },
      'linux/amd64/v3': { tags: 'v3' },
      '*/amd64': { tags: 'amd64' },
    };
    const lists = [
      { overrides, source: { file, key: 'overrides' } },
      { overrides: { 'linux/*': { tags: 'build-linux' } }, source: { file, key: 'builds[1].overrides' } },
    ];
    const sets = flagSetsFor(target('linux/amd64/v3'), [set(global)], cliSet(cli), lists);
    expect(flagsOf(sets)).toEqual([
      global,
      cli,
      { tags: 'linux' },
      { tags: 'v3' },
      { tags: 'amd64' },
      { tags: 'build-linux' },
    ]);
    expect(sets.map((s) => s.source.key)).toEqual([
      '',
      '',
      'overrides["linux/*"]',
      'overrides["linux/amd64/v3"]',
      'overrides["*/amd64"]',
      'builds[1].overrides["linux/*"]',
    ]);
    expect(flagsOf(flagSetsFor(target('darwin/arm64'), [set(global)], cliSet(cli), []))).toEqual([
      global,
      cli,
    ]);
  });

  it('lets an override win over global env after merging', () => {
    const sets = flagSetsFor(
      target('linux/arm64'),
      [set({ env: { FOO: 'global' } })],
      cliSet({ env: { BAR: 'cli' } }),
      [{ overrides: { 'linux/arm64': { env: { FOO: 'override' } } }, source: { file, key: 'overrides' } }],
    );
    expect(mergeFlags(flagsOf(sets)).env).toEqual({ FOO: 'override', BAR: 'cli' });
  });
});

describe('renderFlagSet', () => {
  const seen: string[] = [];
  const render = (text: string, source: { file: string; key: string }) => {
    seen.push(`${source.file}|${source.key}`);
    return text.replace('{commit}', 'abc');
  };

  it('renders every ldflags word and env value, each named by its own key path', () => {
    seen.length = 0;
    const out = renderFlagSet(
      {
        flags: { ldflags: ['-X main.a={commit}', '-s'], env: { A: '{commit}' }, tags: ['x'] },
        source: { file: 'crossgo.yaml', key: 'builds[1]' },
      },
      render,
    );
    expect(out).toEqual({ ldflags: ['-X main.a=abc', '-s'], env: { A: 'abc' }, tags: ['x'] });
    expect(seen).toEqual([
      'crossgo.yaml|builds[1].ldflags[0]',
      'crossgo.yaml|builds[1].ldflags[1]',
      'crossgo.yaml|builds[1].env.A',
    ]);
  });

  it('names a one-string ldflags "ldflags", and the command line by its flags', () => {
    seen.length = 0;
    renderFlagSet({ flags: { ldflags: '-X a={commit}' }, source: { file: 'crossgo.yaml', key: '' } }, render);
    renderFlagSet(
      {
        flags: { ldflags: ['-X b=1'], env: { B: '1' } },
        source: { file: 'crossgo.yaml', key: '', cli: true },
      },
      render,
    );
    expect(seen).toEqual(['crossgo.yaml|ldflags', '--ldflags|', '--env|B']);
  });
});

describe('checkUserEnv', () => {
  it.each([
    'GOOS',
    'GOARCH',
    'CGO_ENABLED',
    'GOAMD64',
    'GOARM',
    'GOARM64',
    'GO386',
    'GOMIPS',
    'GOMIPS64',
    'GOPPC64',
    'GORISCV64',
    'GOWASM',
  ])('refuses %s', (key) => {
    expect(() => checkUserEnv({ PATH: '/bin', [key]: 'x' }, 'crossgo.yaml env')).toThrow(UsageError);
    expect(() => checkUserEnv({ [key]: 'x' }, 'crossgo.yaml env')).toThrow(
      `crossgo.yaml env: ${key} is set by crossgo from each target: choose it through the target list (e.g. linux/amd64/v3, linux/arm/6) instead`,
    );
  });

  it('accepts other variables and no env at all', () => {
    expect(() =>
      checkUserEnv({ GOFLAGS: '-mod=mod', GOEXPERIMENT: 'loopvar', goos: 'x' }, 'x'),
    ).not.toThrow();
    expect(() => checkUserEnv(undefined, 'x')).not.toThrow();
  });

  it('controls exactly the target variables', () => {
    expect([...CONTROLLED_ENV].sort()).toEqual(
      [
        'CGO_ENABLED',
        'GO386',
        'GOAMD64',
        'GOARCH',
        'GOARM',
        'GOARM64',
        'GOMIPS',
        'GOMIPS64',
        'GOOS',
        'GOPPC64',
        'GORISCV64',
        'GOWASM',
      ].sort(),
    );
  });
});

describe('parseEnvAssignments', () => {
  it('parses KEY=VALUE pairs; the value may hold = or be empty; the last one wins', () => {
    expect(
      parseEnvAssignments(['GOFLAGS=-mod=mod', 'EMPTY=', '_X1=a b', 'GOFLAGS=-v', 'lower_case=1']),
    ).toEqual({ GOFLAGS: '-v', EMPTY: '', _X1: 'a b', lower_case: '1' });
  });

  it('returns an empty object for no pairs', () => {
    expect(parseEnvAssignments([])).toEqual({});
  });

  it.each(['NOEQUALS', '=value', '1ABC=x', 'A-B=x', 'A B=x', ''])('refuses %j', (pair) => {
    expect(() => parseEnvAssignments([pair])).toThrow(UsageError);
    expect(() => parseEnvAssignments(['OK=1', pair])).toThrow(
      `--env "${pair}": expected KEY=VALUE, e.g. --env GOEXPERIMENT=loopvar`,
    );
  });
});

describe('quoteFlagWord', () => {
  it('leaves plain words alone', () => {
    expect(quoteFlagWord('main.version=v1.2.3')).toBe('main.version=v1.2.3');
    expect(quoteFlagWord('-s')).toBe('-s');
  });

  it('single-quotes words with whitespace or a double quote', () => {
    expect(quoteFlagWord('main.version=1.0 beta')).toBe("'main.version=1.0 beta'");
    expect(quoteFlagWord('a\tb')).toBe("'a\tb'");
    expect(quoteFlagWord('say"hi"')).toBe(`'say"hi"'`);
  });

  it('double-quotes words with a single quote', () => {
    expect(quoteFlagWord("it's")).toBe(`"it's"`);
    expect(quoteFlagWord("it's here")).toBe(`"it's here"`);
  });

  it('refuses a word with both quote characters', () => {
    expect(() => quoteFlagWord(`it's "x"`)).toThrow(UsageError);
    expect(() => quoteFlagWord(`it's "x"`)).toThrow(
      `value "it's \\"x\\"" contains both quote characters: go's -ldflags cannot carry it`,
    );
  });
});

describe('linkerFlags and the default stamps', () => {
  const values = projectValues(VERSION, 'greet');

  it('stamps main.version without its v (GoReleaser .Version), main.commit and main.date by default', () => {
    expect(defaultStamps(values)).toEqual([
      '-X',
      'main.version=1.2.3',
      '-X',
      'main.commit=0123456789abcdef0123456789abcdef01234567',
      '-X',
      'main.date=2024-05-06T07:08:09Z',
    ]);
  });

  it('strips with -s -w, then the stamps, then the user flags', () => {
    expect(linkerFlags(true, defaultStamps(values), ['-X main.extra=1', '-linkmode=internal'])).toBe(
      '-s -w -X main.version=1.2.3 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2024-05-06T07:08:09Z -X main.extra=1 -linkmode=internal',
    );
  });

  it('leaves out -s -w when strip is false, and the stamps when the config names its own', () => {
    expect(linkerFlags(false, [], ['-X main.revision=0123456'])).toBe('-X main.revision=0123456');
  });

  it('quotes a version containing a space', () => {
    const spaced = projectValues(
      { ...VERSION, version: '1.0 beta', commit: 'none', date: 'unknown' },
      'greet',
    );
    expect(linkerFlags(true, defaultStamps(spaced), [])).toBe(
      "-s -w -X 'main.version=1.0 beta' -X main.commit=none -X main.date=unknown",
    );
  });
});

describe('checkGoFlags', () => {
  const check = (words: string[]) => checkGoFlags(words, 'crossgo.yaml', 'builds[0].flags');

  it('passes on the go build flags that leave crossgo its job', () => {
    const words = [
      '-v',
      '-race',
      '-x=true',
      '-mod=readonly',
      '-buildmode=pie',
      '-buildvcs=false',
      '-pgo=off',
      '-cover',
    ];
    expect(check(words)).toEqual(words);
    expect(check([])).toEqual([]);
  });

  it.each([
    [
      '-o=bin/x',
      /^crossgo\.yaml: builds\[0\]\.flags\[0\]: "-o=bin\/x": crossgo sets -o itself: .*`template`/,
    ],
    ['-ldflags=-s', /crossgo sets -ldflags itself: use the `ldflags` key$/],
    ['-tags=x', /use the `tags` key$/],
    ['-gcflags=-N', /use the `gcflags` key$/],
    ['-trimpath', /use `trimpath: true`/],
    ['-C=dir', /crossgo sets -C itself/],
    ['-toolexec=evil', /does not run go build through another program$/],
    ['-exec=x', /does not run go build through another program$/],
    ['-mod', /-mod takes a value: write it as one item, -mod=VALUE$/],
    ['-race=yes', /-race takes no value \(or true\/false\)$/],
    ['-rcae', /not a go build flag crossgo passes on, did you mean -race\?/],
    ['--v', /expected a go build flag such as -v/],
    ['-v -x', /expected a go build flag such as -v, -race or -mod=readonly \(one flag per item\)$/],
  ])('refuses %j naming its key and what to use', (word, message) => {
    let error: unknown;
    try {
      check(['-v', word]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('builds[0].flags[1]');
    expect((error as Error).message.replace('flags[1]', 'flags[0]')).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('buildArgs', () => {
  it('builds the full argument list', () => {
    expect(
      buildArgs({
        trimpath: true,
        ldflags: '-s -w',
        flags: { ...noFlags, tags: ['netgo', 'osusergo'], gcflags: ['all=-N', '-l'] },
      }),
    ).toEqual(['build', '-trimpath', '-ldflags=-s -w', '-tags=netgo,osusergo', '-gcflags=all=-N -l']);
  });

  it('leaves out -trimpath, -tags and -gcflags when not wanted', () => {
    expect(buildArgs({ trimpath: false, ldflags: '-X main.version=dev', flags: noFlags })).toEqual([
      'build',
      '-ldflags=-X main.version=dev',
    ]);
  });
});

const CGO_OFF = { CGO_ENABLED: '0' };

describe('targetEnv', () => {
  it('sets GOOS, GOARCH and CGO_ENABLED=0 and no level variable without a variant', () => {
    expect(targetEnv(target('linux/amd64'), noFlags, CGO_OFF)).toEqual({
      GOOS: 'linux',
      GOARCH: 'amd64',
      CGO_ENABLED: '0',
    });
  });

  it('sets the level variable of a variant', () => {
    expect(targetEnv(target('linux/amd64/v3'), noFlags, CGO_OFF)).toEqual({
      GOOS: 'linux',
      GOARCH: 'amd64',
      CGO_ENABLED: '0',
      GOAMD64: 'v3',
    });
    expect(targetEnv(target('linux/arm/6'), noFlags, CGO_OFF)).toMatchObject({ GOARCH: 'arm', GOARM: '6' });
    expect(targetEnv(target('linux/mips64le/softfloat'), noFlags, CGO_OFF)).toMatchObject({
      GOMIPS64: 'softfloat',
    });
  });

  it("keeps the user's env but lets the target win", () => {
    const env = targetEnv(
      target('windows/386/softfloat'),
      {
        ...noFlags,
        env: { GOFLAGS: '-mod=mod', GOOS: 'plan9', CGO_ENABLED: '1', GO386: 'sse2' },
      },
      CGO_OFF,
    );
    expect(env).toEqual({
      GOFLAGS: '-mod=mod',
      GOOS: 'windows',
      GOARCH: '386',
      CGO_ENABLED: '0',
      GO386: 'softfloat',
    });
  });

  it("sets cgo's variables and takes CC and CXX from the user's env only through cgo", () => {
    const env = targetEnv(
      target('linux/arm64'),
      { ...noFlags, env: { CC: 'my-cc', CXX: 'my-c++', FOO: 'bar' } },
      { CGO_ENABLED: '1', CC: 'zig cc -target aarch64-linux-gnu' },
    );
    expect(env).toEqual({
      FOO: 'bar',
      GOOS: 'linux',
      GOARCH: 'arm64',
      CGO_ENABLED: '1',
      CC: 'zig cc -target aarch64-linux-gnu',
    });
  });

  it('does not modify the merged flags', () => {
    const flags: MergedFlags = { ...noFlags, env: { A: '1' } };
    targetEnv(target('linux/amd64'), flags, CGO_OFF);
    expect(flags.env).toEqual({ A: '1' });
  });
});

describe('inheritedEnv', () => {
  it('strips the controlled variables and keeps the rest', () => {
    const shell = {
      PATH: '/usr/bin',
      HOME: '/home/me',
      GOFLAGS: '-mod=mod',
      GOPATH: '/go',
      GOOS: 'plan9',
      GOARCH: 'mips',
      CGO_ENABLED: '1',
      GOAMD64: 'v4',
      GOARM: '5',
      GOWASM: 'satconv',
      GORISCV64: 'rva23u64',
      CC: 'clang',
      CXX: 'clang++',
    };
    const out = inheritedEnv(shell);
    expect(out).toEqual({ PATH: '/usr/bin', HOME: '/home/me', GOFLAGS: '-mod=mod', GOPATH: '/go' });
    for (const key of CONTROLLED_ENV) expect(key in out).toBe(false);
    expect(shell.GOOS).toBe('plan9');
  });

  it('combined with targetEnv gives a clean environment for a target', () => {
    const env = {
      ...inheritedEnv({ PATH: '/bin', GOAMD64: 'v4' }),
      ...targetEnv(target('linux/amd64'), noFlags, CGO_OFF),
    };
    expect(env).toEqual({ PATH: '/bin', GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0' });
  });
});
