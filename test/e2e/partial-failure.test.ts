import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

describe('one target failing', () => {
  it("does not stop the others; the summary names it with go's error; exit 1", async () => {
    const { dir } = await fixtureRepo('partial');
    const result = await crossgo(['build', '-t', 'linux/amd64,windows/amd64,linux/arm64,windows/386'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    // The table lists what built; the failures carry go's own message.
    expect(result.stdout).toMatch(/linux\/amd64 .* partial-linux-amd64/);
    expect(result.stdout).toMatch(/linux\/arm64 .* partial-linux-arm64/);
    expect(result.stdout).toContain('✗ windows/amd64 failed');
    expect(result.stdout).toContain('✗ windows/386 failed');
    expect(result.stdout).toMatch(
      /name_windows\.go:\d+:\d+: cannot use "windows" \(untyped string constant\) as int value/,
    );
    expect(result.stdout).toMatch(/2 built, 2 failed/);

    const dist = path.join(dir, 'dist');
    const manifest = JSON.parse(
      (await runTool('cat', [path.join(dist, 'manifest.json')])).stdout,
    ) as Manifest;
    expect(manifest.complete).toBe(false);
    expect(manifest.artifacts.map((a) => a.target)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(manifest.failures.map((f) => f.target)).toEqual(['windows/amd64', 'windows/386']);
    expect(manifest.failures[0]?.excerpt).toContain('cannot use "windows"');
    expect(manifest.failures[0]?.env).toMatchObject({ GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' });
    expect((await readdir(dist)).sort()).toEqual([
      '.crossgo-owned',
      'SHA256SUMS',
      'manifest.json',
      'partial-linux-amd64',
      'partial-linux-arm64',
    ]);
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
    expect(check.code).toBe(0);
    const run = await runTool(path.join(dist, 'partial-linux-amd64'), []);
    expect(run.stdout.trim()).toBe('partial not windows');
  });
});
