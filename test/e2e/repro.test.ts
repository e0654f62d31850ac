import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgainstReport, ReproReport } from '../../src/commands/repro.js';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

async function reproJson(
  dir: string,
  args: string[],
): Promise<{ code: number; report: ReproReport; stderr: string }> {
  const result = await crossgo(['-C', dir, 'repro', '--json', ...args], { env: testEnv() });
  if (result.stdout === '') throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as ReproReport, stderr: result.stderr };
}

const causes = (report: ReproReport, target: string) =>
  report.targets.find((t) => t.target === target)?.difference?.causes.map((c) => c.kind) ?? [];

describe('crossgo repro', () => {
  it('reports a reproducible program reproducible for every target, under two sets of conditions', async () => {
    const { dir } = await fixtureRepo('greet');
    const { code, report } = await reproJson(dir, ['-t', 'linux/amd64,windows/386,darwin/arm64,linux/arm64']);
    expect(code).toBe(0);
    expect(report.targets.map((t) => [t.target, t.reproducible])).toEqual([
      ['linux/amd64', true],
      ['windows/386', true],
      ['darwin/arm64', true],
      ['linux/arm64', true],
    ]);
    for (const t of report.targets) expect(t.sha256[0]).toBe(t.sha256[1]);
    const { a, b } = report.conditions;
    expect(a.moduleDir).not.toBe(b.moduleDir);
    expect(a.moduleDir.length).not.toBe(b.moduleDir.length);
    expect([
      a.home === b.home,
      a.tmpdir === b.tmpdir,
      a.tz === b.tz,
      a.lang === b.lang,
      a.umask === b.umask,
    ]).toEqual([false, false, false, false, false]);
    expect(b.gocache).toMatch(/\(empty\)$/);
  });

  it('catches an -X value that changes between builds, and shows the two strings', async () => {
    const { dir } = await fixtureRepo('greet');
    // The time zone differs between the two builds by design.
    const { code, report } = await reproJson(dir, [
      '-t',
      'linux/amd64',
      '--ldflags',
      '-X main.edition=zone-{env:TZ}',
    ]);
    expect(code).toBe(1);
    const [target] = report.targets;
    expect(target?.reproducible).toBe(false);
    expect(causes(report, 'linux/amd64')).toContain('string-value');
    const detail = target?.difference?.causes.find((c) => c.kind === 'string-value')?.detail;
    expect(detail).toMatch(/zone-UTC/);
    expect(detail).toMatch(/zone-Pacific\/Chatham/);
    expect(target?.difference?.first?.offset).toBeGreaterThan(0);
  });

  it('catches a build without -trimpath in two folders: the module folder leaks', async () => {
    const { dir } = await fixtureRepo('greet');
    const { code, report } = await reproJson(dir, ['-t', 'linux/amd64', '--no-trimpath']);
    expect(code).toBe(1);
    const difference = report.targets[0]?.difference;
    expect(causes(report, 'linux/amd64')).toContain('leaked-path');
    expect(difference?.causes.find((c) => c.kind === 'leaked-path')?.detail).toContain(
      report.conditions.a.moduleDir,
    );
    expect(difference?.sections.map((s) => s.name)).toContain('.gopclntab');
  });

  it('catches C code that stamps __TIME__ into a cgo build', async () => {
    const { dir } = await fixtureRepo('cgo-time');
    const { code, report } = await reproJson(dir, ['-t', 'linux/amd64', '--cgo', 'on', '--cc', 'host']);
    expect(code).toBe(1);
    expect(causes(report, 'linux/amd64')).toContain('c-timestamp');
    expect(report.targets[0]?.difference?.causes.find((c) => c.kind === 'c-timestamp')?.detail).toMatch(
      /"[^"]*\d{2}:\d{2}:\d{2}[^"]*" in one build, "[^"]*\d{2}:\d{2}:\d{2}[^"]*" in the other/,
    );
  });
});

describe('crossgo repro --against a manifest', () => {
  it('rebuilds a clean build from its commit to the recorded hashes', async () => {
    const { dir } = await fixtureRepo('greet');
    expect(
      (await crossgo(['-C', dir, 'build', '-t', 'linux/amd64,windows/amd64'], { env: testEnv() })).code,
    ).toBe(0);
    const result = await crossgo(['-C', dir, 'repro', '--json', '--against', 'dist/manifest.json'], {
      env: testEnv(),
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as AgainstReport;
    expect(report.warnings).toEqual([]);
    expect(report.targets.map((t) => [t.target, t.reproducible, t.sha256[1] === t.recorded])).toEqual([
      ['linux/amd64', true, true],
      ['windows/amd64', true, true],
    ]);
  });

  it('a build from a dirty tree does not rebuild from its commit: says so, and why', async () => {
    const { dir } = await fixtureRepo('greet');
    await appendFile(path.join(dir, 'main.go'), '\n// an uncommitted change\nvar _ = "local edit"\n');
    expect((await crossgo(['-C', dir, 'build', '-t', 'linux/amd64'], { env: testEnv() })).code).toBe(0);
    const result = await crossgo(['-C', dir, 'repro', '--json', '--against', 'dist/manifest.json'], {
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as AgainstReport;
    expect(report.warnings[0]).toMatch(/uncommitted changes \(vcs\.modified=true\)/);
    const build = report.targets[0]?.difference?.causes.find((c) => c.kind === 'build-info');
    expect(build?.detail).toMatch(/vcs\.modified=true → false/);
    const text = await crossgo(['-C', dir, 'repro', '--against', 'dist/manifest.json'], { env: testEnv() });
    expect(text.stdout).toMatch(
      /likely cause \(build-info\): the build info differs: .*vcs\.modified=true → false/,
    );
  });
});
