import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, gitIdentity, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { manifestValidator } from '../helpers/manifestSchema.js';

/**
 * Archive control (package.name, wrap, files, format, formats, checksum, source) on one build of
 * the four targets the issue names. Every expected name is written by hand from GoReleaser's
 * documentation for the same template, never computed by crossgo; archives are read with tar and
 * unzip, checksums with sha256sum -c.
 */
afterAll(cleanupTemps);

const TARGETS = 'linux/arm/7,linux/amd64/v3,darwin/arm64,windows/386';
const DATE = '2024-05-06T07:08:09Z';
// GoReleaser's documented default archive name template (customization/archive):
// {{ .ProjectName }}_{{ title .Os }}_{{ if eq .Arch "amd64" }}x86_64{{ else if eq .Arch "386" }}i386
// {{ else }}{{ .Arch }}{{ end }}{{ if .Arm }}v{{ .Arm }}{{ end }}
const GORELEASER_NAME = '{project}_{os|title}_{arch|replace:amd64=x86_64,386=i386}{arm|prefix:v}';

let dir: string;
let dist: string;
let configDir: string;

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

async function git(...args: string[]) {
  const result = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], {
    cwd: dir,
    env: { ...process.env, ...gitIdentity(DATE) },
  });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** crossgo package with the given package block, from a config outside the module (the tree stays clean). */
async function packageWith(block: string, extra: string[] = []) {
  const config = path.join(configDir, 'release.yaml');
  await writeFile(config, `package:\n${block}`);
  return crossgo(['-C', dir, 'package', '--config', config, ...extra], { env: testEnv() });
}

/** The release files in dist: everything but the build's own. */
async function releaseFiles(): Promise<string[]> {
  const build = new Set([
    'SHA256SUMS',
    'manifest.json',
    'tool-linux-arm-7',
    'tool-linux-amd64-v3',
    'tool-darwin-arm64',
    'tool-windows-386.exe',
  ]);
  return (await readdir(dist)).filter((f) => !build.has(f) && !f.startsWith('.')).sort();
}

async function tarNames(file: string): Promise<string[]> {
  const listing = await runTool('tar', ['-tvzf', path.join(dist, file)]);
  expect(listing.code, listing.stderr).toBe(0);
  return lines(listing.stdout).map((l) => l.split(/\s+/).at(-1) as string);
}

beforeAll(async () => {
  dir = path.join(await tempDir(), 'tool');
  dist = path.join(dir, 'dist');
  configDir = await tempDir();
  await mkdir(path.join(dir, 'docs'), { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/tool\n\ngo 1.21\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport "fmt"\n\nvar version = "dev"\n\nfunc main() { fmt.Println("tool", version) }\n',
  );
  await writeFile(path.join(dir, 'README.md'), '# tool\n');
  await writeFile(path.join(dir, 'LICENSE'), 'MIT\n');
  await writeFile(path.join(dir, 'docs', 'usage.md'), 'tool\n');
  await writeFile(path.join(dir, '.gitignore'), '/dist/\n/notes.local\n');
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'tool');
  await git('tag', 'v1.2.3');
  // Untracked (ignored, so the tree stays clean): never in the source archive.
  await writeFile(path.join(dir, 'notes.local'), 'not in the source archive\n');
  const built = await crossgo(['-C', dir, 'build', '-t', TARGETS], { env: testEnv() });
  if (built.code !== 0) throw new Error(built.stderr);
});

