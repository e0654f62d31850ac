import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';
import { goVersionOf } from '../helpers/oracles.js';

afterAll(cleanupTemps);

/** An older release than the go on PATH: go fetches it from the module proxy once (GOMODCACHE). */
const OLDER = '1.25.4';
let local: string;

beforeAll(async () => {
  local = (await runTool('go', ['env', 'GOVERSION'], { env: testEnv() })).stdout.trim();
});

describe('--go: building with other Go releases through GOTOOLCHAIN', () => {
  it('builds with an older release and records it; go version -m agrees', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(
      ['-C', dir, 'build', '--json', '--go', OLDER, '-t', 'linux/amd64,windows/386'],
      {
        env: testEnv(),
      },
    );
    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.toolchain).toMatchObject({ goVersion: `go${OLDER}`, gotoolchain: `go${OLDER}` });
    for (const artifact of binaries(manifest)) {
      expect(artifact.goVersion).toBe(`go${OLDER}`);
      expect(artifact.env.GOTOOLCHAIN).toBe(`go${OLDER}`);
      expect(await goVersionOf(path.join(dir, 'dist', artifact.path))).toBe(`go${OLDER}`);
    }
  });

  it('builds a list of releases into one subfolder each; the config key go works the same', async () => {
    const { dir } = await fixtureRepo('greet');
    const current = local.replace(/^go/, '');
    const result = await crossgo(
      ['-C', dir, 'build', '--json', '--go', `${OLDER},${current}`, '-t', 'linux/arm64'],
      {
        env: testEnv(),
      },
    );
    expect(result.code).toBe(0);
    const manifests = JSON.parse(result.stdout) as Manifest[];
    expect(manifests.map((m) => m.toolchain.goVersion)).toEqual([`go${OLDER}`, local]);
    for (const m of manifests) {
      const file = path.join(dir, 'dist', m.toolchain.goVersion, binaries(m)[0]?.path as string);
      expect(await goVersionOf(file)).toBe(m.toolchain.goVersion);
    }
    await writeFile(path.join(dir, 'crossgo.yaml'), `go: "${OLDER}"\ntargets: linux/amd64\n`);
    const configured = await crossgo(['-C', dir, 'build', '--json', '-o', 'out'], { env: testEnv() });
    expect(configured.code).toBe(0);
    expect(binaries(JSON.parse(configured.stdout) as Manifest)[0]?.goVersion).toBe(`go${OLDER}`);
  });

  it('says clearly when a release cannot be had or is not a release', async () => {
    const { dir } = await fixtureRepo('greet');
    const missing = await crossgo(['-C', dir, 'build', '--go', '1.99.1'], { env: testEnv() });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(
      /^crossgo: --go 1\.99\.1: go cannot get go1\.99\.1 from the module proxy \(.+\)$/,
    );
    const bad = await crossgo(['-C', dir, 'build', '--go', '1.x'], { env: testEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'crossgo: --go "1.x": not a Go release; expected e.g. 1.25.4, 1.26 or 1.26rc1',
    );
  });
});
