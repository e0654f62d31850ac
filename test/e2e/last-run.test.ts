import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WALK_LIMITS } from '../../src/stages/build/walk.js';
import { cleanupTemps, crossgo, fixtureRepo, REPO, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { goRecorder } from '../helpers/goRecorder.js';

afterAll(cleanupTemps);

/**
 * A rebuild of an unchanged module answered from the last run's record (stages/build/lastRun.ts):
 * not one go command runs, not even `go env`. The witness is a `go` first on PATH that logs every
 * command line and runs the real go; the bytes are checked with sha256sum -c. Between a change and
 * the build that must see it, the test waits out the racy window (walk.ts).
 */
const CALM_MS = Number(DEFAULT_WALK_LIMITS.racyNs / 1_000_000n) + 100;

interface Recorder {
  env: NodeJS.ProcessEnv;
  cache: string;
  /** The go command lines run since the last call. */
  take(): Promise<string[]>;
}

async function recorder(): Promise<Recorder> {
  const go = await goRecorder({ asInstallation: true });
  return { env: testEnv({ PATH: go.path, XDG_CACHE_HOME: go.cache }), cache: go.cache, take: go.take };
}

async function build(dir: string, rec: Recorder, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  await sleep(CALM_MS);
  const result = await crossgo(['build', ...args], { cwd: dir, env: { ...rec.env, ...env } });
  expect(result.code, result.stderr).toBe(0);
  return { ...result, go: await rec.take() };
}

describe('an unchanged rebuild answered from the last run', () => {
  let dir: string;
  let rec: Recorder;

  beforeAll(async () => {
    dir = path.join(await tempDir(), 'hello');
    await cp(path.join(REPO, 'examples', 'hello'), dir, { recursive: true });
    rec = await recorder();
    const first = await build(dir, rec);
    expect(first.go.filter((l) => l.startsWith('build '))).toHaveLength(3);
  });

  it('runs no go command at all, says unchanged for every target, and the bytes check out', async () => {
    // The first run's record was taken while dist/ did not exist yet: one more planned run.
    await build(dir, rec);
    const again = await build(dir, rec);
    expect(again.go).toEqual([]);
    expect(again.stdout).toMatch(/0 built, 3 unchanged, 0 failed/);
    for (const t of ['linux/amd64', 'darwin/arm64', 'windows/386']) {
      expect(again.stderr).toContain(`unchanged ${t}: `);
    }
    const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'dist') });
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
  });

  it('plans again when anything it read may differ; go build runs only where the bytes would', async () => {
    // A variable go does not read: planned again (go env runs), yet no target is built.
    const unrelated = await build(dir, rec, [], { CROSSGO_TEST_UNRELATED: '1' });
    expect(unrelated.go.some((l) => l.startsWith('env'))).toBe(true);
    expect(unrelated.go.filter((l) => l.startsWith('build '))).toEqual([]);
    // A changed source file: go runs and builds every target.
    await writeFile(path.join(dir, 'extra.go'), 'package main\n\nvar extra = 1\n');
    const edited = await build(dir, rec);
    expect(edited.go.filter((l) => l.startsWith('build '))).toHaveLength(3);
    // --force always builds, and the next run is answered from the record again.
    const forced = await build(dir, rec, ['--force']);
    expect(forced.go.filter((l) => l.startsWith('build '))).toHaveLength(3);
    expect((await build(dir, rec)).go).toEqual([]);
  });

  it('an artifact that lost its bytes is built again and restored', async () => {
    const file = path.join(dir, 'dist', 'hello-linux-amd64');
    const genuine = await readFile(file);
    await writeFile(file, Buffer.from('not the binary'));
    const run = await build(dir, rec);
    expect(run.go.filter((l) => l.startsWith('build '))).toHaveLength(1);
    expect(await readFile(file)).toEqual(genuine);
  });

  it('a crafted record is not trusted: garbage, or one naming another folder, and go runs', async () => {
    const runs = path.join(rec.cache, 'crossgo', 'runs');
    await rm(runs, { recursive: true });
    await writeFile(path.join(dir, 'extra.go'), 'package main\n\nvar extra = 2\n');
    await build(dir, rec);
    const [name] = await readdir(runs);
    const file = path.join(runs, name as string);
    const real = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;

    await writeFile(file, '{"format":1,');
    expect((await build(dir, rec)).go.length).toBeGreaterThan(0);

    // Another module's genuine build, its manifest and sums named with their real hashes.
    const other = path.join(await tempDir(), 'hello');
    await cp(path.join(REPO, 'examples', 'hello'), other, { recursive: true });
    await build(other, rec);
    const otherRecord = JSON.parse(
      await readFile(path.join(runs, (await readdir(runs)).find((n) => n !== name) as string), 'utf8'),
    ) as Record<string, string>;
    const crafted = { ...otherRecord, fingerprint: real.fingerprint };
    await writeFile(file, JSON.stringify(crafted));
    const run = await build(dir, rec);
    expect(run.go.some((l) => l.startsWith('env'))).toBe(true);
    expect(run.stdout).toContain('→ dist/');
  });
});

describe('the last run and git', () => {
  it('a new commit changes what go stamps in (vcs.revision): planned and built again', async () => {
    const { dir } = await fixtureRepo('greet');
    const rec = await recorder();
    await build(dir, rec, ['-t', 'linux/amd64']);
    expect((await build(dir, rec, ['-t', 'linux/amd64'])).go).toEqual([]);
    const git = (...args: string[]) =>
      runTool('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
    expect((await git('commit', '-q', '--allow-empty', '-m', 'next')).code).toBe(0);
    const head = (await git('rev-parse', 'HEAD')).stdout.trim();
    const next = await build(dir, rec, ['-t', 'linux/amd64']);
    expect(
      next.go.filter((l) => l.startsWith('build ')),
      next.go.join('\n'),
    ).toHaveLength(1);
    const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8'));
    expect(manifest.source.commit).toBe(head);
    const stamped = await runTool('go', ['version', '-m', path.join(dir, 'dist', 'greet-linux-amd64')]);
    expect(stamped.stdout).toContain(`vcs.revision=${head}`);
  });
});
