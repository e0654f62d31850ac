import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { prepareHooks } from '../../src/hooks/prepare.js';
import { showCommand } from '../../src/hooks/run.js';
import { splitWords } from '../../src/hooks/words.js';
import { renderTemplate } from '../../src/template/engine.js';
import { projectValues, targetValues } from '../../src/template/values.js';

/*
 * The expectations are go's own: the table of TestSplit in go's src/cmd/internal/quoted/quoted_test.go
 * (copied case by case), and a few more worked out by hand from quoted.Split's code: a quote
 * counts only at the start of a word, there is no escaping, nothing is expanded.
 */
describe('splitWords, as go splits flags (cmd/internal/quoted.Split)', () => {
  it.each([
    ['one', 'a', ['a']],
    ['leading_space', ' a', ['a']],
    ['trailing_space', 'a ', ['a']],
    ['two', 'a b', ['a', 'b']],
    ['two_multi_space', 'a  b', ['a', 'b']],
    ['two_tab', 'a\tb', ['a', 'b']],
    ['two_newline', 'a\nb', ['a', 'b']],
    ['quote_single', "'a b'", ['a b']],
    ['quote_double', '"a b"', ['a b']],
    ['quote_both', `'a '"b "`, ['a ', 'b ']],
    ['quote_contains', `'a "'"'b"`, ['a "', "'b"]],
    ['escape', "\\'", ["\\'"]],
  ])('go test %s: %j', (_name, text, want) => {
    expect(splitWords(text, 'crossgo.yaml: before[0]')).toEqual(want);
  });

  it('quote_unclosed: unterminated, naming where the command was read', () => {
    expect(() => splitWords("'a", 'crossgo.yaml: before[0]')).toThrow(UsageError);
    expect(() => splitWords("'a", 'crossgo.yaml: before[0]')).toThrow(
      /^crossgo\.yaml: before\[0\]: unterminated ' string/,
    );
    expect(() => splitWords('go run "./gen', 'x')).toThrow(/unterminated " string/);
  });

  it('counts a quote only at the start of a word, as go does', () => {
    // Inside a word a quote is a plain character, and the word ends at the next space.
    expect(splitWords('a"b c"', 'x')).toEqual(['a"b', 'c"']);
    // A closing quote ends the word even without a space after it.
    expect(splitWords('"a"b', 'x')).toEqual(['a', 'b']);
    expect(splitWords("''", 'x')).toEqual(['']);
    expect(splitWords("go run ./gen -o 'man pages'", 'x')).toEqual(['go', 'run', './gen', '-o', 'man pages']);
  });

  it('is no shell: $VAR, globs, pipes and redirections are plain words', () => {
    expect(splitWords('echo $HOME *.go | tee > out.txt; rm -rf /', 'x')).toEqual([
      'echo',
      '$HOME',
      '*.go',
      '|',
      'tee',
      '>',
      'out.txt;',
      'rm',
      '-rf',
      '/',
    ]);
  });

  it('refuses an empty command (go gives no words; a hook needs a program)', () => {
    expect(() => splitWords('', 'x')).toThrow(/the command is empty/);
    expect(() => splitWords(' \t\n', 'x')).toThrow(/the command is empty/);
  });
});

const VALUES = targetValues(
  projectValues(
    {
      version: 'v1.2.3',
      tag: 'v1.2.3',
      commit: '0123456789abcdef0123456789abcdef01234567',
      date: '2024-05-06T07:08:09Z',
      epoch: 1714979289,
      branch: 'main',
      snapshot: false,
    },
    'tool',
  ),
  { goos: 'linux', goarch: 'arm', variant: '7', level: '7', binary: 'tool', id: 'tool' },
);

describe('prepareHooks', () => {
  const source = (key: string) => ({ file: 'crossgo.yaml', key });
  const argvOf = (hook: ReturnType<typeof prepareHooks>[number]) =>
    hook.argv.map((word) => renderTemplate(word, VALUES, {}));

  it('splits a string into words first, so a rendered value with spaces stays one argument', () => {
    const [hook] = prepareHooks(
      {
        commands: ['go run ./gen "{project} {version}" {os}_{arch}v{arm}'],
        source: source('builds[0].hooks.pre'),
      },
      'target',
    );
    expect(hook?.key).toBe('builds[0].hooks.pre[0]');
    expect(argvOf(hook as never)).toEqual(['go', 'run', './gen', 'tool 1.2.3', 'linux_armv7']);
  });

  it('takes an argument array word by word, and the long form with dir, env and output', () => {
    const hooks = prepareHooks(
      {
        commands: [
          ['cp', 'a b', 'dist/{version}'],
          { cmd: 'make docs', dir: 'docs/{version}', env: { DOCS_VERSION: '{tag}' }, output: true },
        ],
        source: source('before'),
      },
      'project',
    );
    expect(argvOf(hooks[0] as never)).toEqual(['cp', 'a b', 'dist/1.2.3']);
    const long = hooks[1] as (typeof hooks)[number];
    expect(argvOf(long)).toEqual(['make', 'docs']);
    expect(renderTemplate(long.dir as never, VALUES, {})).toBe('docs/1.2.3');
    expect(long.env.map(([k, v]) => [k, renderTemplate(v, VALUES, {})])).toEqual([
      ['DOCS_VERSION', 'v1.2.3'],
    ]);
    expect(long.output).toBe(true);
  });

  it('runs /bin/sh -c only with shell: true, and refuses an array with it', () => {
    const [hook] = prepareHooks(
      { commands: [{ cmd: 'echo {version} > out.txt', shell: true }], source: source('after') },
      'project',
    );
    expect(argvOf(hook as never)).toEqual(['/bin/sh', '-c', 'echo 1.2.3 > out.txt']);
    expect(() =>
      prepareHooks({ commands: [{ cmd: ['echo', 'x'], shell: true }], source: source('after') }, 'project'),
    ).toThrow(/^crossgo\.yaml: after\[0\]\.cmd: shell: true runs one string with \/bin\/sh -c/);
  });

  it('names the file, the key path and the nearest placeholder for a wrong one', () => {
    const bad = () =>
      prepareHooks({ commands: ['true', ['echo', '{verison}']], source: source('before') }, 'project');
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(
      /^crossgo\.yaml: before\[1\]\[1\]: .*unknown placeholder \{verison\}, did you mean \{version\}\?/,
    );
    // A target's placeholder where the command runs once for the whole run.
    expect(() => prepareHooks({ commands: ['echo {os}'], source: source('before') }, 'project')).toThrow(
      /^crossgo\.yaml: before\[0\]: .*\{os\} is a target's/,
    );
    expect(() =>
      prepareHooks(
        { commands: [{ cmd: 'true', env: { X: '{arhc}' } }], source: source('builds[1].hooks.post') },
        'target',
      ),
    ).toThrow(/^crossgo\.yaml: builds\[1\]\.hooks\.post\[0\]\.env\.X: .*did you mean \{arch\}\?/);
    expect(() => prepareHooks({ commands: ["''"], source: source('before') }, 'project')).toThrow(
      /before\[0\]: the command is empty/,
    );
  });

  it('shows a command as it would be typed', () => {
    expect(showCommand(['/bin/sh', '-c', 'exit 3'])).toBe('/bin/sh -c "exit 3"');
    expect(showCommand(['go', 'mod', 'tidy'])).toBe('go mod tidy');
    expect(showCommand(['echo', ''])).toBe('echo ""');
  });
});
