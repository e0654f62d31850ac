import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inspection } from '../../src/commands/inspect.js';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { buildScaleLibraries, zigBinary } from '../helpers/clib.js';

afterAll(cleanupTemps);

const EXPECTED_OUTPUT = (target: string) => `hello from C\nadd: 5 scale: 21 on ${target}\n`;
/** zig builds libc (musl, glibc stubs, mingw) from source the first time: minutes on a cold machine. */
const ZIG_COLD = 600_000;
const TARGETS = ['linux/amd64', 'linux/arm64', 'windows/386', 'windows/amd64', 'darwin/arm64'];

let dir: string;

beforeAll(async () => {
  ({ dir } = await fixtureRepo('cgo'));
  await buildScaleLibraries(dir, TARGETS);
});

async function buildJson(args: string[], env: NodeJS.ProcessEnv = testEnv()) {
  const result = await crossgo(['-C', dir, 'build', '--json', ...args], { env });
  if (result.code !== 0 && result.stdout === '') throw new Error(result.stderr);
  return { code: result.code, manifest: JSON.parse(result.stdout) as Manifest, stderr: result.stderr };
}

async function inspectOne(file: string): Promise<Inspection> {
  const result = await crossgo(['inspect', '--json', file], { env: testEnv() });
  return (JSON.parse(result.stdout) as Inspection[])[0] as Inspection;
}

/** The DT_NEEDED libraries and the interpreter, from readelf. */
async function readelfLinking(file: string): Promise<{ needed: string[]; interpreter: string | null }> {
  const dynamic = await runTool('readelf', ['-dW', file]);
  const program = await runTool('readelf', ['-lW', file]);
  return {
    needed: [...dynamic.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map(
      (m) => m[1] as string,
    ),
    interpreter: /Requesting program interpreter: ([^\]]+)\]/.exec(program.stdout)?.[1] ?? null,
  };
}

