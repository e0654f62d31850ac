import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, fixtureRepo, spawnCrossgo, tempDir, testEnv } from '../helpers/cli.js';
import { processesWithMarker } from '../helpers/oracles.js';

afterAll(cleanupTemps);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * Starts a cold-cache build (so go is busy compiling the standard library for each target),
 * waits until go's compilers are running, sends the signal, and checks what is left.
 */
async function interruptBuild(signal: NodeJS.Signals, expectedCode: number) {
  const { dir } = await fixtureRepo('greet');
  const marker = `CROSSGO_TEST_MARK=${randomBytes(6).toString('hex')}`;
  const [key, value] = marker.split('=') as [string, string];
  const env = testEnv({ GOCACHE: await tempDir('crossgo-cold-cache-'), [key]: value });
  const child = spawnCrossgo(['build', '-t', 'linux/amd64,linux/arm64,darwin/arm64,windows/386', '-j', '2'], {
    cwd: dir,
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');

  // go's own children (compile, asm) carry the marker too: wait until several compilers are alive,
  // so the signal lands in the builds, not in planning (go env, go list, git run there too).
  await waitFor(async () => {
    const pids = (await processesWithMarker(marker)).filter((pid) => pid !== child.pid);
    const compilers: number[] = [];
    for (const pid of pids) {
      const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
      if (comm.trim() === 'compile' || comm.trim() === 'asm') compilers.push(pid);
    }
    return compilers.length >= 2 ? compilers : undefined;
  }, 120_000);
  await sleep(500);
  child.kill(signal);
  const [code] = (await exited) as [number | null];

  // Nothing crossgo started may outlive it.
  const leftovers = await waitFor(async () => {
    const pids = await processesWithMarker(marker);
    return pids.length === 0 ? pids : undefined;
  }, 5_000).catch(async () => processesWithMarker(marker));

  const dist = path.join(dir, 'dist');
  const files = await readdir(dist);
  const manifest = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
  return { code, expectedCode, stderr, leftovers, files, manifest, dist };
}

describe('an interrupted build', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'on %s: stops every child process tree, leaves no partial file, exits %i',
    async (signal, expectedCode) => {
      const r = await interruptBuild(signal, expectedCode);
      expect(r.code, r.stderr).toBe(r.expectedCode);
      expect(r.stderr).toContain(`interrupted by ${signal}`);
      expect(r.leftovers, 'no child process survives').toEqual([]);
      expect(
        r.files.filter((f) => f.includes('crossgo-tmp')),
        'no temporary file',
      ).toEqual([]);
      // What did finish is complete and recorded; nothing else is there.
      expect(r.manifest.complete).toBe(false);
      const listed = r.manifest.artifacts.map((a) => a.path);
      expect(r.files.sort()).toEqual([...listed, '.crossgo-owned', 'SHA256SUMS', 'manifest.json'].sort());
      expect(listed.length, 'the build was interrupted before all four targets finished').toBeLessThan(4);
      for (const a of r.manifest.artifacts) {
        const bytes = await readFile(path.join(r.dist, a.path));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.sha256);
      }
    },
  );
});
