import { existsSync } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BinaryFacts, GoBuildInfo } from '../../src/binary/types.js';
import { planRebuild, type RebuildReport } from '../../src/commands/rebuild.js';
import { cleanupTemps, crossgo, FIXTURES, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { goVersionM, goVersionOf, readelf } from '../helpers/oracles.js';

afterAll(cleanupTemps);

const MODULE = 'example.com/tool';
const PKG = `${MODULE}/cmd/tool`;
const VERSION = 'v1.0.0';

/** Serves a fixture folder as module@VERSION from a GOPROXY on disk (the proxy protocol over file://). */
async function publish(proxy: string, module: string, source: string): Promise<void> {
  const at = path.join(proxy, module, '@v');
  await mkdir(at, { recursive: true });
  const stage = await tempDir('crossgo-zip-');
  await cp(source, path.join(stage, `${module}@${VERSION}`), { recursive: true });
  const zip = await runTool('zip', ['-qrX', path.join(at, `${VERSION}.zip`), `${module}@${VERSION}`], {
    cwd: stage,
  });
  if (zip.code !== 0) throw new Error(zip.stderr);
  await writeFile(path.join(at, 'list'), `${VERSION}\n`);
  await writeFile(
    path.join(at, `${VERSION}.info`),
    JSON.stringify({ Version: VERSION, Time: '2024-01-01T00:00:00Z' }),
  );
  await copyFile(path.join(source, 'go.mod'), path.join(at, `${VERSION}.mod`));
}

/** No network: modules come from the file proxy, unchecked (GOSUMDB=off), into a module cache of the test's. */
let env: NodeJS.ProcessEnv;
let modcache: string;
/** example.com/tool installed for linux/arm64 with -trimpath, as a user would. */
let arm64: string;

beforeAll(async () => {
  const proxy = await tempDir('crossgo-proxy-');
  await publish(proxy, 'example.com/dep', path.join(FIXTURES, 'depsrc'));
  await publish(proxy, MODULE, path.join(FIXTURES, 'rebuild'));
  // -modcacherw: the cache is then removable by cleanupTemps like any folder.
  modcache = await tempDir('crossgo-modcache-');
  env = testEnv({
    GOPROXY: `file://${proxy}`,
    GOSUMDB: 'off',
    GONOSUMDB: '',
    GOFLAGS: '-modcacherw',
    GOMODCACHE: modcache,
  });
  const gopath = await tempDir('crossgo-gopath-');
  const installed = await install(gopath, { GOOS: 'linux', GOARCH: 'arm64' }, ['-trimpath']);
  expect(installed.code, installed.stderr).toBe(0);
  arm64 = path.join(gopath, 'bin', 'linux_arm64', 'tool');
});

/** `go install [flags] example.com/tool/cmd/tool@v1.0.0` into a GOPATH, from an empty folder. */
function install(gopath: string, extra: NodeJS.ProcessEnv, flags: string[]) {
  return runTool('go', ['install', ...flags, `${PKG}@${VERSION}`], {
    cwd: gopath,
    env: { ...env, GOPATH: gopath, ...extra },
  });
}

async function rebuildJson(file: string, extra: NodeJS.ProcessEnv = {}) {
  const result = await crossgo(['rebuild', '--json', file], { env: { ...env, ...extra } });
  return { code: result.code, stderr: result.stderr, report: JSON.parse(result.stdout) as RebuildReport };
}

async function sha256sum(file: string): Promise<string> {
  const result = await runTool('sha256sum', [file]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.split(' ')[0] as string;
}

describe('crossgo rebuild of a binary made by go install path@version', () => {
  it('where go put it: GOPATH/bin/<goos>_<goarch>/ for a cross build, which refuses GOBIN', async () => {
    expect(existsSync(arm64)).toBe(true);
    expect(existsSync(path.join(path.dirname(arm64), '..', 'tool'))).toBe(false);
    const settings = await goVersionM(arm64);
    expect(Object.fromEntries(settings)).toMatchObject({
      '-trimpath': 'true',
      GOOS: 'linux',
      GOARCH: 'arm64',
    });
    expect(settings.has('-ldflags')).toBe(false);
    const withGobin = await install(
      await tempDir('crossgo-gopath-'),
      {
        GOOS: 'linux',
        GOARCH: 'arm64',
        GOBIN: await tempDir('crossgo-gobin-'),
      },
      ['-trimpath'],
    );
    expect(withGobin.code).not.toBe(0);
    expect(withGobin.stderr).toContain('cannot install cross-compiled binaries when GOBIN is set');
  });

  it('rebuilds a cross-compiled -trimpath binary byte for byte, even with GOBIN set by the caller', async () => {
    const { code, stderr, report } = await rebuildJson(arm64, { GOBIN: await tempDir('crossgo-gobin-') });
    expect(code, stderr).toBe(0);
    const sha = await sha256sum(arm64);
    const size = (await stat(arm64)).size;
    const goVersion = await goVersionOf(arm64);
    expect(report).toMatchObject({
      file: arm64,
      rebuildable: true,
      reason: null,
      module: { path: MODULE, version: VERSION },
      package: PKG,
      goVersion,
      expectedSha256: sha,
      gotSha256: sha,
      reproducible: true,
      sizes: { expected: size, got: size },
    });
    expect(report.difference).toBeNull();
    expect(report.command).toEqual(['install', '-trimpath', '-pgo=off', `${PKG}@${VERSION}`]);
    expect(report.env).toMatchObject({
      GOTOOLCHAIN: goVersion,
      GOOS: 'linux',
      GOARCH: 'arm64',
      CGO_ENABLED: '0',
      GOARM64: (await goVersionM(arm64)).get('GOARM64'),
      GOMODCACHE: modcache,
      GOWORK: 'off',
    });
    expect(report.env.GOFLAGS).toContain('-modcacherw');
    // The temporary GOPATH is gone.
    expect(existsSync(report.env.GOPATH as string)).toBe(false);
  });

  it('rebuilds a native binary without -trimpath, ignoring build flags in the caller GOFLAGS and its GOAMD64', async () => {
    const gopath = await tempDir('crossgo-gopath-');
    const installed = await install(gopath, {}, []);
    expect(installed.code, installed.stderr).toBe(0);
    const binary = path.join(gopath, 'bin', 'tool');
    expect((await runTool(binary, [])).stdout.trim()).toBe('tool from dep v1.0.0');

    const result = await crossgo(['rebuild', binary], {
      env: { ...env, GOFLAGS: '-modcacherw -trimpath -ldflags=-s', GOAMD64: 'v3' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`go install -pgo=off ${PKG}@${VERSION}`);
    expect(result.stdout).toContain(`sha256 ${await sha256sum(binary)}`);
    expect(result.stdout).toContain('reproducible: the rebuild is byte for byte identical');
  });

  it('explains a binary altered after install as crossgo repro explains two builds: section, first byte, causes', async () => {
    const altered = path.join(await tempDir(), 'tool');
    await copyFile(arm64, altered);
    // A byte inside .text (found by readelf), so the build info still reads.
    const sections = await readelf(['-S'], altered);
    const text = /\.text\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(sections);
    const offset = Number.parseInt(text?.[1] ?? '', 16) + 0x40;
    const genuine = await readFile(arm64);
    const bytes = Buffer.from(genuine);
    bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
    await writeFile(altered, bytes);
    // The excerpt repro shows: 16 bytes from 4 before the first difference, spaced.
    const hex = (b: Buffer) =>
      b
        .subarray(offset - 4, offset + 12)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 ');

    const { code, report } = await rebuildJson(altered);
    expect(code).toBe(1);
    expect(report).toMatchObject({
      rebuildable: true,
      reproducible: false,
      expectedSha256: await sha256sum(altered),
      gotSha256: await sha256sum(arm64),
      sizes: { expected: bytes.length, got: bytes.length },
      difference: {
        sizes: [bytes.length, bytes.length],
        first: { offset, section: '.text', hexA: hex(bytes), hexB: hex(genuine) },
      },
    });
    expect(report.difference?.sections).toEqual([
      expect.objectContaining({ name: '.text', differingBytes: 1 }),
    ]);
    // One byte of code changed nothing the build info says; what it does not record is named.
    expect(report.difference?.causes.map((c) => c.kind)).toEqual(['not-recorded']);
    expect(report.reason).toMatch(/^the bytes differ: with -trimpath go does not record -ldflags/);
    const human = await crossgo(['rebuild', altered], { env });
    expect(human.code).toBe(1);
    // The lines of crossgo repro's own report (src/cli/render/difference.ts), 1 the file and 2 the rebuild.
    expect(human.stdout).toContain(
      [
        `  differs    ${bytes.length} and ${bytes.length} bytes, 1 the file and 2 the rebuild:`,
        '  sections that differ: .text (1 bytes)',
        `  first difference at 0x${offset.toString(16)} in .text:`,
        `    1: ${hex(bytes)}  |`,
      ].join('\n'),
    );
    expect(human.stdout).toContain(`\n    2: ${hex(genuine)}  |`);
    expect(human.stdout).toContain(
      '\n  likely cause (not-recorded): with -trimpath go does not record -ldflags',
    );
    expect(human.stdout).toContain('not reproducible: the bytes differ');
  });
});

describe('crossgo rebuild of what go install cannot make', () => {
  /** The fixture built with go build in its own folder (no git there: no vcs.* settings). */
  async function goBuild(replaceDep: boolean): Promise<string> {
    const root = await tempDir();
    const dir = path.join(root, 'tool');
    await cp(path.join(FIXTURES, 'rebuild'), dir, { recursive: true });
    if (replaceDep) {
      await cp(path.join(FIXTURES, 'depsrc'), path.join(root, 'dep'), { recursive: true });
      await appendFile(path.join(dir, 'go.mod'), '\nreplace example.com/dep => ../dep\n');
    }
    const out = path.join(root, 'tool-bin');
    const built = await runTool('go', ['build', '-o', out, './cmd/tool'], { cwd: dir, env });
    if (built.code !== 0) throw new Error(built.stderr);
    return out;
  }

  it('says a (devel) binary cannot be rebuilt, and exits 1', async () => {
    const binary = await goBuild(false);
    const { code, report } = await rebuildJson(binary);
    expect(code).toBe(1);
    expect(report).toMatchObject({
      rebuildable: false,
      reproducible: null,
      gotSha256: null,
      command: [],
      module: { path: MODULE, version: '(devel)' },
      expectedSha256: await sha256sum(binary),
    });
    expect(report.reason).toContain(`the main module ${MODULE} is (devel)`);
    const human = await crossgo(['rebuild', binary], { env });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('cannot rebuild: the main module example.com/tool is (devel)');
  });

  it('names a dependency replaced by a local directory', async () => {
    const binary = await goBuild(true);
    const settings = await runTool('go', ['version', '-m', binary]);
    expect(settings.stdout).toMatch(/=>\s+\.\.\/dep\s+\(devel\)/);
    const { code, report } = await rebuildJson(binary);
    expect(code).toBe(1);
    expect(report.rebuildable).toBe(false);
    expect(report.reason).toContain('example.com/dep is replaced by the local directory ../dep');
  });

  it('refuses files that are not Go programs with a clear message', async () => {
    const text = path.join(await tempDir(), 'notes.txt');
    await writeFile(text, 'not a binary at all\n');
    const junk = await crossgo(['rebuild', text], { env });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toBe(
      `crossgo: ${text}: not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header (it starts with "not a binary at ")\n`,
    );
    const missing = await crossgo(['rebuild', `${text}.gone`], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`crossgo: ${text}.gone: no such file\n`);
    // An executable, but not Go's: a report, not an error.
    const { code, report } = await rebuildJson('/bin/true');
    expect(code).toBe(1);
    expect(report).toMatchObject({ rebuildable: false, module: null, goVersion: null });
    expect(report.reason).toContain('no Go build info');
  });
});

describe('planRebuild: from build settings to go install argv and environment', () => {
  type Facts = Pick<BinaryFacts, 'format' | 'go'>;
  const facts = (go: Partial<GoBuildInfo>): Facts => ({
    format: 'elf',
    go: {
      version: 'go1.26.8',
      path: PKG,
      main: { path: MODULE, version: VERSION, sum: 'h1:x', replace: null },
      deps: [],
      ...go,
      settings: {
        '-buildmode': 'exe',
        '-compiler': 'gc',
        CGO_ENABLED: '0',
        GOOS: 'linux',
        GOARCH: 'amd64',
        ...go.settings,
      },
    },
  });
  const reason = (f: Facts) => {
    const plan = planRebuild(f);
    return plan.ok ? null : plan.reason;
  };

  it('passes recorded flags back as go quotes them, and the environment Go records', () => {
    const plan = planRebuild(
      facts({
        version: 'go1.26.8-X:jsonv2',
        settings: {
          '-buildmode': 'pie',
          '-tags': 'netgo,osusergo',
          '-ldflags': "-X 'main.version=1.0 beta' -s",
          '-gcflags': 'all=-N -l',
          '-race': 'true',
          '-pgo': '/home/u/go/pkg/mod/example.com/tool@v1.0.0/cmd/tool/default.pgo',
          CGO_ENABLED: '1',
          CGO_CFLAGS: '-O2 -g',
          CGO_LDFLAGS: '',
          GOEXPERIMENT: 'jsonv2',
          GOAMD64: 'v3',
        },
      }),
    );
    expect(plan).toEqual({
      ok: true,
      command: [
        'install',
        '-buildmode=pie',
        '-tags=netgo,osusergo',
        "-ldflags=-X 'main.version=1.0 beta' -s",
        '-gcflags=all=-N -l',
        '-race',
        `${PKG}@${VERSION}`,
      ],
      env: {
        GOTOOLCHAIN: 'go1.26.8',
        GOOS: 'linux',
        GOARCH: 'amd64',
        CGO_ENABLED: '1',
        GOAMD64: 'v3',
        CGO_CFLAGS: '-O2 -g',
        GOEXPERIMENT: 'jsonv2',
      },
    });
  });

  it('gives every reason a build info cannot be repeated', () => {
    expect(reason(facts({ version: 'go1.20.14' }))).toContain('go1.21.0 or newer');
    expect(reason(facts({ version: 'devel go1.27-abcdef' }))).toContain('development toolchain');
    expect(reason(facts({ settings: { 'vcs.revision': 'abc', vcs: 'git' } }))).toContain('vcs.* settings');
    expect(reason(facts({ settings: { '-pgo': '/tmp/cpu.pprof' } }))).toContain('-pgo=/tmp/cpu.pprof');
    expect(reason(facts({ settings: { '-buildmode': 'c-shared' } }))).toContain('executables only');
    expect(reason(facts({ path: 'command-line-arguments' }))).toContain('command line');
    const dep = { path: 'example.com/dep', version: VERSION, sum: '' };
    const replaced = facts({
      deps: [
        { ...dep, replace: { path: 'example.com/fork', version: 'v1.0.1', sum: 'h1:y', replace: null } },
        {
          ...dep,
          path: 'example.com/other',
          replace: { path: '../other', version: '(devel)', sum: '', replace: null },
        },
      ],
    });
    expect(reason(replaced)).toBe(
      'example.com/dep is replaced by example.com/fork@v1.0.1: go install path@version refuses replace directives; ' +
        'example.com/other is replaced by the local directory ../other',
    );
    expect(reason({ ...facts({}), go: null })).toContain('no Go build info');
  });
});
