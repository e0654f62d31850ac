import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  dirtyTreeProblem,
  majorOfModulePath,
  parseSourceDateEpoch,
  porcelainPaths,
  pseudoVersion,
  readVersionInfo,
} from '../../src/toolchain/vcs.js';

describe('parseSourceDateEpoch', () => {
  it('is null when unset or empty', () => {
    expect(parseSourceDateEpoch(undefined)).toBeNull();
    expect(parseSourceDateEpoch('')).toBeNull();
  });

  it('reads Unix seconds', () => {
    expect(parseSourceDateEpoch('0')).toBe(0);
    expect(parseSourceDateEpoch('1700000000')).toBe(1700000000);
  });

  it.each(['abc', '-1', '1.5', ' 1700000000', '1700000000\n', '1e9', '0x10'])('refuses %j', (value) => {
    expect(() => parseSourceDateEpoch(value)).toThrow(UsageError);
    expect(() => parseSourceDateEpoch(value)).toThrow(
      `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not a Unix time in seconds: set it to e.g. $(git log -1 --format=%ct)`,
    );
  });
});

describe('readVersionInfo outside a repository', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-vcs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(dir) });

  it('dates the build from SOURCE_DATE_EPOCH', async () => {
    const info = await readVersionInfo({ dir, env: { ...env(), SOURCE_DATE_EPOCH: '1700000000' } });
    expect(info).toEqual({
      version: 'dev',
      commit: 'none',
      date: '2023-11-14T22:13:20Z',
      dateSource: 'SOURCE_DATE_EPOCH',
      dirty: false,
      epoch: 1700000000,
      tag: '',
      branch: '',
      snapshot: false,
    });
  });

  // BUG: parseSourceDateEpoch accepts any run of digits, and readVersionInfo then calls
  // new Date(epoch * 1000).toISOString(), which throws a bare RangeError ("Invalid time value")
  // for values past year 275760 instead of a UsageError that names SOURCE_DATE_EPOCH.
  it('refuses a SOURCE_DATE_EPOCH too large to be a date with a UsageError', async () => {
    await expect(
      readVersionInfo({ dir, env: { ...env(), SOURCE_DATE_EPOCH: '99999999999999' } }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe("pseudoVersion: go's version of a commit with no tag before it", () => {
  it('is vX.0.0-<commit time, UTC, yyyymmddhhmmss>-<12 hex>, as cmd/go writes it', () => {
    // cmd/go/testdata/mod/example.com_pseudoupgrade_v0.0.0-20190430073000-30950c05d534.txt:
    // {"Version":"v0.0.0-20190430073000-30950c05d534","Short":"30950c05d534","Time":"2019-04-30T07:30:00Z"}
    const epoch = Date.parse('2019-04-30T07:30:00Z') / 1000;
    expect(pseudoVersion('v0', epoch, '30950c05d534f0e2a1b3c4d5e6f708192a3b4c5d')).toBe(
      'v0.0.0-20190430073000-30950c05d534',
    );
    expect(pseudoVersion('v2', 0, 'ab'.repeat(32))).toBe('v2.0.0-19700101000000-abababababab');
    // Single-digit months, days and hours are zero-padded; the time is UTC whatever TZ says.
    expect(pseudoVersion('v0', Date.UTC(2024, 0, 2, 3, 4, 5) / 1000, 'f'.repeat(40))).toBe(
      'v0.0.0-20240102030405-ffffffffffff',
    );
  });

  it('takes the major version from the module path as golang.org/x/mod/module does', () => {
    expect(majorOfModulePath('example.com/m')).toBe('v0');
    expect(majorOfModulePath('example.com/m/v2')).toBe('v2');
    expect(majorOfModulePath('example.com/m/v17')).toBe('v17');
    // /v1 and /v0 are no major version suffix; neither is v02.
    expect(majorOfModulePath('example.com/m/v1')).toBe('v0');
    expect(majorOfModulePath('example.com/m/v02')).toBe('v0');
    expect(majorOfModulePath('gopkg.in/yaml.v3')).toBe('v3');
    expect(majorOfModulePath('gopkg.in/check.v1')).toBe('v1');
    expect(majorOfModulePath('example.com/v2/tool')).toBe('v0');
  });
});

describe('the dirty-tree line', () => {
  it('reads git status --porcelain -z: renames show their new path, names are not quoted', () => {
    const out = '?? notes.txt\0 M main.go\0R  new name.go\0old.go\0?? dist/\0';
    expect(porcelainPaths(out)).toEqual(['notes.txt', 'main.go', 'new name.go', 'dist/']);
    expect(porcelainPaths('')).toEqual([]);
  });

  it('names the first three files, how many more, vcs.modified and the ways out, on one line', () => {
    expect(dirtyTreeProblem(['a.go', 'b.go', 'with space.txt', 'd', 'e\nf'], 'v1.2.3')).toBe(
      'uncommitted changes in a.go, b.go, "with space.txt" and 2 more (untracked files count): go stamps the binaries vcs.modified=true, so they are not a release of v1.2.3; commit or stash them, add them to .gitignore, or pass --snapshot',
    );
    expect(dirtyTreeProblem(['x\ny'], 'v1')).toMatch(/^uncommitted changes in "x\\ny" \(/);
    expect(dirtyTreeProblem([], 'v1.2.3')).toBe(
      'the build was made from a tree with uncommitted changes: go stamped its binaries vcs.modified=true, so they are not a release of v1.2.3; build again from a clean tree, or pass --snapshot',
    );
  });
});
