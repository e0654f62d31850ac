import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_NAMES, loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError, UsageError } from '../../src/errors.js';

/** Calls fn, expects a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const FULL_YAML = `# crossgo settings
targets:
  - first-class
  - "!windows/386"
out: out
template: "{name}_{version}_{goos}_{goarch}{-variant}{ext}"
jobs: 4
trimpath: false
strip: true
allowBroken: false
ldflags: -X main.extra=1
tags: [netgo, osusergo]
gcflags: all=-N -l
env:
  GOFLAGS: -mod=mod
  GOEXPERIMENT: loopvar
overrides:
  linux/arm64:
    env:
      FOO: bar
  windows/*:
    ldflags: ["-H", "windowsgui"]
  linux/amd64/v3:
    tags: fast
`;

const FULL_CONFIG = {
  targets: ['first-class', '!windows/386'],
  out: 'out',
  template: '{name}_{version}_{goos}_{goarch}{-variant}{ext}',
  jobs: 4,
  trimpath: false,
  strip: true,
  allowBroken: false,
  ldflags: '-X main.extra=1',
  tags: ['netgo', 'osusergo'],
  gcflags: 'all=-N -l',
  env: { GOFLAGS: '-mod=mod', GOEXPERIMENT: 'loopvar' },
  overrides: {
    'linux/arm64': { env: { FOO: 'bar' } },
    'windows/*': { ldflags: ['-H', 'windowsgui'] },
    'linux/amd64/v3': { tags: 'fast' },
  },
};

describe('parseConfig: valid files', () => {
  it('parses a YAML file using every key', () => {
    expect(parseConfig(FULL_YAML, '/mod/crossgo.yaml')).toEqual(FULL_CONFIG);
  });

  it('parses the same config as JSON', () => {
    const json = JSON.stringify(
      { $schema: './node_modules/crossgo/schema/crossgo.schema.json', ...FULL_CONFIG },
      null,
      2,
    );
    expect(parseConfig(json, '/mod/crossgo.json')).toEqual({
      $schema: './node_modules/crossgo/schema/crossgo.schema.json',
      ...FULL_CONFIG,
    });
  });

  it('keeps override keys in file order', () => {
    const config = parseConfig(FULL_YAML, '/mod/crossgo.yaml');
    expect(Object.keys(config.overrides ?? {})).toEqual(['linux/arm64', 'windows/*', 'linux/amd64/v3']);
  });

  it('treats an empty or comment-only YAML file as an empty config', () => {
    expect(parseConfig('', '/mod/crossgo.yaml')).toEqual({});
    expect(parseConfig('# nothing here\n', '/mod/crossgo.yml')).toEqual({});
  });

  it('accepts a targets string', () => {
    expect(parseConfig('targets: linux/amd64,darwin/arm64\n', 'crossgo.yaml')).toEqual({
      targets: 'linux/amd64,darwin/arm64',
    });
  });
});

describe('parseConfig: syntax errors', () => {
  it('a YAML syntax error is a ConfigError naming file:line:col', () => {
    const error = configError(() =>
      parseConfig('overrides:\n  linux/amd64:\n    tags: a\n    tags: b\n', '/mod/crossgo.yaml'),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.file).toBe('crossgo.yaml:4:5');
    expect(error.keyPath).toBe('');
    expect(error.problem).toBe('not valid YAML: Map keys must be unique');
    expect(error.message).toBe('crossgo.yaml:4:5: not valid YAML: Map keys must be unique');
  });

  it('names the line and column of an unterminated quote', () => {
    const error = configError(() => parseConfig('jobs: 4\ndist: "unterminated\n', '/mod/crossgo.yml'));
    expect(error.file).toBe('crossgo.yml:3:1');
    expect(error.message).toMatch(/^crossgo\.yml:3:1: not valid YAML: Missing closing "quote$/);
  });

  it('a JSON syntax error is a ConfigError naming the file', () => {
    const error = configError(() => parseConfig('{"jobs": 4,}', '/mod/crossgo.json'));
    expect(error.file).toBe('crossgo.json');
    expect(error.message).toMatch(/^crossgo\.json: not valid JSON: /);
  });
});

describe('parseConfig: schema errors name the file and key path', () => {
  const cases: [string, string, string, string][] = [
    ['unknown top-level key with a suggestion', 'tagz: [netgo]\n', 'tagz', 'unknown key, did you mean tags?'],
    [
      'unknown top-level key without a close match',
      'frobnicate: 1\n',
      'frobnicate',
      'unknown key (expected one of project, targets, main, binary, flags, hooks, builds, before, after, snapshot, changelog, out, template, jobs, cache, trimpath, strip, allowBroken, ldflags, tags, gcflags, env, cgo, cc, cxx, static, macosSdk, go, package, image, linux_packages, overrides)',
    ],
    [
      'unknown key inside an override',
      'overrides:\n  linux/amd64:\n    tagz: a\n',
      'overrides["linux/amd64"].tagz',
      'unknown key, did you mean tags?',
    ],
    ['a string where an integer belongs', 'jobs: "4"\n', 'jobs', 'expected integer'],
    ['a fraction where an integer belongs', 'jobs: 1.5\n', 'jobs', 'expected integer'],
    ['a value below the minimum', 'jobs: 0\n', 'jobs', 'expected a value that must be >= 1'],
    ['a string where a boolean belongs', 'strip: "yes"\n', 'strip', 'expected boolean'],
    ['an env value that is not a string', 'env:\n  FOO: 1\n', 'env.FOO', 'expected string'],
    [
      'an env name that is not a variable name',
      'env:\n  1BAD: x\n',
      'env["1BAD"]',
      'expected an environment variable name (letters, digits, _)',
    ],
    [
      'a bad override selector',
      'overrides:\n  Linux-AMD64:\n    tags: x\n',
      'overrides["Linux-AMD64"]',
      'expected a target selector such as linux/arm64, windows/* or linux/amd64/v3',
    ],
    [
      'a nested env value in an override',
      'overrides:\n  linux/arm64:\n    env:\n      FOO: 1\n',
      'overrides["linux/arm64"].env.FOO',
      'expected string',
    ],
    ['a top level that is not a mapping', '- linux/amd64\n', '(top level)', 'expected object'],
  ];

  it.each(cases)('%s', (_, text, keyPath, problem) => {
    const error = configError(() => parseConfig(text, '/some/module/crossgo.yaml'));
    expect(error.file).toBe('crossgo.yaml');
    expect(error.keyPath).toBe(keyPath);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(`crossgo.yaml: ${keyPath}: ${problem}`);
  });

  it('reports schema errors in JSON files with the JSON file name', () => {
    const error = configError(() => parseConfig('{"jobs": "4"}', '/mod/crossgo.json'));
    expect(error.message).toBe('crossgo.json: jobs: expected integer');
  });

  it('refuses a non-string item in a tags list', () => {
    const error = configError(() => parseConfig('tags: [netgo, 1]\n', 'crossgo.yaml'));
    expect(error.file).toBe('crossgo.yaml');
    expect(error.keyPath.startsWith('tags')).toBe(true);
  });

  // BUG: pickError ranks ajv's `type` errors (rank 2) above `anyOf` (rank 3), and a failing
  // stringOrList anyOf always comes with a `type` error per branch, so describe()'s
  // 'expected a string or a list of strings' is unreachable: the user is told
  // "tags: expected string" although a list is just as valid.
  it('a value that is neither a string nor a list says both are accepted', () => {
    const error = configError(() => parseConfig('tags: 5\n', 'crossgo.yaml'));
    expect(error.message).toBe('crossgo.yaml: tags: expected a string or a list of strings');
  });
});

describe('loadConfig', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('looks for crossgo.yaml, crossgo.yml and crossgo.json in that order', () => {
    expect(CONFIG_NAMES).toEqual(['crossgo.yaml', 'crossgo.yml', 'crossgo.json']);
  });

  it('returns an empty config when the directory has no config file', async () => {
    expect(await loadConfig(dir)).toEqual({ file: null, config: {} });
  });

  it('picks up crossgo.yaml and returns its absolute path', async () => {
    await writeFile(path.join(dir, 'crossgo.yaml'), 'jobs: 3\ntags: netgo\n');
    expect(await loadConfig(dir)).toEqual({
      file: path.join(dir, 'crossgo.yaml'),
      config: { jobs: 3, tags: 'netgo' },
    });
  });

  it('picks up crossgo.yml', async () => {
    await writeFile(path.join(dir, 'crossgo.yml'), 'strip: false\n');
    expect(await loadConfig(dir)).toEqual({ file: path.join(dir, 'crossgo.yml'), config: { strip: false } });
  });

  it('picks up crossgo.json', async () => {
    await writeFile(path.join(dir, 'crossgo.json'), '{"out": "release"}');
    expect(await loadConfig(dir)).toEqual({
      file: path.join(dir, 'crossgo.json'),
      config: { out: 'release' },
    });
  });

  it('prefers crossgo.yaml over crossgo.json', async () => {
    await writeFile(path.join(dir, 'crossgo.json'), '{"jobs": 1}');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'jobs: 2\n');
    expect(await loadConfig(dir)).toEqual({ file: path.join(dir, 'crossgo.yaml'), config: { jobs: 2 } });
  });

  it('loads an explicit file relative to the directory', async () => {
    await mkdir(path.join(dir, 'ci'));
    await writeFile(path.join(dir, 'ci', 'release.yaml'), 'targets: all\n');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'targets: linux/amd64\n');
    expect(await loadConfig(dir, 'ci/release.yaml')).toEqual({
      file: path.join(dir, 'ci', 'release.yaml'),
      config: { targets: 'all' },
    });
  });

  it('an explicit file that does not exist is an error naming it', async () => {
    const error = await loadConfig(dir, 'missing.yaml').then(
      () => {
        throw new Error('expected loadConfig to reject');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      `--config ${path.join(dir, 'missing.yaml')}: no such file (name it relative to where crossgo runs, or leave --config out to use crossgo.yaml in the module root)`,
    );
  });

  it('an invalid file found in the directory is an error naming it and the key path', async () => {
    await writeFile(path.join(dir, 'crossgo.yml'), 'overrides:\n  linux/arm64:\n    env:\n      FOO: 1\n');
    await expect(loadConfig(dir)).rejects.toThrow(
      new ConfigError('crossgo.yml', 'overrides["linux/arm64"].env.FOO', 'expected string'),
    );
    await expect(loadConfig(dir)).rejects.toThrow(
      'crossgo.yml: overrides["linux/arm64"].env.FOO: expected string',
    );
  });
});

describe('loadConfig: renamed keys (dist → out, output → template)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-renamed-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a deprecated key under its new name and says which old names the file used', async () => {
    await writeFile(path.join(dir, 'crossgo.yaml'), 'dist: release\noutput: "{name}-{goos}{ext}"\n');
    expect(await loadConfig(dir)).toEqual({
      file: path.join(dir, 'crossgo.yaml'),
      config: { out: 'release', template: '{name}-{goos}{ext}' },
      deprecated: [
        { old: 'dist', now: 'out' },
        { old: 'output', now: 'template' },
      ],
    });
  });

  it('a file under the new names reports no deprecation', async () => {
    await writeFile(path.join(dir, 'crossgo.yaml'), 'out: release\ntemplate: "{name}{ext}"\n');
    const loaded = await loadConfig(dir);
    expect(loaded.deprecated).toBeUndefined();
    expect(loaded.config).toEqual({ out: 'release', template: '{name}{ext}' });
  });

  it.each([
    ['out: a\ndist: b\n', 'dist', 'out'],
    ['template: "{name}"\noutput: "{name}{ext}"\n', 'output', 'template'],
  ])('both spellings at once is a ConfigError naming both (%#)', async (text, old, now) => {
    await writeFile(path.join(dir, 'crossgo.yaml'), text);
    await expect(loadConfig(dir)).rejects.toThrow(
      new ConfigError(
        'crossgo.yaml',
        old,
        `"${old}" is the old name of "${now}", and both are set: keep "${now}" only`,
      ),
    );
  });

  it('never suggests a deprecated name for a typo', () => {
    const error = configError(() => parseConfig('outt: x\n', '/mod/crossgo.yaml'));
    expect(error.problem).toBe('unknown key, did you mean out?');
  });
});
