import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, cp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  cleanupTemps,
  crossgo,
  fixtureRepo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';

afterAll(cleanupTemps);

/*
 * Each shard is built as a CI runner builds it: in the checkout, into dist/, then its folder is
 * taken away (the runner uploads it). The one-machine build is made the same way, so the merged
 * folder can be compared with it file by file.
 */
const TARGETS = 'linux/amd64,linux/arm64,windows/amd64,darwin/arm64,freebsd/amd64,linux/386';
const ALL = TARGETS.split(',');
let dir: string;
let store: string;
const env = testEnv();
// The run's own CI may set them: these tests say which shard they build.
for (const k of ['CI_NODE_INDEX', 'CI_NODE_TOTAL', 'CROSSGO_SHARD']) delete env[k];

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const manifestOf = async (folder: string) =>
  JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as Manifest;
const builtTargets = (m: Manifest) => m.artifacts.filter((a) => a.kind === 'binary').map((a) => a.target);

/** Builds into dist/ with `args` and moves the folder to <store>/<name>. */
async function buildAway(name: string, args: string[], cwd = dir): Promise<string> {
  const result = await crossgo(['build', '-t', TARGETS, ...args], { cwd, env });
  if (result.code !== 0) throw new Error(result.stdout + result.stderr);
  const to = path.join(store, name);
  await rename(path.join(cwd, 'dist'), to);
  return to;
}

/** Every file of a folder but crossgo's journal (.crossgo-owned) → sha256. */
async function filesOf(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort()) {
    if (name === '.crossgo-owned') continue;
    out[name] = sha256(await readFile(path.join(folder, name)));
  }
  return out;
}

/** A manifest without what differs per run (durationMs). */
function withoutDurations(m: Manifest): unknown {
  return { ...m, artifacts: m.artifacts.map((a) => ({ ...a, durationMs: 0 })) };
}

let one: string;
const shards: string[] = [];

beforeAll(async () => {
  ({ dir } = await fixtureRepo('greet'));
  store = await tempDir();
  one = await buildAway('one', []);
  for (const i of [1, 2, 3]) shards.push(await buildAway(`shard-${i}`, ['--shard', `${i}/3`]));
}, 600_000);

