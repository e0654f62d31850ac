import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitShortAssignments } from '../../src/cli/argv.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { failureExcerpt } from '../../src/stages/build/excerpt.js';
import { checkOverrideSelectors } from '../../src/stages/build/flags.js';
import { checkTemplate, renderOutputName } from '../../src/stages/build/template.js';
import { signerMessage } from '../../src/stages/sign/sign.js';
import { expandTargets, type Target } from '../../src/targets/parse.js';
import type { Port } from '../../src/targets/ports.js';
import { projectValues, targetValues } from '../../src/template/values.js';
import { versionProblem } from '../../src/toolchain/vcs.js';
import { realPorts } from './support/ports.js';

let ports: Port[];
beforeAll(() => {
  ports = realPorts();
});
const target = (spec: string) => expandTargets(spec, ports)[0] as Target;
/** A target's template values, as the build's plan makes them. */
function valuesFor(name: string, version: string, spec: string) {
  const t = target(spec);
  const facts = {
    version,
    tag: version,
    commit: 'none',
    date: 'unknown',
    epoch: null,
    branch: '',
    snapshot: false,
  };
  return targetValues(projectValues(facts, 'hello'), {
    goos: t.goos,
    goarch: t.goarch,
    variant: t.variant,
    level: null,
    binary: name,
    id: name,
  });
}
const FORGED = 'x\n0000000000000000000000000000000000000000000000000000000000000000  evil';

/** The error a function throws, for checking its class and that its message is one line. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('output templates refuse what would forge or misplace a name', () => {
  it('refuses a control character in the template, naming where it came from, on one line', () => {
    for (const template of [FORGED, 'a\rb', 'a\tb{ext}', 'a\u007fb', 'a\u0000b']) {
      const error = thrown(() => checkTemplate(template, '--template'));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toBe(
        `--template ${JSON.stringify(template)} holds a control character: file names may not (a newline would forge a checksums line)`,
      );
      expect(error.message).not.toMatch(/[\n\r]/);
    }
    expect(() => checkTemplate('a\nb', 'crossgo.yaml: output')).toThrow(
      /^crossgo\.yaml: output "a\\nb" holds/,
    );
  });

  it.each([
    ['sub/', /ends with "\/" \(go would write a file named "sub"\)/],
    ['bin//{name}', /has an empty or "\." segment/],
    ['./{name}', /has an empty or "\." segment/],
    ['a/./{name}', /has an empty or "\." segment/],
    ['{variant}/{name}', /would write outside the output folder \(it is an absolute path\)/],
    ['x/../../{name}', /would write outside the output folder \(it climbs out with "\.\."\)/],
    ['a\\{name}', /holds a backslash/],
  ])('refuses the rendering of %j', (template, problem) => {
    const compiled = checkTemplate(template, '--template');
    const error = thrown(() => renderOutputName(compiled, valuesFor('hello', 'v1', 'linux/amd64')));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^--template "/);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a rendered name whose version holds a control character or a "/"', () => {
    const template = (text: string) => checkTemplate(text, '--template');
    expect(() =>
      renderOutputName(template('{name}-{version}'), valuesFor('hello', FORGED, 'linux/amd64')),
    ).toThrow(/holds a control character/);
    // {version} is the version without its tag's v, as in every template; {raw_version} keeps it.
    const values = valuesFor('hello', 'v1.2.3', 'linux/amd64');
    expect(renderOutputName(template('{version}/{name}'), values)).toBe('1.2.3/hello');
    expect(renderOutputName(template('{raw_version}/{name}{ext}'), values)).toBe('v1.2.3/hello');
    expect(renderOutputName(template('{name}-{os}_{arch|replace:amd64=x86_64}'), values)).toBe(
      'hello-linux_x86_64',
    );
  });

  it('refuses an unknown placeholder naming the nearest, before any target', () => {
    expect(() => checkTemplate('{name}-{gooss}', '--template')).toThrow(
      /^--template: "\{name\}-\{gooss\}": unknown placeholder \{gooss\}, did you mean \{goos\}\?$/,
    );
  });
});

describe('versionProblem', () => {
  it('accepts what git describe gives for a tag', () => {
    for (const v of ['v1.2.3', 'v1.2.3-4-gabcdef0-dirty', 'dev', 'release-v2', '1.0+build.5']) {
      expect(versionProblem(v)).toBeNull();
    }
  });
  it('refuses what cannot go into a file name', () => {
    expect(versionProblem('')).toBe('is empty');
    expect(versionProblem(FORGED)).toBe('holds a control character');
    expect(versionProblem('release/v2')).toBe('holds a "/"');
    expect(versionProblem('a\\b')).toBe('holds a backslash');
  });
});

describe('splitShortAssignments (-o=out as go flag reads it)', () => {
  const program = () => {
    const p = new Command('crossgo').option('-C, --chdir <dir>');
    p.command('build')
      .argument('[package]')
      .option('-o, --out <dir>')
      .option('-t, --targets <list>')
      .option('-j, --jobs <n>')
      .option('--ldflags <flags>')
      .option('--json');
    p.command('inspect').argument('<file...>').option('-v, --verbose');
    return p;
  };

  it('splits short options that take a value', () => {
    expect(splitShortAssignments(['build', '-o=out', '-t=linux/amd64', '-j=2', '.'], program())).toEqual([
      'build',
      '-o',
      'out',
      '-t',
      'linux/amd64',
      '-j',
      '2',
      '.',
    ]);
    expect(splitShortAssignments(['-C=/x', 'build', '-o=a=b'], program())).toEqual([
      '-C',
      '/x',
      'build',
      '-o',
      'a=b',
    ]);
  });

  it('leaves values, flags without values, long options and everything after -- alone', () => {
    const argv = ['build', '--ldflags', '-o=x', '--json', '-C', '-t=y', '--', '-o=z'];
    expect(splitShortAssignments(argv, program())).toEqual([
      'build',
      '--ldflags',
      '-o=x',
      '--json',
      '-C',
      '-t=y',
      '--',
      '-o=z',
    ]);
    expect(splitShortAssignments(['inspect', '-v=true', 'f'], program())).toEqual([
      'inspect',
      '-v=true',
      'f',
    ]);
    expect(splitShortAssignments(['build', '--out=dist'], program())).toEqual(['build', '--out=dist']);
  });
});

describe('checkOverrideSelectors', () => {
  const check = (selector: string) =>
    checkOverrideSelectors({ [selector]: { tags: ['x'] } }, ports, 'crossgo.yaml', 'go1.26.8');

  it('accepts selectors of real ports, variants and wildcards, targeted or not', () => {
    for (const s of [
      'linux/amd64',
      'freebsd/riscv64',
      'linux/amd64/v3',
      'windows/*',
      '*/arm64',
      'linux/arm/7',
    ]) {
      expect(() => check(s)).not.toThrow();
    }
  });

  it.each([
    ['linux/amd65', 'linux/amd64'],
    ['linus/arm64', 'linux/arm64'],
    ['linux/amd64/v5', 'linux/amd64/v4'],
  ])('refuses %j with a suggestion (%s)', (selector, guess) => {
    const error = thrown(() => check(selector));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `crossgo.yaml: overrides[${JSON.stringify(selector)}]: matches no target of go1.26.8, did you mean ${guess}? (crossgo targets lists them)`,
    );
  });
});

