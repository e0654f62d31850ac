import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  COMMIT_DATE,
  cleanupTemps,
  crossgo,
  FIXTURES,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * A repository with two modules, as Go lays out a multi-module repository: example.com/mono at
 * the root and example.com/mono/sub (the greet fixture) in sub/, tagged the way Go reads
 * versions: sub/v1.2.3 for the module in sub/, and a tag with "/" that is no module's.
 */
async function monorepo(tags: string[]): Promise<string> {
  const dir = path.join(await tempDir(), 'mono');
  await mkdir(dir);
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/mono\n\ngo 1.22\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport "fmt"\n\nvar version = "dev"\n\nfunc main() { fmt.Println("mono version=" + version) }\n',
  );
  await cp(path.join(FIXTURES, 'greet'), path.join(dir, 'sub'), { recursive: true });
  const goMod = path.join(dir, 'sub', 'go.mod');
  await writeFile(
    goMod,
    (await readFile(goMod, 'utf8')).replace(/^module .*$/m, 'module example.com/mono/sub'),
  );
  await writeFile(path.join(dir, '.gitignore'), 'dist/\n');
  const env = { ...process.env, ...gitIdentity(COMMIT_DATE) };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'two modules'],
    ...tags.map((t) => ['tag', t]),
  ]) {
    const r = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: dir, env });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  return dir;
}

describe('a module in a subfolder, tagged sub/vX.Y.Z as Go reads it', () => {
  let repo: string;
  let manifest: Manifest;
  let stderr: string;
  beforeAll(async () => {
    // A root tag on the same commit, and a tag of a module nested below sub/: neither is sub's.
    repo = await monorepo(['v0.9.0', 'sub/v1.2.3', 'sub/inner/v7.0.0', 'release/v2']);
    const result = await crossgo(['build', '--package', '-t', 'linux/amd64,windows/amd64', '--json'], {
      cwd: path.join(repo, 'sub'),
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    manifest = JSON.parse(result.stdout) as Manifest;
    stderr = result.stderr;
  });

  it('is version v1.2.3 (1.2.3 in main.version), as go itself stamps the module, and without a warning', async () => {
    expect(manifest.source.version).toBe('v1.2.3');
    expect(stderr).not.toMatch(/warning/);
    const dist = path.join(repo, 'sub', 'dist');
    const run = await runTool(path.join(dist, 'sub-linux-amd64'), []);
    expect(run.stdout).toMatch(/^greet version=1\.2\.3 commit=[0-9a-f]{40} /);
    // The independent oracle: go's own reading of the tag (cmd/go/internal/modfetch coderepo.go).
    const info = await runTool('go', ['version', '-m', path.join(dist, 'sub-linux-amd64')]);
    expect(info.stdout).toMatch(/^\tmod\texample\.com\/mono\/sub\tv1\.2\.3\t/m);
  });

  it('names the release files 1.2.3, with one top folder, and sha256sum -c accepts the checksums', async () => {
    const dist = path.join(repo, 'sub', 'dist');
    const names = manifest.artifacts
      .filter((f) => f.kind !== 'binary')
      .map((f) => f.path)
      .sort();
    expect(names).toEqual([
      'CHANGELOG.md',
      'sub_1.2.3_checksums.txt',
      'sub_1.2.3_linux_amd64.sbom.cdx.json',
      'sub_1.2.3_linux_amd64.tar.gz',
      'sub_1.2.3_windows_amd64.sbom.cdx.json',
      'sub_1.2.3_windows_amd64.zip',
    ]);
    const tar = await runTool('tar', ['-tzf', 'sub_1.2.3_linux_amd64.tar.gz'], { cwd: dist });
    expect(tar.stdout.split('\n').filter(Boolean)).toContain('sub_1.2.3_linux_amd64/sub');
    const zip = await runTool('unzip', ['-Z1', 'sub_1.2.3_windows_amd64.zip'], { cwd: dist });
    expect(zip.stdout.split('\n').filter(Boolean)).toContain('sub_1.2.3_windows_amd64/sub.exe');
    const check = await runTool('sha256sum', ['-c', '--strict', 'sub_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code, check.stderr).toBe(0);
  });
});

describe('a tag with "/" that is not the module\'s', () => {
  it('release/v2 on the root module becomes release-v2, with one warning, and packages', async () => {
    const repo = await monorepo(['release/v2']);
    const result = await crossgo(['build', '--package', '-t', 'linux/amd64', '--json'], {
      cwd: repo,
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual([
      'crossgo: warning: git describe gives "release/v2", which is not a tag of this module (vX.Y.Z) and holds "/": using version "release-v2" in file names and main.version; tag the module as vX.Y.Z or pass --app-version',
    ]);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.source.version).toBe('release-v2');
    expect(manifest.artifacts.map((f) => f.path)).toContain('mono_release-v2_linux_amd64.tar.gz');
    const run = await runTool(path.join(repo, 'dist', 'mono-linux-amd64'), []);
    expect(run.stdout.trim()).toBe('mono version=release-v2');
  });

  it('a module in sub/ with only plain tags takes the nearest tag as before', async () => {
    const repo = await monorepo(['v3.0.0']);
    const result = await crossgo(['build', '-t', 'linux/amd64', '--json'], {
      cwd: path.join(repo, 'sub'),
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Manifest).source.version).toBe('v3.0.0');
  });
});