describe('crossgo build --shard', () => {
  it('partitions the targets: each once, the union the one-machine list', async () => {
    const parts = await Promise.all(shards.map(async (s) => builtTargets(await manifestOf(s))));
    expect(parts.flat().sort()).toEqual([...ALL].sort());
    expect(new Set(parts.flat()).size).toBe(ALL.length);
    // Static weights (README): all equal, so by target id round the shards: darwin/arm64 1,
    // freebsd/amd64 2, linux/386 3, linux/amd64 1, linux/arm64 2, windows/amd64 3; each in plan order.
    expect(parts).toEqual([
      ['linux/amd64', 'darwin/arm64'],
      ['linux/arm64', 'freebsd/amd64'],
      ['windows/amd64', 'linux/386'],
    ]);
  });

  it('records I/N, the whole plan in plan order and the same digest in every shard', async () => {
    const records = await Promise.all(shards.map(async (s) => (await manifestOf(s)).shard));
    for (const [i, record] of records.entries()) {
      expect(record?.index).toBe(i + 1);
      expect(record?.total).toBe(3);
      expect(record?.targets).toEqual(ALL);
      expect(record?.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(record?.digest).toBe(records[0]?.digest);
    }
    const head = (await runTool('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    expect(records[0]?.agree.commit).toBe(head);
    expect(records[0]?.agree.dirty).toBe(false);
    expect((await manifestOf(one)).shard).toBeUndefined();
  });

  it('is deterministic: the same shard again builds the same targets', async () => {
    const again = await buildAway('again-2', ['--shard', '2/3']);
    expect(builtTargets(await manifestOf(again))).toEqual(
      builtTargets(await manifestOf(shards[1] as string)),
    );
  });

  it("--costs weighs the targets by an earlier manifest's build times", async () => {
    // linux/386 the heaviest by far: alone on shard 1; the other five share shards 2 and 3.
    const costs = await manifestOf(one);
    for (const a of costs.artifacts)
      if (a.kind === 'binary') a.durationMs = a.target === 'linux/386' ? 900000 : 100;
    const file = path.join(store, 'costs.json');
    await writeFile(file, JSON.stringify(costs));
    const first = await buildAway('costs-1', ['--shard', '1/3', '--costs', file]);
    expect(builtTargets(await manifestOf(first))).toEqual(['linux/386']);
  });

  it('--shard auto reads CI_NODE_INDEX/CI_NODE_TOTAL, and names them when unset', async () => {
    const auto = await crossgo(['build', '-t', TARGETS, '--shard', 'auto', '-o', path.join(store, 'auto')], {
      cwd: dir,
      env: { ...env, CI_NODE_INDEX: '3', CI_NODE_TOTAL: '3' },
    });
    expect(auto.code, auto.stderr).toBe(0);
    expect(builtTargets(await manifestOf(path.join(store, 'auto')))).toEqual(['windows/amd64', 'linux/386']);
    const unset = await crossgo(['build', '-t', TARGETS, '--shard', 'auto'], { cwd: dir, env });
    expect(unset.code).toBe(2);
    // One line, before anything else runs (no warning of planning before it).
    expect(unset.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^crossgo: --shard auto: set CI_NODE_INDEX and CI_NODE_TOTAL .*CROSSGO_SHARD/),
    ]);
  });

  it.each(['0/4', '5/4', '1/0', 'x'])('refuses --shard %s in one line, exit 2', async (value) => {
    const result = await crossgo(['build', '-t', TARGETS, '--shard', value], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `crossgo: --shard "${value}": expected I/N with 1 ≤ I ≤ N, e.g. 2/4`,
    ]);
  });

  it('refuses --costs without --shard, and a --costs file that is not there', async () => {
    const alone = await crossgo(['build', '-t', TARGETS, '--costs', 'm.json'], { cwd: dir, env });
    expect([alone.code, alone.stderr.trim()]).toEqual([2, 'crossgo: --costs: only with --shard I/N']);
    const absent = await crossgo(['build', '-t', TARGETS, '--shard', '1/2', '--costs', 'none.json'], {
      cwd: dir,
      env,
    });
    expect(absent.code).toBe(2);
    expect(absent.stderr.trim()).toMatch(
      /^crossgo: --costs .*none\.json: no such file; give a manifest\.json of an earlier build$/,
    );
  });

  it('a shard with no targets (more shards than targets) writes a manifest with none, and says so', async () => {
    const out = path.join(store, 'empty');
    const result = await crossgo(['build', '-t', 'linux/amd64,linux/arm64', '--shard', '3/3', '-o', out], {
      cwd: dir,
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('shard 3/3 has no targets');
    const m = await manifestOf(out);
    expect(m.artifacts).toEqual([]);
    expect(m.shard?.targets).toEqual(['linux/amd64', 'linux/arm64']);
  });
});

describe('crossgo merge', () => {
  let merged: string;
  let before: Record<string, string>[];

  beforeAll(async () => {
    before = await Promise.all(shards.map(filesOf));
    const result = await crossgo(['merge', ...shards, '-o', 'dist'], { cwd: dir, env });
    if (result.code !== 0) throw new Error(result.stdout + result.stderr);
    merged = path.join(dir, 'dist');
  }, 120_000);

  it('writes what a one-machine build writes: the same binaries, SHA256SUMS, and manifest but durationMs', async () => {
    const files = await filesOf(merged);
    expect(Object.keys(files).sort()).toEqual(Object.keys(await filesOf(one)).sort());
    const oneFiles = await filesOf(one);
    for (const [name, hash] of Object.entries(oneFiles)) {
      if (name !== 'manifest.json') expect(files[name], name).toBe(hash);
    }
    expect(withoutDurations(await manifestOf(merged))).toEqual(withoutDurations(await manifestOf(one)));
    // Each binary's time is the one its shard measured.
    const shardTimes = new Map<string, number>();
    for (const s of shards)
      for (const a of (await manifestOf(s)).artifacts)
        if (a.kind === 'binary') shardTimes.set(a.target, a.durationMs);
    for (const a of (await manifestOf(merged)).artifacts)
      if (a.kind === 'binary') expect(a.durationMs).toBe(shardTimes.get(a.target));
  });

  it('passes sha256sum -c', async () => {
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: merged });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(ALL.length);
  });

  it('leaves the shard folders as they were', async () => {
    expect(await Promise.all(shards.map(filesOf))).toEqual(before);
    for (const s of shards) expect(builtTargets(await manifestOf(s))).toHaveLength(2);
  });

  it('is a folder repro --against rebuilds to its recorded sha256s', async () => {
    const repro = await crossgo(['repro', '--against', 'dist/manifest.json'], { cwd: dir, env });
    expect(repro.code, repro.stdout + repro.stderr).toBe(0);
    expect(repro.stdout).toContain('every artifact rebuilt to its recorded sha256');
  });

  it('is a folder package and verify work on', async () => {
    const verified = await crossgo(['verify'], { cwd: dir, env });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const packaged = await crossgo(['package', '--no-sbom'], { cwd: dir, env });
    expect(packaged.code, packaged.stdout + packaged.stderr).toBe(0);
    const m = await manifestOf(merged);
    expect(m.artifacts.filter((a) => a.kind === 'archive')).toHaveLength(ALL.length);
  });

  // A usage error (exit 2), or bytes that are not what a manifest records (exit 1).
  const refusal = async (dirs: string[], code = 2) => {
    const result = await crossgo(['merge', ...dirs, '-o', path.join(store, 'refused')], { cwd: dir, env });
    expect(result.code).toBe(code);
    // Refused before anything is written: not even the output folder.
    expect(existsSync(path.join(store, 'refused'))).toBe(false);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0] as string;
  };

  it('refuses a missing shard, naming the targets no shard built', async () => {
    const line = await refusal([shards[0] as string, shards[2] as string]);
    expect(line).toBe(
      "crossgo: shard 2 of 3 missing: no shard built linux/arm64, freebsd/amd64; add that shard's folder",
    );
  });

  it('refuses a shard given twice', async () => {
    const copy = path.join(store, 'copy-2');
    await cp(shards[1] as string, copy, { recursive: true });
    const line = await refusal([...shards, copy]);
    expect(line).toContain(`shard 2 of 3 is given twice: ${shards[1]} and ${copy}`);
  });

  it('refuses a tampered binary, naming it and both hashes', async () => {
    const copy = path.join(store, 'tampered-3');
    await cp(shards[2] as string, copy, { recursive: true });
    await appendFile(path.join(copy, 'greet-linux-386'), 'x');
    const line = await refusal([shards[0] as string, shards[1] as string, copy], 1);
    expect(line).toMatch(
      new RegExp(
        `${copy}/greet-linux-386 has sha256 [0-9a-f]{12}…, not the [0-9a-f]{12}… its manifest records`,
      ),
    );
  });

  it('refuses a shard of another commit, naming every field that differs (the stamped version and flags too) and where', async () => {
    const other = await fixtureRepo('greet');
    await appendFile(path.join(other.dir, 'main.go'), '\n// another commit\n');
    const gitEnv = { ...process.env, ...gitIdentity() };
    await runTool('git', ['commit', '-qam', 'second'], { cwd: other.dir, env: gitEnv });
    const head = (await runTool('git', ['rev-parse', 'HEAD'], { cwd: other.dir })).stdout.trim();
    const second = await buildAway('other-2', ['--shard', '2/3'], other.dir);
    const line = await refusal([shards[0] as string, second, shards[2] as string]);
    expect(line).toMatch(
      new RegExp(
        `^crossgo: shards of different builds: commit differs: shard 2 \\(${second}\\) has "${head}", shard 1 \\(${shards[0]}\\) has "[0-9a-f]{40}"; version differs: shard 2 \\(${second}\\) has "v1\\.2\\.3-1-g[0-9a-f]+", shard 1 \\(${shards[0]}\\) has "v1\\.2\\.3"; flags differs: shard 2 \\(${second}\\) has "[0-9a-f]{64}", shard 1 \\(${shards[0]}\\) has "[0-9a-f]{64}"; merge the shards of one run$`,
      ),
    );
  });
});

