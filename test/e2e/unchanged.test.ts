import { appendFile, copyFile, cp, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaries, type Manifest } from '../../src/pipeline/manifest.js';
import { DEFAULT_WALK_LIMITS } from '../../src/stages/build/walk.js';
import { cleanupTemps, crossgo, FIXTURES, REPO, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { goRecorder } from '../helpers/goRecorder.js';

afterAll(cleanupTemps);

/**
 * An unchanged rebuild skips go build. The witness is not crossgo's word: a `go` first on PATH
 * logs every command line it is given and runs the real go, so "go build did not run" is read
 * from that log. Between a change and the build that must see it, the test waits out the racy
 * window (walk.ts): a build made within it records no digest, which would make the next build run
 * go for a reason other than the change under test.
 */
const CALM_MS = Number(DEFAULT_WALK_LIMITS.racyNs / 1_000_000n) + 100;
const TARGETS = ['linux/amd64', 'darwin/arm64', 'windows/386'];
const FILES: Record<string, string> = {
  'linux/amd64': 'hello-linux-amd64',
  'darwin/arm64': 'hello-darwin-arm64',
  'windows/386': 'hello-windows-386.exe',
};

interface Recorder {
  env: NodeJS.ProcessEnv;
  /** The go command lines run since the last call. */
  take(): Promise<string[]>;
}

/** A lone wrapper (no last-run record): each target's digest decides, which is what this tests. */
async function recorder(extra: NodeJS.ProcessEnv = {}): Promise<Recorder> {
  const go = await goRecorder();
  return {
    env: testEnv({
      PATH: go.path,
      CROSSGO_CACHE: go.cache,
      GIT_CEILING_DIRECTORIES: path.dirname(go.root),
      ...extra,
    }),
    take: go.take,
  };
}

interface Run {
  /** The targets go build ran for (read from the recorder's log). */
  built: string[];
  /** The targets crossgo said were unchanged. */
  unchanged: string[];
  manifest: Manifest;
}

async function build(
  dir: string,
  rec: Recorder,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  await sleep(CALM_MS);
  const result = await crossgo(['build', ...args], { cwd: dir, env: { ...rec.env, ...env } });
  expect(result.code, result.stderr).toBe(0);
  const lines = await rec.take();
  const built = TARGETS.filter((t) =>
    lines.some((l) => l.startsWith('build ') && l.includes(`/.${FILES[t]}.crossgo-tmp`)),
  );
  const unchanged = TARGETS.filter((t) => result.stderr.includes(`unchanged ${t}: `));
  const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
  return { built, unchanged, manifest };
}

/** go ran for these targets, and crossgo recorded a fresh digest for every one. */
function expectBuilt(run: Run, targets: string[] = TARGETS) {
  expect(run.built).toEqual(targets);
  expect(run.unchanged).toEqual(TARGETS.filter((t) => !targets.includes(t)));
  for (const a of binaries(run.manifest)) expect(a.inputs).toMatch(/^[0-9a-f]{64}$/);
}

function expectUnchanged(run: Run) {
  expect(run.built).toEqual([]);
  expect(run.unchanged).toEqual(TARGETS);
}

describe('an unchanged rebuild', () => {
  let dir: string;
  let rec: Recorder;
  let first: Run;

  beforeAll(async () => {
    dir = path.join(await tempDir(), 'hello');
    await cp(path.join(REPO, 'examples', 'hello'), dir, { recursive: true });
    rec = await recorder();
    first = await build(dir, rec);
    expectBuilt(first);
  });

  it('runs no go build, says unchanged for every target, and keeps the same recorded bytes', async () => {
    const again = await build(dir, rec);
    expectUnchanged(again);
    expect(binaries(again.manifest).map((a) => [a.path, a.sha256, a.inputs])).toEqual(
      binaries(first.manifest).map((a) => [a.path, a.sha256, a.inputs]),
    );
    const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'dist') });
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
  });

  it("does not count the output folder's own files", async () => {
    await writeFile(path.join(dir, 'dist', 'notes.txt'), 'a file of the user in the output folder\n');
    expectUnchanged(await build(dir, rec));
  });

  it('runs go again after a .go file is touched', async () => {
    const now = new Date();
    await utimes(path.join(dir, 'main.go'), now, now);
    expectBuilt(await build(dir, rec));
    expectUnchanged(await build(dir, rec));
  });

  it('runs go again after go.mod or the config changes', async () => {
    await appendFile(path.join(dir, 'go.mod'), '\n// a comment changes no setting\n');
    expectBuilt(await build(dir, rec));
    expectUnchanged(await build(dir, rec));
    // The default setting, spelt out: only the config's text changed.
    await writeFile(path.join(dir, 'crossgo.yaml'), 'trimpath: true\n');
    expectBuilt(await build(dir, rec));
    expectUnchanged(await build(dir, rec));
  });

  it('runs go again for another --env, -ldflags or GOFLAGS, each added to the last', async () => {
    const steps: [string[], NodeJS.ProcessEnv][] = [
      [['--env', 'HELLO_EXTRA=1'], {}],
      [['--env', 'HELLO_EXTRA=1', '--ldflags', '-X main.extra=1'], {}],
      [['--env', 'HELLO_EXTRA=1', '--ldflags', '-X main.extra=1'], { GOFLAGS: '-tags=extra' }],
    ];
    for (const [args, env] of steps) {
      expectBuilt(await build(dir, rec, args, env));
      expectUnchanged(await build(dir, rec, args, env));
    }
    expectBuilt(await build(dir, rec));
  });

  it('runs go again for the one artifact whose bytes were swapped', async () => {
    const dist = path.join(dir, 'dist');
    const genuine = await readFile(path.join(dist, FILES['linux/amd64'] as string));
    await copyFile(
      path.join(dist, FILES['windows/386'] as string),
      path.join(dist, FILES['linux/amd64'] as string),
    );
    const run = await build(dir, rec);
    expectBuilt(run, ['linux/amd64']);
    expect(await readFile(path.join(dist, FILES['linux/amd64'] as string))).toEqual(genuine);
  });

  it('runs go for every target with --force, and records the digest for the next build', async () => {
    expectBuilt(await build(dir, rec, ['--force']));
    expectUnchanged(await build(dir, rec));
  });
});

