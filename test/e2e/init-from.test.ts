import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COMMIT_DATE,
  cleanupTemps,
  crossgo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { goVersionM } from '../helpers/oracles.js';

afterAll(cleanupTemps);

/*
 * `crossgo init --from .goreleaser.yaml` on GoReleaser configs written in the styles its
 * documentation shows, each in a tiny real module (a git repository with a v1.2.3 tag), followed
 * by a real `crossgo build` and `crossgo package`. The archive names and layouts expected are
 * written by hand from goreleaser.com's documentation of those templates, never from crossgo.
 */

const MAIN = `package main

import "fmt"

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
	builtBy = "unknown"
)

func main() { fmt.Println(version, commit, date, builtBy) }
`;

const GIT_ENV = gitIdentity(COMMIT_DATE);

interface Module {
  dir: string;
  git: (...args: string[]) => Promise<string>;
  run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A module with `files` (path → text), committed as `history` (subjects), v1.2.3 on the last. */
async function makeModule(
  name: string,
  files: Record<string, string>,
  history: string[] = ['chore: start'],
): Promise<Module> {
  const dir = path.join(await tempDir('crossgo-init-'), name);
  await mkdir(dir, { recursive: true });
  const all: Record<string, string> = {
    'go.mod': `module example.com/${name}\n\ngo 1.21\n`,
    'README.md': `# ${name}\n`,
    LICENSE: 'MIT\n',
    // Built files and what the hooks write never make the tree dirty.
    '.gitignore': '/dist/\n/hooks.log\n',
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  const git = async (...args: string[]) => {
    const result = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV },
    });
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await git('init', '-q');
  await git('add', '-A');
  for (const [i, subject] of history.entries()) {
    await git('commit', '-q', '--allow-empty', '-m', subject);
    if (i === 0 && history.length > 1) await git('tag', 'v1.2.2');
  }
  const run = (args: string[]) => crossgo(args, { cwd: dir, env: testEnv() });
  return { dir, git, run };
}

/** init --from, then the new crossgo.yaml committed and v1.2.3 on that commit, as a user would. */
async function initFrom(m: Module, goreleaser: string): Promise<{ notes: string[]; commit: string }> {
  await writeFile(path.join(m.dir, '.goreleaser.yaml'), goreleaser);
  const result = await m.run(['init', '--from', '.goreleaser.yaml']);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  const notes = lines
    .filter((l) => l.startsWith('crossgo: note: '))
    .map((l) => l.slice('crossgo: note: '.length));
  expect(lines.at(-2)).toMatch(/^crossgo: wrote crossgo\.yaml: the translation of \.goreleaser\.yaml/);
  expect(lines.at(-1)).toBe(
    'crossgo: next: commit crossgo.yaml, then crossgo build --package (a release of a dirty tree is refused; --snapshot tries it now)',
  );
  await m.git('add', '-A');
  await m.git('commit', '-q', '-m', 'chore: release with crossgo');
  await m.git('tag', 'v1.2.3');
  return { notes, commit: await m.git('rev-parse', 'HEAD') };
}

