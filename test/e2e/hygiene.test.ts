import { createHash } from 'node:crypto';
import { appendFile, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  COMMIT_DATE,
  cleanupTemps,
  crossgo,
  FIXTURES,
  fixtureRepo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';

/*
 * Release hygiene on real repositories (fixed dates, tags, untracked files) and real go builds
 * of the host target only. The oracles: `go version -m` (go's own vcs.modified stamp and the
 * main module's version go 1.24+ stamps), the binary's own output, tar -tzf, and names written
 * by hand from GoReleaser's snapshot default ({{ .Version }}-SNAPSHOT-{{ .ShortCommit }}).
 */
afterAll(cleanupTemps);

const HOST = 'linux/amd64';
const env = testEnv();
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/** What crossgo says on stderr, without the progress lines of a non-TTY run ("built linux/amd64: …"). */
const said = (text: string) => lines(text).filter((l) => l.startsWith('crossgo:'));

/** The folder's files, without crossgo's hidden journal and lock. */
async function ls(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
}

/** What `go version -m` says of a binary: the main module's version and vcs.modified. */
async function goStamp(binary: string): Promise<{ mod: string; modified: string }> {
  const info = await runTool('go', ['version', '-m', binary], { env });
  expect(info.code, info.stderr).toBe(0);
  return {
    mod: /^\tmod\t\S+\t(\S+)/m.exec(info.stdout)?.[1] ?? '',
    modified: /^\tbuild\tvcs\.modified=(\S+)$/m.exec(info.stdout)?.[1] ?? '',
  };
}

/** The greet fixture committed at COMMIT_DATE with no tag at all, dist/ ignored. */
async function untaggedRepo(): Promise<{ dir: string; commit: string }> {
  const dir = path.join(await tempDir(), 'greet');
  await cp(path.join(FIXTURES, 'greet'), dir, { recursive: true });
  await writeFile(path.join(dir, '.gitignore'), '/dist/\n');
  const gitEnv = { ...process.env, ...gitIdentity(COMMIT_DATE) };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'untagged'],
  ]) {
    const r = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: dir, env: gitEnv });
    expect(r.code, r.stderr).toBe(0);
  }
  const head = await runTool('git', ['rev-parse', 'HEAD'], { cwd: dir });
  return { dir, commit: head.stdout.trim() };
}