describe('failureExcerpt', () => {
  it('keeps everything when go said little', () => {
    expect(failureExcerpt('# m\nmain.go:3:2: undefined: x\n\n')).toBe('# m\nmain.go:3:2: undefined: x');
  });

  it('keeps the package line, the first error and its first cause before the tail, marked as cut', () => {
    const lines = [
      '# example.com/app',
      '/usr/local/go/pkg/tool/linux_amd64/link: running gcc failed: exit status 1',
      `/usr/bin/gcc -m64 ${'x.o '.repeat(2000)}`,
      ...Array.from({ length: 30 }, (_, i) => [
        "/usr/bin/ld: /tmp/000001.o: in function `f':",
        `main.cgo2.c:${i}: undefined reference to \`missing_${i}'`,
      ]).flat(),
      'collect2: error: ld returned 1 exit status',
    ];
    const excerpt = failureExcerpt(lines.join('\n')).split('\n');
    expect(excerpt.slice(0, 4)).toEqual([
      '# example.com/app',
      '/usr/local/go/pkg/tool/linux_amd64/link: running gcc failed: exit status 1',
      "main.cgo2.c:0: undefined reference to `missing_0'",
      '…',
    ]);
    expect(excerpt.at(-1)).toBe('collect2: error: ld returned 1 exit status');
    expect(excerpt).toHaveLength(13);
    // Bounded: a huge line is cut.
    expect(failureExcerpt(`${'y'.repeat(100_000)}\n`.repeat(50)).length).toBeLessThan(6000);
  });

  it('is the plain tail when the first error is in it', () => {
    const lines = [...Array.from({ length: 20 }, (_, i) => `note ${i}`), 'main.go:1:1: undefined: x'];
    expect(failureExcerpt(lines.join('\n'))).toBe(lines.slice(-12).join('\n'));
  });
});

describe('signerMessage', () => {
  it("says gpg's cause once", () => {
    expect(
      signerMessage(
        'gpg: skipped "DEADBEEF": No secret key\ngpg: signing failed: No secret key\n',
        undefined,
      ),
    ).toBe('skipped "DEADBEEF": No secret key');
    expect(signerMessage('gpg: signing failed: Bad passphrase hunter2\n', 'hunter2')).toBe(
      'signing failed: Bad passphrase ***',
    );
  });
});
