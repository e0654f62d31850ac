import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

async function build(dir: string, out: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  const result = await crossgo(['build', '-t', 'linux/amd64,linux/arm64', '-o', out, '--json', ...extra], {
    cwd: dir,
    env,
  });
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Manifest;
}

/** The cached binaries (not their records, not temporary files). */
async function cacheEntries(cache: string): Promise<string[]> {
  return (await readdir(cache)).filter((e) => !e.includes('crossgo-tmp') && !e.endsWith('.json'));
}

describe('the link cache', () => {
  it('stores one binary per package and target, and never serves a stale or corrupt one', async () => {
    const { dir } = await fixtureRepo('greet');
    const cache = await tempDir('crossgo-link-cache-');
    const env = testEnv({ CROSSGO_CACHE: cache });
    const first = await build(dir, 'out/1', env);
    // Two entries, each with the record of the sha256 crossgo computed for it.
    const entries = await cacheEntries(cache);
    expect(entries).toHaveLength(2);
    const recorded = await Promise.all(
      entries.map(async (e) => JSON.parse(await readFile(path.join(cache, `${e}.json`), 'utf8')).sha256),
    );
    expect(recorded.sort()).toEqual(first.artifacts.map((a) => a.sha256).sort());

    // Same inputs, new folder: the same bytes.
    const second = await build(dir, 'out/2', env);
    expect(second.artifacts.map((a) => a.sha256)).toEqual(first.artifacts.map((a) => a.sha256));

    // Changed source: go sees the cached copy's build ID is stale and relinks.
    await writeFile(
      path.join(dir, 'main.go'),
      (await readFile(path.join(dir, 'main.go'), 'utf8')).replace('"community"', '"changed"'),
    );
    const third = await build(dir, 'out/3', env);
    expect(third.artifacts[0]?.sha256).not.toBe(first.artifacts[0]?.sha256);
    expect((await runTool(path.join(dir, 'out/3', 'greet-linux-amd64'), [])).stdout).toContain(
      'edition=changed',
    );

    // Changed flags: relinked too.
    const fourth = await build(dir, 'out/4', env, ['--app-version', 'v9.9.9']);
    expect((await runTool(path.join(dir, 'out/4', 'greet-linux-amd64'), [])).stdout).toContain(
      'version=9.9.9',
    );
    expect(fourth.artifacts[0]?.sha256).not.toBe(third.artifacts[0]?.sha256);

    // A corrupt cache entry is rebuilt over, not copied out: one that is not an executable at
    // all, and one with an ELF header and garbage behind it.
    const [one, two] = await cacheEntries(cache);
    await writeFile(path.join(cache, one ?? ''), 'garbage');
    await writeFile(
      path.join(cache, two ?? ''),
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(4096, 0xab)]),
    );
    const fifth = await build(dir, 'out/5', env, ['--app-version', 'v9.9.9']);
    expect(fifth.artifacts.map((a) => a.sha256)).toEqual(fourth.artifacts.map((a) => a.sha256));
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'out/5') });
    expect(check.code).toBe(0);
  });
});
