import { chmod, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, FIXTURES, runTool, tempDir, testEnv } from '../helpers/cli.js';

const modcaches: string[] = [];
afterAll(async () => {
  // The module cache is read-only by design; go removes it properly.
  for (const cache of modcaches)
    await runTool('go', ['clean', '-modcache'], { env: { ...process.env, GOMODCACHE: cache } });
  await cleanupTemps();
});

const DEP_VERSION = 'v1.0.0';

/** A GOPROXY on disk (the module proxy protocol over file://) serving example.com/dep. */
async function fileProxy(): Promise<string> {
  const proxy = await tempDir('crossgo-proxy-');
  const at = path.join(proxy, 'example.com', 'dep', '@v');
  await mkdir(at, { recursive: true });
  const stage = await tempDir('crossgo-zip-');
  await cp(path.join(FIXTURES, 'depsrc'), path.join(stage, `example.com/dep@${DEP_VERSION}`), {
    recursive: true,
  });
  const zip = await runTool(
    'zip',
    ['-qrX', path.join(at, `${DEP_VERSION}.zip`), `example.com/dep@${DEP_VERSION}`],
    {
      cwd: stage,
    },
  );
  if (zip.code !== 0) throw new Error(zip.stderr);
  await writeFile(path.join(at, 'list'), `${DEP_VERSION}\n`);
  await writeFile(
    path.join(at, `${DEP_VERSION}.info`),
    JSON.stringify({ Version: DEP_VERSION, Time: '2024-01-01T00:00:00Z' }),
  );
  await cp(path.join(FIXTURES, 'depsrc', 'go.mod'), path.join(at, `${DEP_VERSION}.mod`));
  return proxy;
}

/**
 * A go.work workspace of two modules, app and lib; app imports example.com/lib, which only the
 * workspace provides: no replace, and no proxy has it. With `requireLib`, app's go.mod requires
 * it at v0.1.0, a version that exists nowhere (go build takes ./lib; `go mod download` asks the
 * proxy). With `dep`, lib imports example.com/dep from the proxy, its go.sum as the author
 * commits it (then app must not require the phantom version: loading dep reads the go.mod of
 * every direct requirement, which plain go build refuses too).
 */
async function workspace(opts: {
  requireLib: boolean;
  dep: boolean;
  proxyEnv?: NodeJS.ProcessEnv;
}): Promise<string> {
  const ws = path.join(await tempDir(), 'ws');
  await mkdir(path.join(ws, 'app'), { recursive: true });
  await mkdir(path.join(ws, 'lib'));
  await writeFile(path.join(ws, 'go.work'), 'go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n');
  await writeFile(
    path.join(ws, 'app', 'go.mod'),
    `module example.com/app\n\ngo 1.22\n${opts.requireLib ? '\nrequire example.com/lib v0.1.0\n' : ''}`,
  );
  await writeFile(
    path.join(ws, 'app', 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n',
  );
  if (!opts.dep) {
    await writeFile(path.join(ws, 'lib', 'go.mod'), 'module example.com/lib\n\ngo 1.22\n');
    await writeFile(
      path.join(ws, 'lib', 'lib.go'),
      'package lib\n\nfunc Hello() string { return "hello from lib" }\n',
    );
    return ws;
  }
  await writeFile(
    path.join(ws, 'lib', 'go.mod'),
    `module example.com/lib\n\ngo 1.22\n\nrequire example.com/dep ${DEP_VERSION}\n`,
  );
  await writeFile(
    path.join(ws, 'lib', 'lib.go'),
    'package lib\n\nimport "example.com/dep"\n\nfunc Hello() string { return "hello from lib, " + dep.Greeting() }\n',
  );
  const scratch = await tempDir('crossgo-scratch-modcache-');
  modcaches.push(scratch);
  const sums = await runTool('go', ['mod', 'download', '-json', `example.com/dep@${DEP_VERSION}`], {
    cwd: path.join(ws, 'lib'),
    env: testEnv({ ...opts.proxyEnv, GOMODCACHE: scratch, GOWORK: 'off' }),
  });
  const { Sum, GoModSum } = JSON.parse(sums.stdout) as { Sum: string; GoModSum: string };
  await writeFile(
    path.join(ws, 'lib', 'go.sum'),
    `example.com/dep ${DEP_VERSION} ${Sum}\nexample.com/dep ${DEP_VERSION}/go.mod ${GoModSum}\n`,
  );
  return ws;
}

/** What plain go build makes of the workspace's app: the oracle for the program's output. */
async function plainGoBuild(ws: string, env: NodeJS.ProcessEnv): Promise<string> {
  const out = path.join(await tempDir(), 'app');
  const plain = await runTool('go', ['build', '-o', out, './app'], { cwd: ws, env });
  expect(plain.code, plain.stderr).toBe(0);
  return (await runTool(out, [])).stdout;
}

async function snapshot(ws: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(ws, { recursive: true })).sort()) {
    if (/(^|\/)go\.(mod|sum|work|work\.sum)$/.test(name))
      out[name] = await readFile(path.join(ws, name), 'utf8');
  }
  return out;
}

