import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReproReport } from '../../src/commands/repro.js';
import { cleanupTemps, crossgo, FIXTURES, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

/*
 * What the two builds of `crossgo repro` ran under, seen from inside each build: go runs every
 * tool through the -toolexec program given in GOFLAGS (which crossgo passes on to go, like
 * every variable of the user's it does not set itself), and test/fixtures/recorder writes down
 * the tool's folder, HOME, TMPDIR, TZ, LANG, umask and GOCACHE before it becomes the tool.
 * Nothing here is read back from crossgo's report.
 */

afterAll(cleanupTemps);

interface ToolRun {
  tool: string;
  package: string;
  goPid: number;
  cwd: string;
  entries: string[] | null;
  home: string;
  tmpdir: string;
  tz: string;
  lang: string;
  umask: number;
  gocache: string;
}

let recorderSource: string;
beforeAll(async () => {
  recorderSource = path.join(await tempDir(), 'recorder');
  await cp(path.join(FIXTURES, 'recorder'), recorderSource, { recursive: true });
});

/** A recorder that appends to its own log: the program for GOFLAGS=-toolexec, and the log. */
async function recorder(): Promise<{ program: string; log: string }> {
  const dir = await tempDir('crossgo-recorder-');
  const program = path.join(dir, 'recorder');
  const log = path.join(dir, 'runs.jsonl');
  const built = await runTool('go', ['build', '-o', program, '-ldflags', `-X main.logFile=${log}`, '.'], {
    cwd: recorderSource,
    env: testEnv(),
  });
  if (built.code !== 0) throw new Error(built.stderr);
  return { program, log };
}

/** The tool runs of each go command, in the order the go commands started. */
async function goCommands(log: string): Promise<ToolRun[][]> {
  const runs = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ToolRun);
  const byGo = new Map<number, ToolRun[]>();
  for (const run of runs) byGo.set(run.goPid, [...(byGo.get(run.goPid) ?? []), run]);
  return [...byGo.values()];
}

/** The one value a field has over all of one build's tool runs (a build whose tools disagree fails). */
function only<K extends keyof ToolRun>(runs: readonly ToolRun[], key: K): ToolRun[K] {
  const values = [...new Set(runs.map((r) => JSON.stringify(r[key])))];
  expect(values, `${key} over one build's tools`).toHaveLength(1);
  return runs[0]?.[key] as ToolRun[K];
}

/** go runs the linker in its own folder (cmd/go/internal/work gc.go ld: dir "."): the module's copy. */
function linkRun(runs: readonly ToolRun[]): ToolRun {
  const link = runs.find((r) => r.tool === 'link' && r.entries !== null && r.entries.includes('go.mod'));
  expect(link, 'a link run in the module folder').toBeDefined();
  return link as ToolRun;
}

async function goEnv(key: string): Promise<string> {
  const result = await runTool('go', ['env', key], { env: testEnv() });
  return result.stdout.trim();
}

describe('crossgo repro, as the builds themselves see it', () => {
  it('builds the second time in another folder with another HOME, TMPDIR, TZ, LANG, umask and an empty GOCACHE', async () => {
    const { dir } = await fixtureRepo('greet');
    const { program, log } = await recorder();
    const env = testEnv({ GOFLAGS: `-toolexec=${program}` });
    // Your cache then holds this build: a build with it compiles nothing of the standard library.
    const warm = await crossgo(['-C', dir, 'build', '-t', 'linux/amd64', '--no-link-cache'], { env });
    expect(warm.code, warm.stderr).toBe(0);
    await writeFile(log, '');
    const result = await crossgo(['-C', dir, 'repro', '--json', '-t', 'linux/amd64'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as ReproReport).ok).toBe(true);

    const builds = await goCommands(log);
    expect(builds, 'one go build per side').toHaveLength(2);
    const [a, b] = builds as [ToolRun[], ToolRun[]];
    const folder = (runs: ToolRun[]) => linkRun(runs).cwd;
    expect(folder(a)).not.toBe(folder(b));
    expect(folder(a).length).not.toBe(folder(b).length);
    for (const side of [a, b]) expect(folder(side)).not.toBe(dir);
    for (const key of ['home', 'tmpdir', 'tz', 'lang', 'umask', 'gocache'] as const) {
      expect(only(a, key), key).not.toEqual(only(b, key));
    }
    for (const key of ['home', 'tmpdir'] as const) {
      expect(only(a, key)).not.toBe(process.env[key.toUpperCase()]);
    }
    expect(only(b, 'umask')).toBe(0o077);
    // The first build uses your cache; the second one's is empty: it compiles the runtime again.
    expect(only(a, 'gocache')).toBe(await goEnv('GOCACHE'));
    const compiled = (runs: ToolRun[]) => runs.filter((r) => r.tool === 'compile').map((r) => r.package);
    expect(compiled(a)).not.toContain('runtime');
    expect(compiled(b)).toContain('runtime');
  });

  it("leaves the config's output folder out of the copies, whatever its name", async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'dist: out\n');
    // What an earlier build left in out/: a stale binary, and a FIFO that no copy can take.
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'out', 'greet-linux-amd64'), Buffer.alloc(4 * 1024 * 1024, 0x7f));
    expect((await runTool('mkfifo', [path.join(dir, 'out', 'pipe')])).code).toBe(0);
    // dist/ is a folder of the user's here, not crossgo's output: it is part of the tree.
    await mkdir(path.join(dir, 'dist'));
    await writeFile(path.join(dir, 'dist', 'notes.txt'), 'not an output\n');
    const { program, log } = await recorder();
    const env = testEnv({ GOFLAGS: `-toolexec=${program}` });
    const result = await crossgo(['-C', dir, 'repro', '--json', '-t', 'linux/amd64'], { env });
    expect(result.code, result.stderr).toBe(0);
    for (const side of await goCommands(log)) {
      const seen = linkRun(side).entries ?? [];
      expect(seen).toEqual(expect.arrayContaining(['go.mod', 'main.go', 'crossgo.yaml', 'dist']));
      expect(seen).not.toContain('out');
    }
  });
});
