import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';
import { readelf } from '../helpers/oracles.js';

/**
 * The summary line counts an artifact that failed verification, and the exit code agrees. The
 * dynimport fixture is pure Go but links libz.so on Linux and OpenBSD (readelf confirms it), so
 * those artifacts are built and then fail the static check; FreeBSD's is clean; NetBSD's does
 * not compile.
 */

afterAll(cleanupTemps);

async function manifestOf(dist: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
}

describe('the summary line', () => {
  it('says "3 built, 2 failed verification", names the library, and exits 1', async () => {
    const { dir } = await fixtureRepo('dynimport');
    const result = await crossgo(['build', '-t', 'linux/amd64,openbsd/amd64,freebsd/amd64'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /\n3 built, 2 failed verification in [^\n]+ → dist\/ \(manifest\.json, SHA256SUMS\)\n$/,
    );
    expect(result.stdout).toContain('✗ linux/amd64 failed verification');
    expect(result.stdout).toContain(
      'static: CGO_ENABLED=0 but it links interpreter /lib64/ld-linux-x86-64.so.2 and library libz.so, beyond what linux/amd64 requires (no interpreter, no libraries)',
    );
    // OpenBSD's libc and libpthread are what the platform requires: only libz.so is named.
    expect(result.stdout).toContain('✗ openbsd/amd64 failed verification');
    expect(result.stdout).toContain(
      'static: CGO_ENABLED=0 but it links library libz.so, beyond what openbsd/amd64 requires (interpreter /usr/libexec/ld.so, libc.so, libpthread.so)',
    );
    expect(result.stdout).not.toContain('freebsd/amd64 failed');

    const dist = path.join(dir, 'dist');
    const manifest = await manifestOf(dist);
    expect(binaries(manifest).map((a) => [a.target, a.verification?.ok])).toEqual([
      ['linux/amd64', false],
      ['openbsd/amd64', false],
      ['freebsd/amd64', true],
    ]);
    // The verdict is true: the artifacts do link libz.so, as readelf reads them.
    for (const artifact of binaries(manifest).slice(0, 2)) {
      expect(await readelf(['-d'], path.join(dist, artifact.path))).toContain('Shared library: [libz.so]');
    }
    expect(await readelf(['-d'], path.join(dist, binaries(manifest)[2]?.path as string))).not.toContain(
      'NEEDED',
    );
    // Built artifacts are listed and hashed whatever their verdict.
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
    expect(check.code).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('counts both kinds of failure: "2 built, 1 failed verification, 1 failed to build"', async () => {
    const { dir } = await fixtureRepo('dynimport');
    const result = await crossgo(['build', '-t', 'linux/amd64,freebsd/amd64,netbsd/amd64'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\n2 built, 1 failed verification, 1 failed to build in /);
    expect(result.stdout).toContain('✗ netbsd/amd64 failed');
    expect(result.stdout).toMatch(/broken_netbsd\.go:\d+:\d+: cannot use "netbsd"/);
  });

  it('says "N built, 0 failed" and exits 0 when everything verifies; --no-verify counts no verdict', async () => {
    const { dir } = await fixtureRepo('dynimport');
    const clean = await crossgo(['build', '-t', 'freebsd/amd64,freebsd/arm64'], { cwd: dir, env: testEnv() });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/\n2 built, 0 failed in /);
    const unverified = await crossgo(['build', '--no-verify', '-t', 'linux/amd64', '-o', 'out'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(unverified.code).toBe(0);
    expect(unverified.stdout).toMatch(/\n1 built, 0 failed in /);
    expect(binaries(await manifestOf(path.join(dir, 'out')))[0]?.verification).toBeUndefined();
  });
});
