import { appendFile, copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import type { VerifyReport } from '../../src/stages/verify/verifyFile.js';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

const TARGETS = 'linux/amd64/v2,linux/arm64,windows/386,darwin/arm64,wasip1/wasm';
let dir: string;
let manifest: Manifest;

beforeAll(async () => {
  ({ dir } = await fixtureRepo('greet'));
  const result = await crossgo(['build', '-t', TARGETS, '--json'], { cwd: dir, env: testEnv() });
  if (result.code !== 0) throw new Error(result.stdout + result.stderr);
  manifest = JSON.parse(result.stdout) as Manifest;
});

const statusOf = (report: VerifyReport, name: string) => report.checks.find((c) => c.name === name)?.status;

describe('crossgo build verifies what it builds', () => {
  it('records every check in the manifest, all passing', () => {
    expect(manifest.verified).toBe(true);
    for (const artifact of binaries(manifest)) {
      expect(artifact.verification?.ok, artifact.target).toBe(true);
      const names = artifact.verification?.checks.map((c) => c.name);
      expect(names).toEqual([
        'format',
        'machine',
        'variant',
        'static',
        'stripped',
        'go-version',
        'size',
        'settings',
        'leaked-paths',
      ]);
      const byName = Object.fromEntries((artifact.verification?.checks ?? []).map((c) => [c.name, c.status]));
      expect(byName).toMatchObject({
        format: 'pass',
        machine: 'pass',
        static: 'pass',
        stripped: 'pass',
        settings: 'pass',
        'leaked-paths': 'pass',
      });
    }
    const v2 = binaries(manifest).find((a) => a.target === 'linux/amd64/v2');
    expect(v2?.verification?.checks.find((c) => c.name === 'variant')).toMatchObject({
      status: 'pass',
      detail: 'GOAMD64=v2',
    });
  });

  it('fails the build when a check fails (an -X value leaks a path), unless --no-verify', async () => {
    // Not --no-trimpath: that asks for build paths, so there leaked-paths only warns (no-trimpath.test.ts).
    const leaky = await crossgo(
      ['build', '-t', 'linux/amd64', '--ldflags', `-X main.edition=${dir}`, '-o', 'out/leaky', '--json'],
      { cwd: dir, env: testEnv() },
    );
    expect(leaky.code).toBe(1);
    const m = JSON.parse(leaky.stdout) as Manifest;
    const leak = binaries(m)[0]?.verification?.checks.find((c) => c.name === 'leaked-paths');
    expect(leak?.status).toBe('fail');
    expect(leak?.detail).toContain(`module folder (${dir})`);
    expect(m.verified).toBe(false);
    const unchecked = await crossgo(
      [
        'build',
        '-t',
        'linux/amd64',
        '--ldflags',
        `-X main.edition=${dir}`,
        '--no-verify',
        '-o',
        'out/unchecked',
      ],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(unchecked.code).toBe(0);
  });
});

describe('crossgo verify', () => {
  it('checks every artifact of dist/manifest.json by default and exits 0', async () => {
    const result = await crossgo(['verify', '--json'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stdout).toBe(0);
    const reports = JSON.parse(result.stdout) as VerifyReport[];
    expect(reports.map((r) => r.target)).toEqual(TARGETS.split(','));
    for (const r of reports) expect(statusOf(r, 'sha256')).toBe('pass');
  });

  it('prints a table per artifact', async () => {
    const result = await crossgo(['verify', '--manifest', 'dist/manifest.json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dist\/greet-linux-arm64 \(linux\/arm64\): ok/);
    expect(result.stdout).toMatch(/^leaked-paths\s+pass\s+none of module folder/m);
    expect(result.stdout).toContain('5 passed, 0 failed');
  });

  it('fails a file whose bytes no longer match the manifest', async () => {
    const { dir: other } = await fixtureRepo('greet');
    const built = await crossgo(['build', '-t', 'linux/amd64'], { cwd: other, env: testEnv() });
    expect(built.code).toBe(0);
    await appendFile(path.join(other, 'dist', 'greet-linux-amd64'), 'tampered');
    const result = await crossgo(['verify', '--json'], { cwd: other, env: testEnv() });
    expect(result.code).toBe(1);
    const [report] = JSON.parse(result.stdout) as VerifyReport[];
    expect(statusOf(report as VerifyReport, 'sha256')).toBe('fail');
  });

  it('checks loose files against --expect, --stripped, --min-go and --max-size', async () => {
    const file = path.join('dist', 'greet-linux-arm64');
    const good = await crossgo(
      [
        'verify',
        file,
        '--expect',
        'linux/arm64',
        '--stripped',
        '--min-go',
        '1.21',
        '--max-size',
        '20MB',
        '--json',
      ],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(good.code, good.stdout).toBe(0);
    const [report] = JSON.parse(good.stdout) as VerifyReport[];
    // Loose files have no manifest to compare build settings with; the level is checked against its default.
    expect(report?.checks.filter((c) => c.status === 'skip').map((c) => c.name)).toEqual(['settings']);
    expect(report?.checks.find((c) => c.name === 'variant')?.detail).toBe('GOARM64=v8.0');

    const wrong = await crossgo(
      ['verify', file, '--expect', 'linux/amd64', '--min-go', '99.0', '--max-size', '1KB', '--json'],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(wrong.code).toBe(1);
    const [bad] = JSON.parse(wrong.stdout) as VerifyReport[];
    expect(statusOf(bad as VerifyReport, 'machine')).toBe('fail');
    expect(statusOf(bad as VerifyReport, 'go-version')).toBe('fail');
    expect(statusOf(bad as VerifyReport, 'size')).toBe('fail');
  });

  it('fails --stripped on a binary with symbols and DWARF', async () => {
    const built = await crossgo(['build', '-t', 'linux/amd64', '--no-strip', '-o', 'out/full'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(built.code, built.stdout).toBe(0);
    const result = await crossgo(['verify', 'out/full/greet-linux-amd64', '--stripped', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const [report] = JSON.parse(result.stdout) as VerifyReport[];
    expect(report?.checks.find((c) => c.name === 'stripped')?.detail).toMatch(/^\d+ symbols, DWARF present$/);
  });

  it('reports an unreadable file and still checks the others', async () => {
    await copyFile(path.join(dir, 'go.mod'), path.join(dir, 'dist', 'not-a-binary'));
    const result = await crossgo(['verify', 'dist/not-a-binary', 'dist/greet-linux-arm64', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const reports = JSON.parse(result.stdout) as VerifyReport[];
    expect(reports[0]?.checks[0]).toMatchObject({ name: 'readable', status: 'fail' });
    expect(reports[1]?.ok).toBe(true);
  });

  it('bad input: one line, exit 2', async () => {
    const none = await crossgo(['verify'], { cwd: path.join(dir, 'dist'), env: testEnv() });
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      'crossgo: nothing to verify: name files, or --manifest dist/manifest.json (run crossgo build first)',
    );
    const bad = await crossgo(['verify', 'dist/greet-linux-arm64', '--expect', 'linux/amd64/v9'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('crossgo: --expect "linux/amd64/v9": GOAMD64 takes v1, v2, v3, v4');
    const size = await crossgo(['verify', 'dist/greet-linux-arm64', '--max-size', 'big'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(size.code).toBe(2);
    expect(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')).toContain('"verified": true');
  });
});