async function freshCache(): Promise<string> {
  const cache = await tempDir('crossgo-modcache-');
  modcaches.push(cache);
  return cache;
}

async function checkArtifact(file: string, expected: string, dep: boolean): Promise<void> {
  expect((await runTool(file, [])).stdout).toBe(expected);
  const info = await runTool('go', ['version', '-m', file]);
  expect(info.stdout).toMatch(/^\tpath\texample\.com\/app$/m);
  expect(info.stdout).toMatch(/^\tmod\texample\.com\/app\t/m);
  expect(info.stdout).toMatch(/^\tdep\texample\.com\/lib\t\(devel\)/m);
  if (dep) expect(info.stdout).toMatch(/^\tdep\texample\.com\/dep\tv1\.0\.0\t/m);
}

describe('a module in a go.work workspace builds as plain go build builds it', () => {
  // Nothing may be fetched: lib comes from the workspace only.
  const offline = () => testEnv({ GOPROXY: 'off', GOFLAGS: '' });
  let ws: string;
  let expected: string;
  beforeAll(async () => {
    ws = await workspace({ requireLib: true, dep: false });
    expected = await plainGoBuild(ws, offline());
    expect(expected).toBe('hello from lib\n');
  });

  it('from the module folder', async () => {
    const before = await snapshot(ws);
    const result = await crossgo(['build', '-t', 'linux/amd64,windows/amd64', '--json'], {
      cwd: path.join(ws, 'app'),
      env: offline(),
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.project.module).toBe('example.com/app');
    expect(manifest.artifacts.map((a) => a.path).sort()).toEqual([
      'app-linux-amd64',
      'app-windows-amd64.exe',
    ]);
    await checkArtifact(path.join(ws, 'app', 'dist', 'app-linux-amd64'), expected, false);
    const win = await runTool('go', ['version', '-m', path.join(ws, 'app', 'dist', 'app-windows-amd64.exe')]);
    expect(win.stdout).toMatch(/^\tbuild\tGOOS=windows$/m);
    expect(win.stdout).toMatch(/^\tdep\texample\.com\/lib\t\(devel\)/m);
    expect(await snapshot(ws), 'no go.mod, go.sum, go.work or go.work.sum written').toEqual(before);
  });

  it('from the workspace root: crossgo build ./app', async () => {
    const before = await snapshot(ws);
    const result = await crossgo(['build', './app', '-t', 'linux/amd64', '-o', 'out', '--json'], {
      cwd: ws,
      env: offline(),
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.project).toMatchObject({
      module: 'example.com/app',
      importPath: 'example.com/app',
      name: 'app',
    });
    await checkArtifact(path.join(ws, 'out', 'app-linux-amd64'), expected, false);
    expect(await snapshot(ws)).toEqual(before);
  });
});

describe("a workspace module's dependencies from a proxy", () => {
  it('are in the module cache before the targets build, from the workspace root', async () => {
    const proxyEnv = { GOPROXY: `file://${await fileProxy()}`, GOSUMDB: 'off', GONOSUMDB: '', GOFLAGS: '' };
    const ws = await workspace({ requireLib: false, dep: true, proxyEnv });
    const expected = await plainGoBuild(ws, testEnv({ ...proxyEnv, GOMODCACHE: await freshCache() }));
    expect(expected).toBe('hello from lib, from dep v1.0.0\n');
    const before = await snapshot(ws);
    const cache = await freshCache();
    // A go that records each call (a stand-in that logs, then runs the real go).
    const bin = await tempDir('crossgo-gowrap-');
    const log = path.join(bin, 'calls.log');
    const realGo = (await runTool('go', ['env', 'GOROOT'])).stdout.trim();
    const wrapper = path.join(bin, 'go');
    await writeFile(wrapper, `#!/bin/sh\necho "$1 $2" >> '${log}'\nexec '${realGo}/bin/go' "$@"\n`);
    await chmod(wrapper, 0o755);
    const result = await crossgo(['build', './app', '-t', 'linux/amd64,linux/arm64', '--json'], {
      cwd: ws,
      env: testEnv({ ...proxyEnv, GOMODCACHE: cache, CROSSGO_GO: wrapper }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/skipped modules/);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    const firstBuild = calls.findIndex((c) => c.startsWith('build '));
    const loads = calls.filter((c, i) => c === 'list -deps' && i < firstBuild);
    expect(loads, calls.join('\n')).toHaveLength(1);
    expect(calls, 'no go mod download in workspace mode').not.toContain('mod download');
    expect(await readdir(path.join(cache, 'example.com'))).toContain(`dep@${DEP_VERSION}`);
    await checkArtifact(path.join(ws, 'app', 'dist', 'app-linux-amd64'), expected, true);
    expect(await snapshot(ws)).toEqual(before);
  });

  it('outside any module and workspace, still one line', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'main.go'), 'package main\nfunc main() {}\n');
    const result = await crossgo(['build', '.'], { cwd: dir, env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^crossgo: not in a Go module: /);
  });
});
