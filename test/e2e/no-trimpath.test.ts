import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaries, type Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';
import { goVersionM } from '../helpers/oracles.js';

/**
 * `build --no-trimpath` asks for build paths in the binary, so verify's leaked-paths check
 * warns instead of failing there; and what does fail verification is counted in the summary
 * line (issue 13, defect 8). grep and go version -m are the oracles that the paths are there.
 */

afterAll(cleanupTemps);

async function manifestOf(dist: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const leakedPaths = (manifest: Manifest, i: number) =>
  binaries(manifest)[i]?.verification?.checks.find((c) => c.name === 'leaked-paths');

describe('build --no-trimpath', () => {
  it('warns about the build paths it was asked to keep, and says "0 failed" truly', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(['build', '--no-trimpath', '-t', 'linux/amd64,windows/amd64'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\n2 built, 0 failed \(2 with warnings\) in [^\n]+ → dist\/ /);
    expect(result.stdout).not.toContain('failed verification');
    expect(result.stdout).toMatch(
      new RegExp(
        `\n! linux/amd64 leaked-paths: [^\n]*module folder \\(${literal(dir)}\\) at 0x[0-9a-f]+[^\n]*; expected: built with --no-trimpath\n`,
      ),
    );

    const dist = path.join(dir, 'dist');
    const manifest = await manifestOf(dist);
    for (const [i, artifact] of binaries(manifest).entries()) {
      const file = path.join(dist, artifact.path);
      // The paths are really there: go records no -trimpath, and grep finds the module folder.
      expect((await goVersionM(file)).has('-trimpath')).toBe(false);
      expect((await runTool('grep', ['-c', '-a', '-F', dir, file])).code).toBe(0);
      expect(artifact.verification?.ok).toBe(true);
      expect(leakedPaths(manifest, i)).toEqual({
        name: 'leaked-paths',
        status: 'warn',
        detail: expect.stringMatching(
          new RegExp(
            `module folder \\(${literal(dir)}\\) at 0x[0-9a-f]+.*; expected: built with --no-trimpath$`,
          ),
        ),
      });
    }

    // crossgo verify reads the same manifest the same way: a warning, exit 0.
    const verified = await crossgo(['verify', '--manifest', 'dist/manifest.json', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('still fails and counts an artifact that fails another check', async () => {
    // dynimport links libz.so on Linux although pure Go: the static check fails (readelf: summary.test.ts).
    const { dir } = await fixtureRepo('dynimport');
    const result = await crossgo(['build', '--no-trimpath', '-t', 'linux/amd64,freebsd/amd64'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\n2 built, 1 failed verification \(2 with warnings\) in /);
    expect(result.stdout).toContain('✗ linux/amd64 failed verification');
    expect(result.stdout).toMatch(/\n {4}static: CGO_ENABLED=0 but it links /);
    expect(result.stdout).not.toMatch(/\n {4}leaked-paths:/);
    const manifest = await manifestOf(path.join(dir, 'dist'));
    expect(
      binaries(manifest).map((a) => [
        a.target,
        a.verification?.ok,
        leakedPaths(manifest, binaries(manifest).indexOf(a))?.status,
      ]),
    ).toEqual([
      ['linux/amd64', false, 'warn'],
      ['freebsd/amd64', true, 'warn'],
    ]);
  });

  it('still fails leaked paths, and counts them, in a build with -trimpath', async () => {
    // With -trimpath on, a path can still reach the binary through an -X value: that one fails.
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(['build', '-t', 'linux/amd64', '--ldflags', `-X main.edition=${dir}`], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\n1 built, 1 failed verification in /);
    expect(result.stdout).toMatch(/\n {4}leaked-paths: module folder \(/);
    const manifest = await manifestOf(path.join(dir, 'dist'));
    const file = path.join(dir, 'dist', binaries(manifest)[0]?.path as string);
    expect((await goVersionM(file)).get('-trimpath')).toBe('true');
    expect((await runTool('grep', ['-c', '-a', '-F', dir, file])).code).toBe(0);
    expect(leakedPaths(manifest, 0)?.status).toBe('fail');
  });
});