describe('package.name, formats and the default checksums', () => {
  it("GoReleaser's documented name template gives GoReleaser's names; formats {windows: zip}", async () => {
    const result = await packageWith(
      `  name: "${GORELEASER_NAME}"\n  format: tar.gz\n  formats: {windows: zip}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await releaseFiles()).toEqual([
      'CHANGELOG.md',
      'tool_1.2.3_checksums.txt',
      'tool_Darwin_arm64.sbom.cdx.json',
      'tool_Darwin_arm64.tar.gz',
      'tool_Linux_armv7.sbom.cdx.json',
      'tool_Linux_armv7.tar.gz',
      'tool_Linux_x86_64.sbom.cdx.json',
      'tool_Linux_x86_64.tar.gz',
      'tool_Windows_i386.sbom.cdx.json',
      'tool_Windows_i386.zip',
    ]);
    expect(await tarNames('tool_Linux_armv7.tar.gz')).toEqual([
      'tool_Linux_armv7/',
      'tool_Linux_armv7/LICENSE',
      'tool_Linux_armv7/README.md',
      'tool_Linux_armv7/tool',
    ]);
    const zip = await runTool('unzip', ['-l', path.join(dist, 'tool_Windows_i386.zip')]);
    expect(zip.code).toBe(0);
    expect(zip.stdout).toMatch(/\stool_Windows_i386\/tool\.exe\n/);
    // By default the checksums file covers what a release publishes: archives and SBOMs here,
    // not the build's raw binaries (those are in SHA256SUMS).
    const check = await runTool('sha256sum', ['-c', 'tool_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code, check.stdout).toBe(0);
    expect(lines(check.stdout)).toEqual([
      'tool_Darwin_arm64.sbom.cdx.json: OK',
      'tool_Darwin_arm64.tar.gz: OK',
      'tool_Linux_armv7.sbom.cdx.json: OK',
      'tool_Linux_armv7.tar.gz: OK',
      'tool_Linux_x86_64.sbom.cdx.json: OK',
      'tool_Linux_x86_64.tar.gz: OK',
      'tool_Windows_i386.sbom.cdx.json: OK',
      'tool_Windows_i386.zip: OK',
    ]);
  });

  it("the default name is crossgo's of before: the variant after an underscore (GoReleaser writes armv7, amd64v3)", async () => {
    const result = await packageWith('  sbom: false\n');
    expect(result.code, result.stderr).toBe(0);
    expect(await releaseFiles()).toEqual([
      'CHANGELOG.md',
      'tool_1.2.3_checksums.txt',
      'tool_1.2.3_darwin_arm64.tar.gz',
      'tool_1.2.3_linux_amd64_v3.tar.gz',
      'tool_1.2.3_linux_arm_7.tar.gz',
      'tool_1.2.3_windows_386.zip',
    ]);
  });
});

describe('package.wrap and package.files', () => {
  it('wrap: false puts the files at the top of the archive', async () => {
    const result = await packageWith('  wrap: false\n  sbom: false\n');
    expect(result.code, result.stderr).toBe(0);
    expect(await tarNames('tool_1.2.3_linux_arm_7.tar.gz')).toEqual(['LICENSE', 'README.md', 'tool']);
    const zip = await runTool('unzip', ['-Z1', path.join(dist, 'tool_1.2.3_windows_386.zip')]);
    expect(lines(zip.stdout)).toEqual(['LICENSE', 'README.md', 'tool.exe']);
  });

  it('wrap: a template names the top folder', async () => {
    const result = await packageWith('  wrap: "{project}-{version}-{os}"\n  sbom: false\n');
    expect(result.code, result.stderr).toBe(0);
    expect(await tarNames('tool_1.2.3_darwin_arm64.tar.gz')).toEqual([
      'tool-1.2.3-darwin/',
      'tool-1.2.3-darwin/LICENSE',
      'tool-1.2.3-darwin/README.md',
      'tool-1.2.3-darwin/tool',
    ]);
  });

  it('files: [] and files: [none*] give archives of the binary alone; none* is not an error', async () => {
    for (const files of ['[]', '["none*"]']) {
      const result = await packageWith(`  files: ${files}\n  sbom: false\n`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('no file matches');
      expect(await tarNames('tool_1.2.3_linux_amd64_v3.tar.gz')).toEqual([
        'tool_1.2.3_linux_amd64_v3/',
        'tool_1.2.3_linux_amd64_v3/tool',
      ]);
    }
  });

  it('a glob that matches nothing is left out with one info line; the others still count', async () => {
    const result = await packageWith('  files: [LICENSE, "docs/*.txt", "docs/*.md"]\n  sbom: false\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'package files: no file matches "docs/*.txt" (relative to the module root): left out',
    );
    expect(await tarNames('tool_1.2.3_linux_amd64_v3.tar.gz')).toEqual([
      'tool_1.2.3_linux_amd64_v3/',
      'tool_1.2.3_linux_amd64_v3/LICENSE',
      'tool_1.2.3_linux_amd64_v3/docs/usage.md',
      'tool_1.2.3_linux_amd64_v3/tool',
    ]);
  });
});

describe('format: binary', () => {
  it("each binary bare under the template's name (.exe for windows), byte for byte the build's", async () => {
    const result = await packageWith(`  name: "${GORELEASER_NAME}"\n  format: binary\n  sbom: false\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(await releaseFiles()).toEqual([
      'CHANGELOG.md',
      'tool_1.2.3_checksums.txt',
      'tool_Darwin_arm64',
      'tool_Linux_armv7',
      'tool_Linux_x86_64',
      'tool_Windows_i386.exe',
    ]);
    const pairs = [
      ['tool-linux-arm-7', 'tool_Linux_armv7'],
      ['tool-linux-amd64-v3', 'tool_Linux_x86_64'],
      ['tool-darwin-arm64', 'tool_Darwin_arm64'],
      ['tool-windows-386.exe', 'tool_Windows_i386.exe'],
    ];
    const sums = await runTool('sha256sum', pairs.flat(), { cwd: dist });
    const digest = new Map(lines(sums.stdout).map((l) => [l.split(/\s+/)[1], l.split(/\s+/)[0]]));
    for (const [built, bare] of pairs) expect(digest.get(bare), bare).toBe(digest.get(built));
    const check = await runTool('sha256sum', ['-c', 'tool_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code, check.stdout).toBe(0);
    expect(lines(check.stdout)).toEqual([
      'tool_Darwin_arm64: OK',
      'tool_Linux_armv7: OK',
      'tool_Linux_x86_64: OK',
      'tool_Windows_i386.exe: OK',
    ]);
  });
});

describe('package.checksum', () => {
  it('a name template and covers: sha256sum -c lists exactly the covered files', async () => {
    const result = await packageWith(
      '  checksum: {name: "{project}-{version}-checksums.txt", covers: [archive, binary]}\n',
    );
    expect(result.code, result.stderr).toBe(0);
    const check = await runTool('sha256sum', ['-c', 'tool-1.2.3-checksums.txt'], { cwd: dist });
    expect(check.code, check.stdout).toBe(0);
    expect(lines(check.stdout)).toEqual([
      'tool-darwin-arm64: OK',
      'tool-linux-amd64-v3: OK',
      'tool-linux-arm-7: OK',
      'tool-windows-386.exe: OK',
      'tool_1.2.3_darwin_arm64.tar.gz: OK',
      'tool_1.2.3_linux_amd64_v3.tar.gz: OK',
      'tool_1.2.3_linux_arm_7.tar.gz: OK',
      'tool_1.2.3_windows_386.zip: OK',
    ]);
  });
});

describe('package.source', () => {
  const sha = async (file: string) =>
    (await runTool('sha256sum', [file], { cwd: dist })).stdout.split(/\s+/)[0] as string;

  it("source: true is GoReleaser's default, {{ .ProjectName }}-{{ .Version }}.tar.gz without a prefix", async () => {
    const result = await packageWith('  source: true\n  sbom: false\n');
    expect(result.code, result.stderr).toBe(0);
    const listing = await runTool('tar', ['-tzf', path.join(dist, 'tool-1.2.3.tar.gz')]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(lines(listing.stdout).sort()).toEqual([
      '.gitignore',
      'LICENSE',
      'README.md',
      'docs/',
      'docs/usage.md',
      'go.mod',
      'main.go',
    ]);
    const check = await runTool('sha256sum', ['-c', 'tool_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code, check.stdout).toBe(0);
    expect(lines(check.stdout)).toContain('tool-1.2.3.tar.gz: OK');
    // Recorded as kind source, and the manifest still matches its schema (a separate ajv).
    const manifest = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
    const validate = manifestValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(manifest.artifacts.filter((a) => a.kind === 'source').map((a) => a.path)).toEqual([
      'tool-1.2.3.tar.gz',
    ]);
  });

  it('a prefix puts the tracked files (not the untracked one) in one folder; two runs give the same bytes', async () => {
    const block =
      '  source: {name: "{project}_{version}_src", prefix: "{project}-{version}"}\n  sbom: false\n';
    const first = await packageWith(block);
    expect(first.code, first.stderr).toBe(0);
    const listing = await runTool('tar', ['-tzf', path.join(dist, 'tool_1.2.3_src.tar.gz')]);
    expect(lines(listing.stdout).sort()).toEqual([
      'tool-1.2.3/',
      'tool-1.2.3/.gitignore',
      'tool-1.2.3/LICENSE',
      'tool-1.2.3/README.md',
      'tool-1.2.3/docs/',
      'tool-1.2.3/docs/usage.md',
      'tool-1.2.3/go.mod',
      'tool-1.2.3/main.go',
    ]);
    const before = await sha('tool_1.2.3_src.tar.gz');
    // Another run, another temp folder for git's tar, another time zone: the same bytes.
    const config = path.join(configDir, 'release.yaml');
    const again = await crossgo(['-C', dir, 'package', '--config', config], {
      env: testEnv({ TZ: 'Pacific/Chatham' }),
    });
    expect(again.code, again.stderr).toBe(0);
    expect(await sha('tool_1.2.3_src.tar.gz')).toBe(before);
    // gzip header: no file name flag, mtime zero (not git's tar.gz, which runs the system gzip).
    const head = await runTool('od', ['-An', '-tx1', '-N8', path.join(dist, 'tool_1.2.3_src.tar.gz')]);
    expect(head.stdout.trim().split(/\s+/)).toEqual(['1f', '8b', '08', '00', '00', '00', '00', '00']);
  });
});

describe('bad names: one line, exit 2, nothing written', () => {
  it('two targets rendering the same name name both targets and the template', async () => {
    const before = await releaseFiles();
    const result = await packageWith('  name: "{project}_{os}"\n');
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'crossgo: release.yaml: package.name: "{project}_{os}" gives tool_linux.tar.gz for both linux/arm/7 and linux/amd64/v3: add {os}, {arch}, {arm} or {variant} to tell them apart',
    ]);
    expect(await releaseFiles()).toEqual(before);
  });

  it('a wrong placeholder is named with the nearest spelling', async () => {
    const before = await releaseFiles();
    const result = await packageWith('  name: "{project}_{oss}_{arch}"\n');
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'crossgo: release.yaml: package.name: "{project}_{oss}_{arch}": unknown placeholder {oss}, did you mean {os}?',
    ]);
    expect(await releaseFiles()).toEqual(before);
  });

  it('a top folder that is not one plain name is refused', async () => {
    const result = await packageWith('  wrap: "{project}/{os}"\n');
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'crossgo: release.yaml: package.wrap: "{project}/{os}" gives "tool/linux" for linux/arm/7, which holds a "/": change the template, or rebuild with a name-safe version (--app-version)',
    ]);
  });

  it("a name that is one of the build's files is refused", async () => {
    const result = await packageWith('  format: binary\n  name: "{binary}-{os}-{arch}{-variant}"\n');
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^crossgo: release file tool-linux-arm-7 would be both the build's binary of linux\/arm\/7 and the bare binary of linux\/arm\/7 \(release\.yaml: package\.name\)/,
    );
  });
});
