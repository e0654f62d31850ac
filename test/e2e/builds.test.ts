import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { COMMIT_DATE, cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';

/*
 * Several builds in one config (issue 14, items 2 and 3): two main packages of one module, each
 * with its own binary name, targets (one a GoReleaser-style matrix with ignore) and version
 * stamping. The oracles: the host binaries print what was stamped into them, `go version -m`
 * reads the main package and module go itself recorded, `sha256sum -c` the checksums.
 */

let dir: string;
let commit: string;
let manifest: Manifest;

beforeAll(async () => {
  // The fixture's crossgo.yaml is committed with the rest, tagged v1.2.3.
  ({ dir, commit } = await fixtureRepo('twobin'));
  const result = await crossgo(['build', '--json'], { cwd: dir, env: testEnv() });
  if (result.code !== 0) throw new Error(`crossgo build failed (${result.code}): ${result.stderr}`);
  manifest = JSON.parse(result.stdout) as Manifest;
});
afterAll(cleanupTemps);

/** What `go version -m` says of a binary: its path and mod lines, and its build settings. */
async function goVersionLines(
  file: string,
): Promise<{ path: string; mod: string; settings: Map<string, string> }> {
  const result = await runTool('go', ['version', '-m', file]);
  if (result.code !== 0) throw new Error(`go version -m ${file}: ${result.stderr}`);
  const settings = new Map<string, string>();
  let pathLine = '';
  let mod = '';
  for (const line of result.stdout.split('\n')) {
    const fields = line.split('\t');
    if (fields[1] === 'path') pathLine = fields[2] ?? '';
    if (fields[1] === 'mod') mod = `${fields[2]} ${fields[3]}`;
    const setting = /^\tbuild\t([^=]+)=(.*)$/.exec(line);
    if (setting) settings.set(setting[1] as string, setting[2] as string);
  }
  return { path: pathLine, mod, settings };
}

describe('a config with two builds', () => {
  it("builds each build's targets under its binary name: the matrix less its ignores, and the list", async () => {
    expect(manifest.complete).toBe(true);
    expect(binaries(manifest).map((a) => [a.path, a.target])).toEqual([
      ['alpha-linux-amd64', 'linux/amd64'],
      ['alpha-windows-amd64.exe', 'windows/amd64'],
      ['beta-linux-amd64', 'linux/amd64'],
      ['beta-linux-arm64', 'linux/arm64'],
    ]);
    const files = (await readdir(path.join(dir, 'dist'))).filter((f) => !f.startsWith('.')).sort();
    expect(files).toEqual([
      'SHA256SUMS',
      'alpha-linux-amd64',
      'alpha-windows-amd64.exe',
      'beta-linux-amd64',
      'beta-linux-arm64',
      'manifest.json',
    ]);
    const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'dist') });
    expect(sums.code, sums.stdout).toBe(0);
    expect(sums.stdout.trim().split('\n')).toHaveLength(4);
  });

  it("stamps a's own variables from its ldflags templates, and b's defaults without the v", async () => {
    const a = await runTool(path.join(dir, 'dist', 'alpha-linux-amd64'), []);
    expect(a.stdout.trim()).toBe(`a version=dev revision=${commit.slice(0, 7)} CommitSHA=${commit}`);
    const b = await runTool(path.join(dir, 'dist', 'beta-linux-amd64'), []);
    expect(b.stdout.trim()).toBe(`b version=1.2.3 commit=${commit} date=${COMMIT_DATE}`);
  });

  it('records the main package and module go itself read back (go version -m), and b its own flags', async () => {
    const a = await goVersionLines(path.join(dir, 'dist', 'alpha-windows-amd64.exe'));
    expect(a.path).toBe('example.com/twobin/cmd/a');
    expect(a.mod).toBe('example.com/twobin v1.2.3');
    expect(a.settings.get('vcs.revision')).toBe(commit);
    const b = await goVersionLines(path.join(dir, 'dist', 'beta-linux-arm64'));
    expect(b.path).toBe('example.com/twobin/cmd/b');
    // -buildvcs=false (b's flags) leaves the VCS facts out, as go documents.
    expect(b.settings.get('vcs.revision')).toBeUndefined();
    expect(b.settings.get('GOARCH')).toBe('arm64');
  });

  it("names each binary's build, name, import path and package in the manifest, and the project after the first", () => {
    expect(manifest.project).toMatchObject({
      module: 'example.com/twobin',
      name: 'alpha',
      importPath: 'example.com/twobin/cmd/a',
      package: './cmd/a',
    });
    expect(binaries(manifest).map((a) => [a.build, a.name, a.importPath, a.package])).toEqual([
      ['a', 'alpha', 'example.com/twobin/cmd/a', './cmd/a'],
      ['a', 'alpha', 'example.com/twobin/cmd/a', './cmd/a'],
      ['beta', 'beta', 'example.com/twobin/cmd/b', './cmd/b'],
      ['beta', 'beta', 'example.com/twobin/cmd/b', './cmd/b'],
    ]);
    const [alphaLinux, alphaWindows, beta] = binaries(manifest);
    // env values are templates too, rendered per target.
    expect(alphaLinux?.env.ALPHA_FOR).toBe('linux-1.2.3');
    expect(alphaWindows?.env.ALPHA_FOR).toBe('windows-1.2.3');
    expect(beta?.argv.slice(-4)).toEqual([
      '-buildvcs=false',
      '-o',
      'dist/beta-linux-amd64',
      'example.com/twobin/cmd/b',
    ]);
    expect(manifest.source).toMatchObject({ version: 'v1.2.3', plainVersion: '1.2.3' });
  });

  it('--build a builds only a', async () => {
    const result = await crossgo(['build', '--build', 'a', '-o', 'only-a', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    const only = JSON.parse(result.stdout) as Manifest;
    expect(binaries(only).map((a) => a.path)).toEqual(['alpha-linux-amd64', 'alpha-windows-amd64.exe']);
    expect((await readdir(path.join(dir, 'only-a'))).filter((f) => !f.startsWith('.')).sort()).toEqual([
      'SHA256SUMS',
      'alpha-linux-amd64',
      'alpha-windows-amd64.exe',
      'manifest.json',
    ]);
    const unknown = await crossgo(['build', '--build', 'bta'], { cwd: dir, env: testEnv() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      'crossgo: --build bta: no build has that id, did you mean beta? (builds: a, beta)',
    );
  });

  it("-t replaces every build's targets", async () => {
    const result = await crossgo(['build', '-t', 'linux/amd64', '-o', 'host', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    const host = JSON.parse(result.stdout) as Manifest;
    expect(binaries(host).map((a) => a.path)).toEqual(['alpha-linux-amd64', 'beta-linux-amd64']);
  });
});

describe('a config without builds', () => {
  it('takes main, binary and flags at the top level; --ldflags and --env are templates too', async () => {
    const { dir: d, commit: c } = await fixtureRepo('twobin');
    await writeFile(
      path.join(d, 'crossgo.yaml'),
      'main: ./cmd/b\nbinary: "{project}-b"\nproject: kit\nflags: [-buildvcs=false]\n',
    );
    const result = await crossgo(
      [
        'build',
        '-t',
        'linux/amd64',
        '--json',
        '--ldflags',
        '-X main.date={os}-{arch}',
        '--env',
        'B_FOR={name}',
      ],
      { cwd: d, env: testEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const m = JSON.parse(result.stdout) as Manifest;
    expect(m.project).toMatchObject({
      name: 'kit',
      importPath: 'example.com/twobin/cmd/b',
      package: './cmd/b',
    });
    expect(binaries(m).map((a) => [a.path, a.build, a.name, a.env.B_FOR])).toEqual([
      ['kit-b-linux-amd64', 'kit-b', 'kit-b', 'kit-b'],
    ]);
    // No config ldflags: the default stamps, then --ldflags (later -X of one variable wins); the
    // rewritten crossgo.yaml leaves the tree modified, so git describe says v1.2.3-dirty.
    const run = await runTool(path.join(d, 'dist', 'kit-b-linux-amd64'), []);
    expect(run.stdout.trim()).toBe(`b version=1.2.3-dirty commit=${c} date=linux-amd64`);
    expect((await goVersionLines(path.join(d, 'dist', 'kit-b-linux-amd64'))).path).toBe(
      'example.com/twobin/cmd/b',
    );
  });
});

describe('a config with several builds refuses, on one line naming the key, exit 2', () => {
  async function refused(config: string, message: string): Promise<void> {
    const { dir: d } = await fixtureRepo('twobin');
    await writeFile(path.join(d, 'crossgo.yaml'), config);
    const result = await crossgo(['build'], { cwd: d, env: testEnv() });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toBe(message);
    expect(await readdir(d)).not.toContain('dist');
  }

  it('a repeated id', async () => {
    await refused(
      'builds:\n  - id: x\n    main: ./cmd/a\n  - id: x\n    main: ./cmd/b\n',
      `crossgo: crossgo.yaml: builds[1].id: the id "x" is also builds[0]'s: give each build its own id (ids default to the binary's name)`,
    );
  });

  it('a top-level main beside builds', async () => {
    await refused(
      'main: ./cmd/a\nbuilds:\n  - main: ./cmd/b\n',
      "crossgo: crossgo.yaml: main: is a build's key, and the config has a builds list: move it into each build",
    );
  });

  it('a go flag crossgo sets itself', async () => {
    await refused(
      'builds:\n  - main: ./cmd/a\n    flags: [-trimpath]\n',
      'crossgo: crossgo.yaml: builds[0].flags[0]: "-trimpath": crossgo sets -trimpath itself: use `trimpath: true` (the default)',
    );
  });

  it("an unknown placeholder in a build's ldflags", async () => {
    await refused(
      'builds:\n  - main: ./cmd/a\n    ldflags: ["-X main.revision={short_comit}"]\n',
      'crossgo: crossgo.yaml: builds[0].ldflags[0]: "-X main.revision={short_comit}": unknown placeholder {short_comit}, did you mean {short_commit}?',
    );
  });
});

it('reads the manifest it wrote (sanity: what the tests above read is the file on disk)', async () => {
  const onDisk = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
  expect(onDisk).toEqual(manifest);
});

it('a failure on a target two builds share is recorded and shown with its build', async () => {
  const { dir: broken } = await fixtureRepo('twobin');
  // Only build b's tag brings in a file go cannot compile.
  await writeFile(
    path.join(broken, 'cmd', 'b', 'broken.go'),
    '//go:build broken\n\npackage main\n\nfunc broken() { undefinedFunction() }\n',
  );
  await writeFile(
    path.join(broken, 'crossgo.yaml'),
    'builds:\n  - main: ./cmd/a\n    binary: alpha\n    targets: [linux/amd64]\n  - main: ./cmd/b\n    binary: beta\n    targets: [linux/amd64]\n    tags: [broken]\n',
  );
  const result = await crossgo(['build'], { cwd: broken, env: testEnv() });
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('✗ beta linux/amd64 failed');
  expect(result.stdout).toContain('undefinedFunction');
  const written = JSON.parse(await readFile(path.join(broken, 'dist', 'manifest.json'), 'utf8')) as Manifest;
  expect(written.failures.map((f) => [f.build, f.target])).toEqual([['beta', 'linux/amd64']]);
  expect(binaries(written).map((a) => [a.build, a.target])).toEqual([['alpha', 'linux/amd64']]);
});