async function listing(file: string): Promise<string[]> {
  const result = file.endsWith('.zip')
    ? await runTool('unzip', ['-Z1', file])
    : await runTool('tar', ['-tzf', file]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split('\n').sort();
}

const releaseFiles = async (dist: string) =>
  (await runTool('ls', ['-1', dist])).stdout
    .trim()
    .split('\n')
    .filter((f) => /\.(tar\.gz|zip)$|checksums/.test(f))
    .sort();

const DATE_NOTE =
  '.Date became {commit_date}: crossgo never stamps the wall clock, so a rebuild of the commit gives the same bytes';
const DEFAULT_LDFLAGS_NOTE = `builds[0].ldflags (GoReleaser's default): "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser": ${DATE_NOTE}`;

describe('crossgo init --from a GoReleaser config, then crossgo build and package', () => {
  it("GoReleaser's own example: a goos × goarch × goarm matrix with ignore, title/replace names, zip on windows", async () => {
    const m = await makeModule('tool', { 'main.go': MAIN });
    const { notes, commit } = await initFrom(
      m,
      `# yaml-language-server: $schema=https://goreleaser.com/static/schema.json
version: 2
before:
  hooks:
    - go mod tidy
builds:
  - env:
      - CGO_ENABLED=0
    goos: [linux, windows]
    goarch: [amd64, arm]
    goarm: ["7"]
    ignore:
      - goos: windows
        goarch: arm
archives:
  - formats: [tar.gz]
    # this name template makes the OS and Arch compatible with the results of uname.
    name_template: >-
      {{ .ProjectName }}_
      {{- title .Os }}_
      {{- if eq .Arch "amd64" }}x86_64
      {{- else if eq .Arch "386" }}i386
      {{- else }}{{ .Arch }}{{ end }}
      {{- if .Arm }}v{{ .Arm }}{{ end }}
    # use zip for windows archives
    format_overrides:
      - goos: windows
        formats: [zip]
checksum:
  name_template: "checksums.txt"
changelog:
  sort: asc
  filters:
    exclude:
      - "^docs:"
      - "^test:"
release:
  footer: "**Full Changelog**: https://example.com"
`,
    );
    expect(notes).toEqual([
      'project_name: null: absent: set to "tool", the module\'s name (GoReleaser infers it from the git remote, go.mod or the folder)',
      DEFAULT_LDFLAGS_NOTE,
      'changelog.sort: "asc": GoReleaser sorts by message, crossgo by commit time (oldest first)',
      'release: {"footer":"**Full Changelog**: https://example.com"}: not translated: crossgo makes release files and does not publish them (upload them with gh release create or your CI)',
    ]);
    const text = await readFile(path.join(m.dir, 'crossgo.yaml'), 'utf8');
    expect(text).toContain('# note: release: ');

    // The config passes crossgo build unchanged: the matrix gives linux/amd64, linux/arm/7, windows/amd64.
    const build = await m.run(['build', '--json']);
    expect(build.code, build.stderr).toBe(0);
    const manifest = JSON.parse(build.stdout) as { artifacts: { target: string }[] };
    expect(manifest.artifacts.map((a) => a.target).sort()).toEqual([
      'linux/amd64',
      'linux/arm/7',
      'windows/amd64',
    ]);

    // Needs the "builds" helper (ldflags templates replace the default stamps; {version} drops the v):
    // the binary says what GoReleaser's would, and go records GoReleaser's ldflags exactly.
    const dist = path.join(m.dir, 'dist');
    const host =
      (await runTool('ls', ['-1', dist])).stdout.split('\n').find((f) => /linux-amd64/.test(f)) ?? '';
    const out = await runTool(path.join(dist, host), []);
    expect(out.stdout.trim()).toBe(`1.2.3 ${commit} ${COMMIT_DATE} goreleaser`);
    const info = await goVersionM(path.join(dist, host));
    // go quotes a setting that holds spaces.
    expect(info.get('-ldflags')).toBe(
      `"-s -w -X main.version=1.2.3 -X main.commit=${commit} -X main.date=${COMMIT_DATE} -X main.builtBy=goreleaser"`,
    );
    expect(info.get('-trimpath')).toBeUndefined();

    // Needs the "archives" helper (name templates, formats per goos, wrap: false, checksum name).
    const pkg = await m.run(['package']);
    expect(pkg.code, pkg.stderr).toBe(0);
    expect(await releaseFiles(dist)).toEqual([
      'checksums.txt',
      'tool_Linux_armv7.tar.gz',
      'tool_Linux_x86_64.tar.gz',
      'tool_Windows_x86_64.zip',
    ]);
    // GoReleaser's archives hold the binary and LICENSE*/README* at the top (wrap_in_directory: false).
    expect(await listing(path.join(dist, 'tool_Linux_x86_64.tar.gz'))).toEqual([
      'LICENSE',
      'README.md',
      'tool',
    ]);
    expect(await listing(path.join(dist, 'tool_Windows_x86_64.zip'))).toEqual([
      'LICENSE',
      'README.md',
      'tool.exe',
    ]);
    const sums = await runTool('sha256sum', ['-c', 'checksums.txt'], { cwd: dist });
    expect(sums.code, sums.stderr).toBe(0);
    expect(sums.stdout).toContain('tool_Linux_armv7.tar.gz: OK');
    // GoReleaser's changelog without groups: one flat list, full hashes (abbrev 0: git's whole hash).
    const changelog = (await readFile(path.join(dist, 'CHANGELOG.md'), 'utf8')).split('\n');
    expect(changelog[0]).toBe('## Changelog');
    expect(changelog).toContain(`* ${commit} chore: release with crossgo`);
    expect(changelog.filter((l) => l.startsWith('###'))).toEqual([]);
  });

  it('two builds with hooks, GoReleaser target names, the default archive name and wrap_in_directory', async () => {
    const m = await makeModule('suite', {
      'cmd/server/main.go': MAIN,
      'cmd/client/main.go': MAIN,
    });
    const { notes } = await initFrom(
      m,
      `version: 2
project_name: suite
before:
  hooks:
    - sh -c "echo before >> hooks.log"
builds:
  - id: server
    main: ./cmd/server
    binary: server
    flags: [-trimpath]
    ldflags: ["-s -w -X main.version={{ .Version }} -X main.commit={{ .ShortCommit }}"]
    targets: [linux_amd64_v1, darwin_arm64]
    hooks:
      post: sh -c "echo post-server {{ .Os }} >> hooks.log"
  - id: client
    main: ./cmd/client/main.go
    binary: client
    flags: [-trimpath]
    ldflags: ["-s -w -X main.version={{ .Version }}"]
    targets: [linux_amd64_v1, darwin_arm64]
    hooks:
      pre:
        - cmd: sh -c "echo pre-client {{ .Os }} >> hooks.log"
archives:
  - wrap_in_directory: true
    files: [none*]
`,
    );
    expect(notes).toEqual([
      'builds[1].main: "./cmd/client/main.go": a file: crossgo builds its package, "./cmd/client"',
    ]);

    const build = await m.run(['build', '--json']);
    expect(build.code, build.stderr).toBe(0);
    // Needs the "builds" and "hooks" helpers from here on.
    const manifest = JSON.parse(build.stdout) as { artifacts: { target: string; path: string }[] };
    expect(
      manifest.artifacts.map((a) => `${a.target} ${path.basename(a.path).replace(/-.*/, '')}`).sort(),
    ).toEqual([
      'darwin/arm64 client',
      'darwin/arm64 server',
      'linux/amd64/v1 client',
      'linux/amd64/v1 server',
    ]);
    const pkg = await m.run(['package']);
    expect(pkg.code, pkg.stderr).toBe(0);
    const log = (await readFile(path.join(m.dir, 'hooks.log'), 'utf8')).trim().split('\n');
    expect(log[0]).toBe('before');
    expect(log.slice(1).sort()).toEqual([
      'post-server darwin',
      'post-server linux',
      'pre-client darwin',
      'pre-client linux',
    ]);
    const dist = path.join(m.dir, 'dist');
    // GoReleaser's default name: {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}, no v1 suffix.
    expect(await releaseFiles(dist)).toEqual([
      'suite_1.2.3_checksums.txt',
      'suite_1.2.3_darwin_arm64.tar.gz',
      'suite_1.2.3_linux_amd64.tar.gz',
    ]);
    expect(await listing(path.join(dist, 'suite_1.2.3_linux_amd64.tar.gz'))).toEqual([
      'suite_1.2.3_linux_amd64/',
      'suite_1.2.3_linux_amd64/client',
      'suite_1.2.3_linux_amd64/server',
    ]);
  });

  it('checksum, snapshot, changelog and source archive as GoReleaser names them', async () => {
    const m = await makeModule('tool', { 'main.go': MAIN }, [
      'chore: start',
      'feat: louder greeting',
      'docs: fix a typo',
      'fix: exit code on error',
    ]);
    const { notes, commit } = await initFrom(
      m,
      `version: 2
project_name: tool
builds:
  - goos: [linux]
    goarch: [amd64]
    ldflags: ["-X main.version={{ .Version }}"]
checksum:
  name_template: "{{ .ProjectName }}-{{ .Version }}-checksums.txt"
  algorithm: sha512
snapshot:
  version_template: "{{ .Version }}-SNAPSHOT-{{ .ShortCommit }}"
changelog:
  sort: asc
  filters:
    exclude: ["^docs:", "^chore:"]
  groups:
    - title: Features
      regexp: '^.*?feat(\\([[:word:]]+\\))??!?:.+$'
      order: 0
    - title: "Bug fixes"
      regexp: '^.*?fix(\\([[:word:]]+\\))??!?:.+$'
      order: 1
source:
  enabled: true
  name_template: "{{ .ProjectName }}-{{ .Version }}-source"
  prefix_template: "{{ .ProjectName }}-{{ .Version }}/"
`,
    );
    expect(notes).toEqual([
      'changelog.sort: "asc": GoReleaser sorts by message, crossgo by commit time (oldest first)',
    ]);
    const build = await m.run(['build']);
    expect(build.code, build.stderr).toBe(0);

    // Needs the "archives", "changelog" and "hygiene" helpers from here on.
    const pkg = await m.run(['package']);
    expect(pkg.code, pkg.stderr).toBe(0);
    const dist = path.join(m.dir, 'dist');
    expect(await releaseFiles(dist)).toEqual([
      'tool-1.2.3-checksums.txt',
      'tool-1.2.3-source.tar.gz',
      'tool_1.2.3_linux_amd64.tar.gz',
    ]);
    const sums = await runTool('sha512sum', ['-c', 'tool-1.2.3-checksums.txt'], { cwd: dist });
    expect(sums.code, sums.stderr).toBe(0);
    const source = await listing(path.join(dist, 'tool-1.2.3-source.tar.gz'));
    expect(source.every((entry) => entry.startsWith('tool-1.2.3/'))).toBe(true);
    expect(source).toContain('tool-1.2.3/main.go');
    const changelog = await readFile(path.join(dist, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('Features');
    expect(changelog).toContain('louder greeting');
    expect(changelog).toContain('Bug fixes');
    expect(changelog).toContain('exit code on error');
    expect(changelog).not.toContain('fix a typo');

    // An untracked file: refused without --snapshot, and named by the snapshot template with it.
    await writeFile(path.join(m.dir, 'scratch.txt'), 'wip\n');
    const dirty = await m.run(['build', '--package']);
    expect(dirty.code).toBe(2);
    const snapshot = await m.run(['build', '--package', '--snapshot']);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    // GoReleaser's .Version is the snapshot version in every name.
    const short = commit.slice(0, 7);
    const snapshotFiles = (await releaseFiles(dist)).filter((f) => f.includes('SNAPSHOT'));
    expect(snapshotFiles).toContain(`tool_1.2.3-SNAPSHOT-${short}_linux_amd64.tar.gz`);
    expect(snapshotFiles).toContain(`tool-1.2.3-SNAPSHOT-${short}-checksums.txt`);
  });
});

describe('crossgo init without --from, and its refusals', () => {
  it('writes a commented starter config that crossgo build reads', async () => {
    const m = await makeModule('hello', { 'cmd/hello/main.go': MAIN });
    const result = await m.run(['init']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'crossgo: wrote crossgo.yaml: a starter config\ncrossgo: next: commit crossgo.yaml, then crossgo build --package (a release of a dirty tree is refused; --snapshot tries it now)\n',
    );
    const text = await readFile(path.join(m.dir, 'crossgo.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# crossgo.yaml for example.com/hello, written by crossgo init. Every key is optional; flags win.',
    );
    expect(text).toMatch(/^project: hello /m);
    expect(text).toMatch(/^main: \.\/cmd\/hello$/m);
    const build = await m.run(['build', '-t', 'linux/amd64', '--json']);
    expect(build.code, build.stderr).toBe(0);
    const manifest = JSON.parse(build.stdout) as { project: { package: string; name: string } };
    expect(manifest.project.package).toBe('./cmd/hello');

    // A second init does not replace it; --stdout prints one without writing.
    const again = await m.run(['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `crossgo: crossgo.yaml already exists in ${m.dir}: crossgo init does not replace it (add --force to overwrite, or --stdout to print the new one)\n`,
    );
    const printed = await m.run(['init', '--stdout']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(text);
    expect(await readFile(path.join(m.dir, 'crossgo.yaml'), 'utf8')).toBe(text);
  });

  it('--config .goreleaser.yaml is one line naming crossgo init --from; a missing --from file too', async () => {
    const m = await makeModule('tool', { 'main.go': MAIN });
    await writeFile(path.join(m.dir, '.goreleaser.yaml'), 'version: 2\nbuilds:\n  - goos: [linux]\n');
    const build = await m.run(['build', '--config', '.goreleaser.yaml']);
    expect(build.code).toBe(2);
    expect(build.stderr).toBe(
      'crossgo: .goreleaser.yaml is a GoReleaser config (it has version:): translate it with crossgo init --from .goreleaser.yaml\n',
    );
    const missing = await m.run(['init', '--from', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'crossgo: --from nope.yaml: no such file (name it relative to where crossgo runs)\n',
    );
    expect(await stat(path.join(m.dir, 'crossgo.yaml')).catch(() => null)).toBeNull();
  });
});