describe('shards of a config with several builds', () => {
  it('key each target by its build, and merge into what one machine builds', async () => {
    const repo = (await fixtureRepo('twobin')).dir;
    const run = async (args: string[], name: string) => {
      const result = await crossgo(['build', ...args], { cwd: repo, env });
      if (result.code !== 0) throw new Error(result.stdout + result.stderr);
      const to = path.join(store, name);
      await rename(path.join(repo, 'dist'), to);
      return to;
    };
    const whole = await run([], 'two-one');
    const parts = [await run(['--shard', '1/2'], 'two-1'), await run(['--shard', '2/2'], 'two-2')];
    const record = (await manifestOf(parts[0] as string)).shard;
    const plan = (await manifestOf(whole)).artifacts
      .filter((a) => a.kind === 'binary')
      .map((a) => `${a.kind === 'binary' ? a.build : ''} ${a.target}`);
    expect(record?.targets).toEqual(plan);
    expect(plan.every((k) => /^(a|beta) [a-z0-9]+\/[a-z0-9]+$/.test(k))).toBe(true);
    const merged = await crossgo(['merge', ...parts, '-o', 'dist'], { cwd: repo, env });
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    const files = await filesOf(path.join(repo, 'dist'));
    const expected = await filesOf(whole);
    expect(Object.keys(files).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, hash] of Object.entries(expected)) {
      if (name !== 'manifest.json') expect(files[name], name).toBe(hash);
    }
    expect(withoutDurations(await manifestOf(path.join(repo, 'dist')))).toEqual(
      withoutDurations(await manifestOf(whole)),
    );
  }, 300_000);
});
