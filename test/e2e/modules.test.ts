import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, FIXTURES, runTool, tempDir, testEnv } from '../helpers/cli.js';

let modcache: string | undefined;
afterAll(async () => {
  // The module cache is read-only by design; go removes it properly.
  if (modcache)
    await runTool('go', ['clean', '-modcache'], { env: { ...process.env, GOMODCACHE: modcache } });
  await cleanupTemps();
});

const VERSION = 'v1.0.0';

/** A GOPROXY on disk (the module proxy protocol over file://) serving example.com/dep. */
async function fileProxy(): Promise<string> {
  const proxy = await tempDir('crossgo-proxy-');
  const at = path.join(proxy, 'example.com', 'dep', '@v');
  await mkdir(at, { recursive: true });
  const stage = await tempDir('crossgo-zip-');
  const root = path.join(stage, `example.com/dep@${VERSION}`);
  await cp(path.join(FIXTURES, 'depsrc'), root, { recursive: true });
  const zip = await runTool('zip', ['-qrX', path.join(at, `${VERSION}.zip`), `example.com/dep@${VERSION}`], {
    cwd: stage,
  });
  if (zip.code !== 0) throw new Error(zip.stderr);
  await writeFile(path.join(at, 'list'), `${VERSION}\n`);
  await writeFile(
    path.join(at, `${VERSION}.info`),
    JSON.stringify({ Version: VERSION, Time: '2024-01-01T00:00:00Z' }),
  );
  await cp(path.join(FIXTURES, 'depsrc', 'go.mod'), path.join(at, `${VERSION}.mod`));
  return proxy;
}

describe('a module with dependencies', () => {
  it('has its modules downloaded once, before the targets build in parallel', async () => {
    const proxy = await fileProxy();
    const dir = path.join(await tempDir(), 'withdep');
    await cp(path.join(FIXTURES, 'withdep'), dir, { recursive: true });
    const proxyEnv = { GOPROXY: `file://${proxy}`, GOSUMDB: 'off', GONOSUMDB: '', GOFLAGS: '' };

    // go.sum as the author would commit it, made with a throw-away module cache.
    const scratchCache = await tempDir('crossgo-scratch-modcache-');
    const sums = await runTool('go', ['mod', 'download', '-json', `example.com/dep@${VERSION}`], {
      cwd: dir,
      env: testEnv({ ...proxyEnv, GOMODCACHE: scratchCache }),
    });
    const { Sum, GoModSum } = JSON.parse(sums.stdout) as { Sum: string; GoModSum: string };
    await writeFile(
      path.join(dir, 'go.sum'),
      `example.com/dep ${VERSION} ${Sum}\nexample.com/dep ${VERSION}/go.mod ${GoModSum}\n`,
    );
    await runTool('go', ['clean', '-modcache'], { env: { ...process.env, GOMODCACHE: scratchCache } });

    // A go that records each call (a stand-in that logs, then runs the real go).
    const bin = await tempDir('crossgo-gowrap-');
    const log = path.join(bin, 'calls.log');
    const realGo = (await runTool('go', ['env', 'GOROOT'])).stdout.trim();
    const wrapper = path.join(bin, 'go');
    await writeFile(wrapper, `#!/bin/sh\necho "$1 $2" >> '${log}'\nexec '${realGo}/bin/go' "$@"\n`);
    await chmod(wrapper, 0o755);

    modcache = await tempDir('crossgo-modcache-');
    const result = await crossgo(
      ['build', '-t', 'linux/amd64,linux/arm64,windows/amd64', '-j', '3', '--json'],
      {
        cwd: dir,
        env: testEnv({ ...proxyEnv, GOMODCACHE: modcache, CROSSGO_GO: wrapper }),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.artifacts).toHaveLength(3);

    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    const downloads = calls.map((c, i) => [c, i] as const).filter(([c]) => c === 'mod download');
    const builds = calls.map((c, i) => [c, i] as const).filter(([c]) => c.startsWith('build '));
    expect(downloads, calls.join('\n')).toHaveLength(1);
    expect(builds).toHaveLength(3);
    expect(Math.min(...builds.map(([, i]) => i))).toBeGreaterThan(
      downloads[0]?.[1] ?? Number.POSITIVE_INFINITY,
    );
    expect(await readFile(path.join(dir, 'go.sum'), 'utf8')).toContain(Sum);

    const run = await runTool(path.join(dir, 'dist', 'withdep-linux-amd64'), []);
    expect(run.stdout.trim()).toBe('withdep from dep v1.0.0');
  });
});