describe('a module with a local replacement', () => {
  it('runs go again when a file of the replacement folder changes, and the binary shows it', async () => {
    const top = await tempDir();
    const app = path.join(top, 'app');
    await cp(path.join(FIXTURES, 'depsrc'), path.join(top, 'dep'), { recursive: true });
    await mkdir(app);
    await writeFile(
      path.join(app, 'go.mod'),
      'module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep => ../dep\n',
    );
    await writeFile(
      path.join(app, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n)\n\nfunc main() { fmt.Println(dep.Greeting()) }\n',
    );
    const rec = await recorder();
    const args = ['-t', 'linux/amd64'];
    const run = async () => {
      await sleep(CALM_MS);
      const result = await crossgo(['build', ...args], { cwd: app, env: rec.env });
      expect(result.code, result.stderr).toBe(0);
      return {
        built: (await rec.take()).some((l) => l.startsWith('build ')),
        unchanged: result.stderr.includes('unchanged linux/amd64: '),
      };
    };
    expect(await run()).toEqual({ built: true, unchanged: false });
    expect(await run()).toEqual({ built: false, unchanged: true });
    const depFile = path.join(top, 'dep', 'dep.go');
    await writeFile(
      depFile,
      (await readFile(depFile, 'utf8')).replace('from dep v1.0.0', 'from the local dep'),
    );
    expect(await run()).toEqual({ built: true, unchanged: false });
    const printed = await runTool(path.join(app, 'dist', 'app-linux-amd64'), []);
    expect(printed.stdout.trim()).toBe('from the local dep');
  });
});
