import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRelease } from '../../src/commands/package.js';
import type { AgainstReport } from '../../src/commands/repro.js';
import { verify } from '../../src/commands/verify.js';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { manifestValidator } from '../helpers/manifestSchema.js';

/**
 * How the release settings reach `crossgo package`: from the config file (also one named with
 * `build --config`), an empty `files` list, and the build flags that only mean something for a
 * release (--universal, --sign), which now imply --package.
 */
afterAll(cleanupTemps);

const kindsAndPaths = (m: Manifest) => m.artifacts.map((a) => [a.kind, a.path]);
const validate = manifestValidator();

/** The output folder's manifest, checked against schema/manifest.schema.json by a separate ajv. */
async function writtenManifest(out: string): Promise<Manifest> {
  const m = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
  return m;
}
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('the package settings of the config', () => {
  it('files: [] makes archives that hold the binary alone', async () => {
    const { dir } = await fixtureRepo('release');
    const built = await crossgo(['-C', dir, 'build', '-t', 'linux/amd64'], { env: testEnv() });
    expect(built.code, built.stderr).toBe(0);
    // After the build: the config's package block is read by package, from the module root.
    await writeFile(path.join(dir, 'crossgo.yaml'), 'package:\n  files: []\n');
    const packaged = await crossgo(['-C', dir, 'package', '--no-sbom'], { env: testEnv() });
    expect(packaged.code, packaged.stderr).toBe(0);
    const tar = await runTool('tar', ['-tzf', path.join(dir, 'dist', 'hello_1.2.3_linux_amd64.tar.gz')]);
    expect(lines(tar.stdout)).toEqual(['hello_1.2.3_linux_amd64/', 'hello_1.2.3_linux_amd64/hello']);
  });

  it('build --config X --package takes the package block of X', async () => {
    const { dir } = await fixtureRepo('release');
    // Outside the module, so the work tree stays clean and only --config can name it.
    const config = path.join(await tempDir(), 'release.yaml');
    await writeFile(config, 'package:\n  format: zip\n  sbom: false\n  files: [LICENSE]\n');
    const result = await crossgo(
      ['-C', dir, 'build', '--config', config, '--package', '--json', '-t', 'linux/amd64'],
      { env: testEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    // A zip for linux and no SBOM: X's choices, not the defaults (tar.gz, an SBOM).
    expect(lines((await runTool('ls', [path.join(dir, 'dist')])).stdout)).toEqual([
      'CHANGELOG.md',
      'SHA256SUMS',
      'hello-linux-amd64',
      'hello_1.2.3_checksums.txt',
      'hello_1.2.3_linux_amd64.zip',
      'manifest.json',
    ]);
    const m = JSON.parse(result.stdout) as Manifest;
    expect(await writtenManifest(path.join(dir, 'dist'))).toEqual(m);
    expect(kindsAndPaths(m)).toEqual([
      ['binary', 'hello-linux-amd64'],
      ['changelog', 'CHANGELOG.md'],
      ['archive', 'hello_1.2.3_linux_amd64.zip'],
      ['checksums', 'hello_1.2.3_checksums.txt'],
    ]);
    const zip = await runTool('unzip', ['-Z1', path.join(dir, 'dist', 'hello_1.2.3_linux_amd64.zip')]);
    expect(lines(zip.stdout)).toEqual([
      'hello_1.2.3_linux_amd64/',
      'hello_1.2.3_linux_amd64/LICENSE',
      'hello_1.2.3_linux_amd64/hello',
    ]);
  });
});

describe('the output folder, named once', () => {
  it('packageRelease and verify take out, as build does', async () => {
    const { dir } = await fixtureRepo('release');
    const built = await crossgo(['-C', dir, 'build', '-o', 'out', '-t', 'linux/amd64'], { env: testEnv() });
    expect(built.code, built.stderr).toBe(0);
    const packaged = await packageRelease({ cwd: dir, out: 'out', sbom: false, environment: testEnv() });
    expect(await writtenManifest(path.join(dir, 'out'))).toEqual(packaged.manifest);
    expect(packaged.made.map((a) => a.path)).toEqual([
      'CHANGELOG.md',
      'hello_1.2.3_linux_amd64.tar.gz',
      'hello_1.2.3_checksums.txt',
    ]);
    const check = await runTool('sha256sum', ['-c', 'hello_1.2.3_checksums.txt'], {
      cwd: path.join(dir, 'out'),
    });
    expect(check.code, check.stdout).toBe(0);
    const reports = await verify({ cwd: dir, out: 'out', environment: testEnv() });
    expect(reports.map((r) => [r.file, r.ok])).toEqual([
      ['out/hello-linux-amd64', true],
      ['out/CHANGELOG.md', true],
      ['out/hello_1.2.3_linux_amd64.tar.gz', true],
      ['out/hello_1.2.3_checksums.txt', true],
    ]);
  });
});

describe('readers of a packaged manifest select its binaries', () => {
  it('repro --against rebuilds each binary of a manifest that also lists archives, SBOMs and checksums', async () => {
    const { dir } = await fixtureRepo('release');
    const built = await crossgo(['-C', dir, 'build', '--package', '-t', 'linux/amd64,windows/386'], {
      env: testEnv(),
    });
    expect(built.code, built.stderr).toBe(0);
    const m = await writtenManifest(path.join(dir, 'dist'));
    expect(m.artifacts).toHaveLength(8);
    const result = await crossgo(['-C', dir, 'repro', '--against', 'dist/manifest.json', '--json'], {
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AgainstReport;
    expect(report.targets.map((t) => [t.target, t.reproducible])).toEqual([
      ['linux/amd64', true],
      ['windows/386', true],
    ]);
  });
});

describe('build flags that imply --package', () => {
  it('build --universal makes the universal binary and its release, saying --package is implied', async () => {
    const { dir } = await fixtureRepo('release');
    const result = await crossgo(['-C', dir, 'build', '--universal', '-t', 'darwin/amd64,darwin/arm64'], {
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    // Said once, before the build's progress lines.
    expect(lines(result.stderr).filter((l) => l.includes('implies'))).toEqual([
      'crossgo: --universal implies --package',
    ]);
    expect(lines(result.stderr)[0]).toBe('crossgo: --universal implies --package');
    const universal = path.join(dir, 'dist', 'hello-darwin-universal');
    const file = await runTool('file', ['-b', universal]);
    expect(file.stdout).toMatch(/^Mach-O universal binary with 2 architectures/);
    const m = await writtenManifest(path.join(dir, 'dist'));
    expect(m.artifacts.filter((a) => a.kind === 'universal').map((a) => [a.path, a.target, a.from])).toEqual([
      ['hello-darwin-universal', 'darwin/universal', ['hello-darwin-amd64', 'hello-darwin-arm64']],
    ]);
  });

  it('build --sign ssh signs the checksums file (ssh-keygen -Y verify accepts it), saying --package is implied', async () => {
    const { dir } = await fixtureRepo('release');
    const keys = await tempDir();
    const key = path.join(keys, 'id_ed25519');
    const keygen = await runTool('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'r@example.com',
      '-f',
      key,
    ]);
    expect(keygen.code, keygen.stderr).toBe(0);
    const result = await crossgo(['-C', dir, 'build', '--sign', 'ssh', '--key', key, '-t', 'linux/amd64'], {
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    // Said once, before the build's progress lines.
    expect(lines(result.stderr).filter((l) => l.includes('implies'))).toEqual([
      'crossgo: --sign implies --package',
    ]);
    expect(lines(result.stderr)[0]).toBe('crossgo: --sign implies --package');
    const allowed = path.join(keys, 'allowed_signers');
    await writeFile(allowed, `r@example.com ${(await readFile(`${key}.pub`, 'utf8')).trim()}\n`);
    const checksums = path.join(dir, 'dist', 'hello_1.2.3_checksums.txt');
    const verify = await runTool('sh', [
      '-c',
      'exec ssh-keygen -Y verify -f "$1" -I r@example.com -n file -s "$2" < "$3"',
      'sh',
      allowed,
      `${checksums}.sig`,
      checksums,
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const m = await writtenManifest(path.join(dir, 'dist'));
    expect(m.artifacts.filter((a) => a.kind === 'signature').map((a) => [a.path, a.from])).toEqual([
      ['hello_1.2.3_checksums.txt.sig', ['hello_1.2.3_checksums.txt']],
    ]);
    expect(m.release?.signature).toBe('ssh');
  });
});

describe('a manifest of schemaVersion 1', () => {
  it('crossgo verify reads one written by crossgo 8ead8a6 and checks every file it lists', async () => {
    const out = await tempDir();
    await copyFile(
      new URL('../fixtures/manifest-v1/dist/manifest.json', import.meta.url),
      path.join(out, 'manifest.json'),
    );
    const result = await crossgo(['verify', '--json', '--manifest', path.join(out, 'manifest.json')], {
      cwd: out,
      env: testEnv(),
    });
    // Only the manifest was kept, so every file it lists is missing: 4 binaries, 13 release files.
    expect(result.code, result.stderr).toBe(1);
    const reports = JSON.parse(result.stdout) as { file: string; ok: boolean }[];
    expect(reports).toHaveLength(17);
    expect(reports.every((r) => !r.ok)).toBe(true);
    expect(reports.map((r) => path.basename(r.file))).toContain('hello_1.2.3_checksums.txt.asc');
  });
});