describe('cgo builds with real C toolchains', () => {
  it('auto finds import "C" and builds linux/amd64 with the host gcc; it runs here', async () => {
    const { code, manifest } = await buildJson([
      '--cgo',
      'auto',
      '--cc',
      'host',
      '-t',
      'linux/amd64',
      '-o',
      'out/host',
    ]);
    expect(code).toBe(0);
    const artifact = binaries(manifest)[0];
    expect(artifact?.cgo).toMatchObject({
      enabled: true,
      mode: 'auto',
      packages: ['example.com/cgocalc'],
      static: false,
      compiler: { kind: 'host', cc: 'gcc', triple: null },
    });
    const gccVersion = (await runTool('gcc', ['--version'])).stdout.split('\n')[0];
    expect(artifact?.cgo.compiler?.version).toBe(gccVersion);
    expect(artifact?.env).toMatchObject({ CGO_ENABLED: '1', CC: 'gcc' });
    const file = path.join(dir, 'out/host', artifact?.path as string);
    expect((await runTool(file, [])).stdout).toBe(EXPECTED_OUTPUT('linux/amd64'));
    const facts = await inspectOne(file);
    const oracle = await readelfLinking(file);
    expect(facts.static).toBe(false);
    expect(facts.libraries).toEqual(oracle.needed);
    expect(facts.libraries).toContain('libc.so.6');
    expect(facts.interpreter).toBe(oracle.interpreter);
    expect(facts.go?.settings.CGO_ENABLED).toBe('1');
  });

  it(
    'builds linux/arm64 with the Debian cross gcc and with zig; both run under qemu-user',
    async () => {
      const [cross, zig] = await Promise.all([
        buildJson(['--cgo', 'on', '--cc', 'cross', '-t', 'linux/arm64', '-o', 'out/cross']),
        buildJson(['--cgo', 'on', '--cc', 'zig', '-t', 'linux/arm64', '-o', 'out/zig']),
      ]);
      expect(cross.code).toBe(0);
      expect(zig.code).toBe(0);
      expect(binaries(cross.manifest)[0]?.cgo.compiler).toMatchObject({
        kind: 'cross',
        cc: 'aarch64-linux-gnu-gcc',
      });
      const zigRelease = (await runTool(await zigBinary(), ['version'])).stdout.trim();
      expect(binaries(zig.manifest)[0]?.cgo.compiler).toMatchObject({
        kind: 'zig',
        triple: 'aarch64-linux-gnu',
        version: `zig ${zigRelease}`,
        cc: `${await zigBinary()} cc -target aarch64-linux-gnu`,
      });
      for (const [out, m] of [
        ['out/cross', cross.manifest],
        ['out/zig', zig.manifest],
      ] as const) {
        const file = path.join(dir, out, binaries(m)[0]?.path as string);
        const run = await runTool('qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', file]);
        expect(run.stdout).toBe(EXPECTED_OUTPUT('linux/arm64'));
        const facts = await inspectOne(file);
        const oracle = await readelfLinking(file);
        expect(facts).toMatchObject({
          goarch: 'arm64',
          static: false,
          interpreter: '/lib/ld-linux-aarch64.so.1',
        });
        expect(facts.libraries).toEqual(oracle.needed);
        // -s -w reaches the C side too: no symbols, no DWARF, no build paths (verify ran in the build).
        expect(binaries(m)[0]?.verification?.ok).toBe(true);
        expect(facts.stripped).toBe(true);
      }
    },
    ZIG_COLD,
  );

  it('builds windows/386 and windows/amd64 with mingw-w64, importing only system DLLs', async () => {
    const { code, manifest } = await buildJson([
      '--cgo',
      'on',
      '--cc',
      'cross',
      '-t',
      'windows/386,windows/amd64',
      '-o',
      'out/windows',
    ]);
    expect(code).toBe(0);
    const compilers = binaries(manifest).map((a) => [a.target, a.cgo.compiler?.cc]);
    expect(compilers).toEqual([
      ['windows/386', 'i686-w64-mingw32-gcc'],
      ['windows/amd64', 'x86_64-w64-mingw32-gcc'],
    ]);
    for (const artifact of binaries(manifest)) {
      const file = path.join(dir, 'out/windows', artifact.path);
      const facts = await inspectOne(file);
      const objdump = await runTool('llvm-objdump', ['-p', file]);
      const dlls = [...objdump.stdout.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1] as string);
      expect(facts.libraries.map((l) => l.toLowerCase()).sort()).toEqual(
        dlls.map((l) => l.toLowerCase()).sort(),
      );
      // The C runtime comes from msvcrt.dll (mingw-w64's default), the rest from kernel32.
      expect(dlls.map((d) => d.toLowerCase())).toEqual(
        expect.arrayContaining(['kernel32.dll', 'msvcrt.dll']),
      );
      expect(facts.go?.settings.CGO_ENABLED).toBe('1');
      expect((await runTool('file', ['-b', file])).stdout).toMatch(
        artifact.goarch === '386'
          ? /^PE32 executable \(console\) Intel 80386/
          : /^PE32\+ executable \(console\) x86-64/,
      );
    }
  });

  it(
    '--static links linux/amd64 against musl through zig; verify and the oracles say static',
    async () => {
      const { code, manifest } = await buildJson([
        '--cgo',
        'on',
        '--static',
        '-t',
        'linux/amd64',
        '-o',
        'out/static',
      ]);
      expect(code).toBe(0);
      const artifact = binaries(manifest)[0];
      expect(artifact?.cgo).toMatchObject({
        enabled: true,
        static: true,
        compiler: { kind: 'zig', triple: 'x86_64-linux-musl' },
      });
      expect(artifact?.argv.join(' ')).toContain("-linkmode=external '-extldflags=-static -s'");
      const file = path.join(dir, 'out/static', artifact?.path as string);
      expect((await runTool(file, [])).stdout).toBe(EXPECTED_OUTPUT('linux/amd64'));
      expect(await readelfLinking(file)).toEqual({ needed: [], interpreter: null });
      expect((await runTool('file', ['-b', file])).stdout).toMatch(/statically linked/);
      const verify = await crossgo(
        ['verify', '--json', '--manifest', path.join(dir, 'out/static/manifest.json')],
        {
          env: testEnv(),
        },
      );
      expect(verify.code).toBe(0);
      const [report] = JSON.parse(verify.stdout) as {
        checks: { name: string; status: string; detail: string }[];
      }[];
      expect(report?.checks.find((c) => c.name === 'static')).toMatchObject({
        status: 'pass',
        detail: 'no dynamic libraries',
      });
      // The host gcc's glibc build of the same program is not static: verify --static says so.
      const dynamic = await crossgo(['verify', '--static', path.join(dir, 'out/host/cgocalc-linux-amd64')], {
        env: testEnv(),
      });
      expect(dynamic.code).toBe(1);
      expect(dynamic.stdout).toMatch(
        /static\s+FAIL\s+linked statically on purpose but it links interpreter \/lib64\/ld-linux-x86-64\.so\.2 and librar(y|ies) .*libc\.so\.6.*, beyond what linux\/amd64 requires \(no interpreter, no libraries\)/,
      );
    },
    ZIG_COLD,
  );

  it(
    'builds darwin/arm64 through zig: a signed Mach-O arm64 that links libSystem',
    async () => {
      const { code, manifest, stderr } = await buildJson([
        '--cgo',
        'on',
        '-t',
        'darwin/arm64',
        '-o',
        'out/darwin',
      ]);
      expect(stderr).not.toMatch(/FAILED/);
      expect(code).toBe(0);
      const artifact = binaries(manifest)[0];
      expect(artifact?.cgo.compiler).toMatchObject({ kind: 'zig', triple: 'aarch64-macos.12.0' });
      // The link stubs for the two system libraries Go's own packages link (see src/cgo/darwin.ts).
      expect(artifact?.cgo.compiler?.flags.join(' ')).toMatch(
        /-L\S+macos-stubs\/v1\/usr\/lib -F\S+macos-stubs\/v1\/Frameworks/,
      );
      const file = path.join(dir, 'out/darwin', artifact?.path as string);
      const facts = await inspectOne(file);
      const dylibs = await runTool('llvm-objdump', ['--macho', '--dylibs-used', file]);
      const oracle = dylibs.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim().replace(/ \(compatibility.*$/, ''))
        .filter(Boolean);
      expect(facts).toMatchObject({
        format: 'macho',
        goos: 'darwin',
        goarch: 'arm64',
        codeSignature: 'adhoc-valid',
        minOS: '12.0',
      });
      expect(facts.libraries).toEqual(oracle);
      expect(facts.libraries).toContain('/usr/lib/libSystem.B.dylib');
      expect((await runTool('file', ['-b', file])).stdout).toMatch(/^Mach-O 64-bit arm64 executable/);
    },
    ZIG_COLD,
  );

  it(
    'refuses darwin when the code links an Apple framework, and uses --macos-sdk when given',
    async () => {
      const { dir: iokit } = await fixtureRepo('cgo-framework');
      const refused = await crossgo(['-C', iokit, 'build', '--cgo', 'auto', '-t', 'darwin/arm64'], {
        env: testEnv(),
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(
        'crossgo: darwin/arm64: the build links Apple frameworks IOKit (example.com/usesiokit); zig ships no Apple SDK, so this needs one: --macos-sdk PATH/MacOSX.sdk (or build on a Mac)',
      );
      // A stand-in SDK with text stubs of the libraries the link needs (a real MacOSX.sdk has them all).
      const sdk = path.join(await tempDir(), 'MacOSX.sdk');
      const stub = (installName: string, symbols: string[]) =>
        `--- !tapi-tbd\ntbd-version: 4\ntargets: [ arm64-macos ]\ninstall-name: '${installName}'\nexports:\n  - targets: [ arm64-macos ]\n    symbols: [ ${symbols.join(', ')} ]\n...\n`;
      const frameworks = path.join(sdk, 'System/Library/Frameworks');
      await mkdir(path.join(frameworks, 'IOKit.framework'), { recursive: true });
      await mkdir(path.join(frameworks, 'CoreFoundation.framework'), { recursive: true });
      await mkdir(path.join(sdk, 'usr/lib'), { recursive: true });
      await writeFile(
        path.join(frameworks, 'IOKit.framework/IOKit.tbd'),
        stub('/System/Library/Frameworks/IOKit.framework/Versions/A/IOKit', ['_IOObjectRelease']),
      );
      await writeFile(
        path.join(frameworks, 'CoreFoundation.framework/CoreFoundation.tbd'),
        stub('/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation', ['_CFRelease']),
      );
      await writeFile(
        path.join(sdk, 'usr/lib/libresolv.tbd'),
        stub('/usr/lib/libresolv.9.dylib', ['_res_9_ninit', '_res_9_nclose', '_res_9_nsearch']),
      );
      const built = await crossgo(
        ['-C', iokit, 'build', '--json', '--cgo', 'auto', '--macos-sdk', sdk, '-t', 'darwin/arm64'],
        { env: testEnv() },
      );
      expect(built.code).toBe(0);
      const artifact = binaries(JSON.parse(built.stdout) as Manifest)[0];
      expect(artifact?.cgo.compiler?.flags).toEqual([`-F${frameworks}`, `-L${path.join(sdk, 'usr/lib')}`]);
      const facts = await inspectOne(path.join(iokit, 'dist', artifact?.path as string));
      expect(facts.libraries).toContain('/System/Library/Frameworks/IOKit.framework/Versions/A/IOKit');
    },
    ZIG_COLD,
  );

  it(
    'takes cgo, cc and static from the config, per target through overrides',
    async () => {
      await writeFile(
        path.join(dir, 'crossgo.yaml'),
        [
          'cgo: auto',
          'cc: zig',
          'overrides:',
          '  "windows/*":',
          '    cc: cross',
          '  linux/arm64:',
          '    env:',
          '      CC: aarch64-linux-gnu-gcc',
          '  linux/amd64:',
          '    static: true',
          '',
        ].join('\n'),
      );
      try {
        const { code, manifest } = await buildJson([
          '-t',
          'linux/amd64,linux/arm64,windows/amd64',
          '-o',
          'out/config',
        ]);
        expect(code).toBe(0);
        expect(
          binaries(manifest).map((a) => [
            a.target,
            a.cgo.compiler?.kind,
            a.cgo.compiler?.cc.split('/').at(-1),
            a.cgo.static,
          ]),
        ).toEqual([
          ['linux/amd64', 'zig', 'zig cc -target x86_64-linux-musl', true],
          ['linux/arm64', 'explicit', 'aarch64-linux-gnu-gcc', false],
          ['windows/amd64', 'cross', 'x86_64-w64-mingw32-gcc', false],
        ]);
      } finally {
        await rm(path.join(dir, 'crossgo.yaml'));
      }
    },
    ZIG_COLD,
  );

  it('auto leaves cgo off for pure Go code, and refuses cgo for a port without it', async () => {
    const { dir: greet } = await fixtureRepo('greet');
    const auto = await crossgo(['-C', greet, 'build', '--json', '--cgo', 'auto', '-t', 'linux/amd64'], {
      env: testEnv(),
    });
    expect(auto.code).toBe(0);
    const artifact = binaries(JSON.parse(auto.stdout) as Manifest)[0];
    expect(artifact?.cgo).toEqual({
      enabled: false,
      mode: 'auto',
      packages: [],
      static: false,
      compiler: null,
    });
    expect(artifact?.env.CGO_ENABLED).toBe('0');
    const wasm = await crossgo(['-C', dir, 'build', '--cgo', 'auto', '-t', 'js/wasm'], { env: testEnv() });
    expect(wasm.code).toBe(2);
    expect(wasm.stderr.trim()).toBe(
      'crossgo: js/wasm does not support cgo (go tool dist list): example.com/cgocalc import "C"',
    );
    const badMode = await crossgo(['-C', dir, 'build', '--cgo', 'maybe'], { env: testEnv() });
    expect(badMode.code).toBe(2);
    expect(badMode.stderr.trim()).toBe('crossgo: --cgo "maybe": expected off, on or auto');
  });

  it('says which target lacks a C compiler and what to install', async () => {
    // A PATH with go and git only: no gcc, no cross compilers, no python3 (so no ziglang).
    const bin = path.join(await tempDir(), 'bin');
    await mkdir(bin);
    for (const tool of ['go', 'git']) {
      const found = (await runTool('sh', ['-c', `command -v ${tool}`])).stdout.trim();
      await symlink(found, path.join(bin, tool));
    }
    const env = testEnv({ PATH: bin });
    const windows = await crossgo(['-C', dir, 'build', '--cgo', 'on', '-t', 'windows/386'], { env });
    expect(windows.code).toBe(1);
    expect(windows.stderr.trim()).toBe(
      'crossgo: windows/386 needs a C compiler (cgo on): none found; install one: pip install ziglang, or apt-get install gcc-mingw-w64-i686',
    );
    const musl = await crossgo(['-C', dir, 'build', '--cgo', 'auto', '--static', '-t', 'linux/arm64'], {
      env,
    });
    expect(musl.stderr.trim()).toBe(
      'crossgo: linux/arm64 links statically against musl through zig (example.com/cgocalc imports "C"): none found; install one: pip install ziglang',
    );
    const explicit = await crossgo(
      ['-C', dir, 'build', '--cgo', 'on', '--cc', 'clang-99', '-t', 'linux/amd64'],
      { env },
    );
    expect(explicit.stderr.trim()).toBe('crossgo: --cc clang-99: clang-99 not found on PATH');
  });
});
