import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, crossgo, REPO, runTool, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

interface DistEntry {
  GOOS: string;
  GOARCH: string;
  CgoSupported: boolean;
  FirstClass: boolean;
}

describe('crossgo CLI basics', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const result = await crossgo(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists the commands, and each command has its own help', async () => {
    const top = await crossgo(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/build \[options\] \[package\]/);
    expect(top.stdout).toMatch(/targets \[options\]/);
    const build = await crossgo(['build', '--help']);
    expect(build.code).toBe(0);
    for (const flag of [
      '--targets',
      '--out',
      '--jobs',
      '--json',
      '--config',
      '--ldflags',
      '--tags',
      '--env',
    ]) {
      expect(build.stdout).toContain(flag);
    }
  });

  it('targets --json lists exactly the ports of go tool dist list', async () => {
    const oracle = JSON.parse((await runTool('go', ['tool', 'dist', 'list', '-json'])).stdout) as DistEntry[];
    const result = await crossgo(['targets', '--json'], { env: testEnv() });
    expect(result.code).toBe(0);
    const ports = JSON.parse(result.stdout) as {
      goos: string;
      goarch: string;
      cgoSupported: boolean;
      firstClass: boolean;
    }[];
    expect(ports.map((p) => `${p.goos}/${p.goarch}/${p.cgoSupported}/${p.firstClass}`)).toEqual(
      oracle.map((o) => `${o.GOOS}/${o.GOARCH}/${o.CgoSupported}/${o.FirstClass}`),
    );
  });

  it('targets --first-class and --cgo filter as dist list says', async () => {
    const oracle = JSON.parse((await runTool('go', ['tool', 'dist', 'list', '-json'])).stdout) as DistEntry[];
    const first = JSON.parse((await crossgo(['targets', '--json', '--first-class'])).stdout) as {
      goos: string;
    }[];
    expect(first).toHaveLength(oracle.filter((o) => o.FirstClass).length);
    const cgo = JSON.parse((await crossgo(['targets', '--json', '--cgo'])).stdout) as { goos: string }[];
    expect(cgo).toHaveLength(oracle.filter((o) => o.CgoSupported).length);
    const table = await crossgo(['targets', '--first-class']);
    expect(table.stdout).toMatch(/^linux\/amd64\s+yes\s+yes/m);
  });
});