describe('a dirty tree is not released', () => {
  it('an untracked file: build records dirty, package exits 2 naming it, --snapshot packages with a warning', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'notes.txt'), 'not committed\n');
    const built = await crossgo(['build', '-t', HOST, '--json'], { cwd: dir, env });
    expect(built.code, built.stderr).toBe(0);
    const manifest = JSON.parse(built.stdout) as Manifest;
    // git describe --dirty ignores untracked files; go does not (the oracle).
    expect(manifest.source).toMatchObject({ version: 'v1.2.3', dirty: true });
    expect(await goStamp(path.join(dir, 'dist', 'greet-linux-amd64'))).toEqual({
      mod: 'v1.2.3+dirty',
      modified: 'true',
    });
    const before = await ls(path.join(dir, 'dist'));

    const refused = await crossgo(['package'], { cwd: dir, env });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)).toEqual([
      'crossgo: uncommitted changes in notes.txt (untracked files count): go stamps the binaries vcs.modified=true, so they are not a release of v1.2.3; commit or stash them, add them to .gitignore, or pass --snapshot',
    ]);
    expect(await ls(path.join(dir, 'dist')), 'no release file made').toEqual(before);

    const forced = await crossgo(['package', '--snapshot', '--no-sbom'], { cwd: dir, env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(said(forced.stderr)).toEqual([
      'crossgo: warning: --snapshot: packaging a build of a dirty tree (vcs.modified=true) as v1.2.3: release file names follow the version stamped into the binaries; for snapshot names, build with --snapshot',
    ]);
    expect(await ls(path.join(dir, 'dist'))).toContain('greet_1.2.3_linux_amd64.tar.gz');
  });

  it('build --package exits 2 before building: first three files and how many more, no output folder', async () => {
    const { dir } = await fixtureRepo('greet');
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) await writeFile(path.join(dir, name), name);
    await appendFile(path.join(dir, 'main.go'), '// changed\n');
    const result = await crossgo(['build', '--package', '-t', HOST], { cwd: dir, env });
    expect(result.code).toBe(2);
    // git status --porcelain lists tracked changes first, then untracked files, each in path order.
    expect(lines(result.stderr)).toEqual([
      'crossgo: uncommitted changes in main.go, a.txt, b.txt and 2 more (untracked files count): go stamps the binaries vcs.modified=true, so they are not a release of v1.2.3-dirty; commit or stash them, add them to .gitignore, or pass --snapshot',
    ]);
    expect(await stat(path.join(dir, 'dist')).catch(() => null), 'nothing built').toBeNull();
  });

  it('a clean tree whose dist/ is git-ignored: build, then package, is not refused', async () => {
    const { dir } = await fixtureRepo('greet');
    const built = await crossgo(['build', '-t', HOST], { cwd: dir, env });
    expect(built.code, built.stderr).toBe(0);
    expect((await runTool('git', ['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
    const packaged = await crossgo(['package', '--no-sbom'], { cwd: dir, env });
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(said(packaged.stderr)).toEqual([]);
    // And once more as one command, over the same folder.
    const again = await crossgo(['build', '--package', '-t', HOST], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(await goStamp(path.join(dir, 'dist', 'greet-linux-amd64'))).toEqual({
      mod: 'v1.2.3',
      modified: 'false',
    });
  });

  it('build --package refuses an output folder inside the work tree that is not ignored: it would dirty the tree', async () => {
    const { dir } = await fixtureRepo('greet', { ignoreDist: false });
    const result = await crossgo(['build', '--package', '-t', HOST], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      "crossgo: dist/ is inside the git work tree and not ignored: crossgo's files there make the tree dirty while go builds, so go stamps the binaries vcs.modified=true and they are not a release of v1.2.3; add /dist/ to .gitignore, or pass --snapshot",
    ]);
    expect(await stat(path.join(dir, 'dist')).catch(() => null)).toBeNull();
  });
});

describe('--snapshot', () => {
  it('builds version 1.2.3-SNAPSHOT-<short commit> from a dirty tree; its archives carry it; package passes', async () => {
    const { dir, commit } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'notes.txt'), 'not committed\n');
    const short = commit.slice(0, 7);
    const result = await crossgo(['build', '--snapshot', '--package', '-t', HOST, '--json'], {
      cwd: dir,
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.source).toMatchObject({
      version: `1.2.3-SNAPSHOT-${short}`,
      tag: 'v1.2.3',
      snapshot: true,
      dirty: true,
    });
    const dist = path.join(dir, 'dist');
    const run = await runTool(path.join(dist, 'greet-linux-amd64'), []);
    expect(run.stdout).toMatch(new RegExp(`^greet version=1\\.2\\.3-SNAPSHOT-${short} commit=${commit} `));
    // GoReleaser's default archive name with that version: {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}.
    const archive = `greet_1.2.3-SNAPSHOT-${short}_linux_amd64.tar.gz`;
    expect(await ls(dist)).toEqual(
      [
        'CHANGELOG.md',
        'SHA256SUMS',
        archive,
        `greet_1.2.3-SNAPSHOT-${short}_checksums.txt`,
        `greet_1.2.3-SNAPSHOT-${short}_linux_amd64.sbom.cdx.json`,
        'greet-linux-amd64',
        'manifest.json',
      ].sort(),
    );
    const tar = await runTool('tar', ['-tzf', archive], { cwd: dist });
    expect(lines(tar.stdout)).toContain(`greet_1.2.3-SNAPSHOT-${short}_linux_amd64/greet`);
    // A snapshot build packages on its own, dirty or not, without --snapshot and without a warning.
    const packaged = await crossgo(['package', '--no-sbom'], { cwd: dir, env });
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(said(packaged.stderr)).toEqual([]);
  });

  it("takes the config's snapshot.version template, of the values before the snapshot", async () => {
    const { dir, commit } = await fixtureRepo('greet');
    await writeFile(
      path.join(dir, 'crossgo.yaml'),
      'snapshot:\n  version: "{tag}-next.{commit_timestamp}+{short_commit|upper}"\n',
    );
    const result = await crossgo(['build', '--snapshot', '-t', HOST, '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    // 2024-05-06T07:08:09Z in Unix seconds, and the commit's first 7 hex upper-cased.
    const expected = `v1.2.3-next.1714979289+${commit.slice(0, 7).toUpperCase()}`;
    expect((JSON.parse(result.stdout) as Manifest).source).toMatchObject({
      version: expected,
      snapshot: true,
    });
    // main.version is {version}: the version without its v.
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64'), []);
    expect(run.stdout).toContain(`version=${expected.slice(1)} `);
  });

  it('a template with a misspelt placeholder is one line naming the file, the key and the spelling', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'snapshot:\n  version: "{version}-{shortcommit}"\n');
    const result = await crossgo(['build', '--snapshot', '-t', HOST], { cwd: dir, env });
    expect(result.code).toBe(2);
    const [line, ...rest] = lines(result.stderr);
    expect(rest).toEqual([]);
    expect(line).toMatch(/^crossgo: crossgo\.yaml: snapshot\.version: .*shortcommit.*short_commit/);
  });
});

describe('an untagged commit', () => {
  it("gets go's pseudo-version v0.0.0-<commit time>-<12 hex>, equal to what go version -m stamps, and a warning", async () => {
    const { dir, commit } = await untaggedRepo();
    const result = await crossgo(['build', '-t', HOST, '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    // By hand: COMMIT_DATE 2024-05-06T07:08:09Z, the commit's first 12 hex.
    const version = `v0.0.0-20240506070809-${commit.slice(0, 12)}`;
    expect(said(result.stderr)).toEqual([
      `crossgo: warning: no tag on this commit: version ${version}; tag a release (git tag v0.1.0) or pass --app-version`,
    ]);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.source).toMatchObject({ version, tag: '', dirty: false, snapshot: false });
    const binary = path.join(dir, 'dist', 'greet-linux-amd64');
    expect(await goStamp(binary)).toEqual({ mod: version, modified: 'false' });
    // main.version carries it (with or without its v, as the ldflags default decides).
    const run = await runTool(binary, []);
    expect(run.stdout).toMatch(/^greet version=v?0\.0\.0-20240506070809-[0-9a-f]{12} /);
    expect(run.stdout).toContain(`0.0.0-20240506070809-${commit.slice(0, 12)} commit=${commit} `);
  });

  it('with a tracked change: go stamps +dirty, crossgo keeps its -dirty (file-name safe, as for tags)', async () => {
    const { dir, commit } = await untaggedRepo();
    await appendFile(path.join(dir, 'main.go'), '// changed\n');
    const result = await crossgo(['build', '-t', HOST, '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const pseudo = `v0.0.0-20240506070809-${commit.slice(0, 12)}`;
    expect((JSON.parse(result.stdout) as Manifest).source).toMatchObject({
      version: `${pseudo}-dirty`,
      dirty: true,
    });
    expect(await goStamp(path.join(dir, 'dist', 'greet-linux-amd64'))).toEqual({
      mod: `${pseudo}+dirty`,
      modified: 'true',
    });
  });
});

describe('--clean', () => {
  const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

  it("removes what the previous manifest lists and crossgo made, and leaves a user's file and a file only an edited manifest names", async () => {
    const { dir } = await fixtureRepo('greet');
    const dist = path.join(dir, 'dist');
    const first = await crossgo(['build', '--package', '-t', HOST], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const listed = (
      JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest
    ).artifacts
      .map((a) => a.path)
      .sort();
    expect(listed).toEqual([
      'CHANGELOG.md',
      'greet-linux-amd64',
      'greet_1.2.3_checksums.txt',
      'greet_1.2.3_linux_amd64.sbom.cdx.json',
      'greet_1.2.3_linux_amd64.tar.gz',
    ]);
    // A user's file, and one a hand-edited manifest claims, with its true size and sha256.
    await writeFile(path.join(dist, 'mine.txt'), 'the user keeps this\n');
    const claimed = 'an edited manifest says crossgo made this\n';
    await writeFile(path.join(dist, 'claimed.txt'), claimed);
    const manifestFile = path.join(dist, 'manifest.json');
    const edited = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
    edited.artifacts.push({
      kind: 'archive',
      path: 'claimed.txt',
      size: Buffer.byteLength(claimed),
      sha256: sha256(claimed),
      target: HOST,
      from: ['greet-linux-amd64'],
    });
    await writeFile(manifestFile, `${JSON.stringify(edited, null, 2)}\n`);
    const oldBinary = await stat(path.join(dist, 'greet-linux-amd64'));

    const cleaned = await crossgo(['build', '--clean', '-t', HOST], { cwd: dir, env });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(said(cleaned.stderr)).toEqual([
      "crossgo: warning: dist/claimed.txt: listed in manifest.json but not in crossgo's journal of the files it made: left in place",
      'crossgo: --clean removed 7 files from dist/',
    ]);
    // The release files are gone; the binary was built again (a new inode: not left in place).
    expect(await ls(dist)).toEqual([
      'SHA256SUMS',
      'claimed.txt',
      'greet-linux-amd64',
      'manifest.json',
      'mine.txt',
    ]);
    expect(await readFile(path.join(dist, 'mine.txt'), 'utf8')).toBe('the user keeps this\n');
    expect(await readFile(path.join(dist, 'claimed.txt'), 'utf8')).toBe(claimed);
    const rebuilt = await stat(path.join(dist, 'greet-linux-amd64'));
    expect(rebuilt.ino).not.toBe(oldBinary.ino);
    const check = await runTool('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dist });
    expect(check.code, check.stderr).toBe(0);
    // The journal forgot what was removed: a later clean removes only what this build made.
    const journal = await readFile(path.join(dist, '.crossgo-owned'), 'utf8');
    expect(journal).not.toContain('greet_1.2.3_linux_amd64.tar.gz');
    expect(journal).not.toContain('claimed.txt');
  });

  it('without --clean too: a build never deletes a file that only an edited manifest names', async () => {
    const { dir } = await fixtureRepo('greet');
    const dist = path.join(dir, 'dist');
    expect((await crossgo(['build', '-t', HOST], { cwd: dir, env })).code).toBe(0);
    const claimed = 'mine, with my true sha256 in an edited manifest\n';
    await writeFile(path.join(dist, 'claimed.tar.gz'), claimed);
    const manifestFile = path.join(dist, 'manifest.json');
    const edited = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
    edited.artifacts.push({
      kind: 'archive',
      path: 'claimed.tar.gz',
      size: Buffer.byteLength(claimed),
      sha256: sha256(claimed),
      target: HOST,
      from: ['greet-linux-amd64'],
    });
    await writeFile(manifestFile, `${JSON.stringify(edited, null, 2)}\n`);
    // A new build replaces the release files of the last one: only those its journal knows.
    const rebuilt = await crossgo(['build', '--force', '-t', HOST], { cwd: dir, env });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(await readFile(path.join(dist, 'claimed.tar.gz'), 'utf8')).toBe(claimed);
  });

  it('is not answered by the last run: an unchanged rebuild with --clean builds every target again', async () => {
    const { dir } = await fixtureRepo('greet');
    const first = await crossgo(['build', '-t', HOST], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const unchanged = await crossgo(['build', '-t', HOST], { cwd: dir, env });
    expect(unchanged.stdout).toMatch(/0 built, 1 unchanged, 0 failed/);
    const cleaned = await crossgo(['build', '--clean', '-t', HOST], { cwd: dir, env });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toMatch(/\n1 built, 0 failed/);
    expect(said(cleaned.stderr)).toEqual(['crossgo: --clean removed 3 files from dist/']);
  });
});
