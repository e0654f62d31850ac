import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHint, joinCommand, splitCommand } from '../../src/cgo/compilers.js';
import { cgoUseOf, detectCgo } from '../../src/cgo/detect.js';
import { debianCrossCompiler, debianSysroot, zigTriple } from '../../src/cgo/triples.js';
import { UsageError } from '../../src/errors.js';
import { expandTargets, type Target } from '../../src/targets/parse.js';
import type { Port } from '../../src/targets/ports.js';
import { findGo } from '../../src/toolchain/go.js';
import { realPorts } from './support/ports.js';

let ports: Port[];
beforeAll(() => {
  ports = realPorts();
});
const target = (spec: string) => expandTargets(spec, ports)[0] as Target;

describe('zigTriple', () => {
  it.each([
    ['linux/amd64', false, 'x86_64-linux-gnu'],
    ['linux/amd64', true, 'x86_64-linux-musl'],
    ['linux/386', false, 'x86-linux-gnu'],
    ['linux/arm64', true, 'aarch64-linux-musl'],
    ['linux/arm', false, 'arm-linux-gnueabihf'],
    ['linux/arm/5', false, 'arm-linux-gnueabi'],
    ['linux/mipsle', false, 'mipsel-linux-gnueabihf'],
    ['linux/mips/softfloat', false, 'mips-linux-gnueabi'],
    ['linux/mips64le', false, 'mips64el-linux-gnuabi64'],
    ['linux/loong64', false, 'loongarch64-linux-gnu'],
    ['windows/386', false, 'x86-windows-gnu'],
    ['windows/arm64', false, 'aarch64-windows-gnu'],
    ['darwin/arm64', false, 'aarch64-macos.12.0'],
    ['darwin/amd64', false, 'x86_64-macos.12.0'],
  ])('%s (static %s) → %s', (spec, isStatic, triple) => {
    expect(zigTriple(target(spec), { static: isStatic })).toBe(triple);
  });

  it('has none where zig gives Go no C toolchain', () => {
    expect(zigTriple(target('freebsd/amd64'), { static: false })).toBeNull();
    expect(zigTriple(target('linux/ppc64'), { static: false })).toBeNull();
  });
});

describe('Debian cross compilers', () => {
  it('names the compiler and the package for Linux and Windows targets', () => {
    expect(debianCrossCompiler(target('linux/arm64'))).toEqual({
      cc: 'aarch64-linux-gnu-gcc',
      cxx: 'aarch64-linux-gnu-g++',
      packages: ['gcc-aarch64-linux-gnu', 'g++-aarch64-linux-gnu'],
    });
    expect(debianCrossCompiler(target('linux/arm/6'))?.cc).toBe('arm-linux-gnueabihf-gcc');
    expect(debianCrossCompiler(target('windows/386'))?.packages[0]).toBe('gcc-mingw-w64-i686');
    expect(debianCrossCompiler(target('windows/amd64'))?.cc).toBe('x86_64-w64-mingw32-gcc');
    expect(debianCrossCompiler(target('darwin/arm64'))).toBeNull();
    expect(debianSysroot(target('linux/arm64'))).toBe('/usr/aarch64-linux-gnu');
  });

  it('hints at what to install, musl only through zig', () => {
    expect(installHint(target('windows/386'), { static: false })).toBe(
      'install one: pip install ziglang, or apt-get install gcc-mingw-w64-i686',
    );
    expect(installHint(target('linux/arm64'), { static: true })).toBe('install one: pip install ziglang');
    expect(installHint(target('darwin/arm64'), { static: false })).toBe('install one: pip install ziglang');
    expect(installHint(target('plan9/amd64'), { static: false })).toBe(
      'crossgo knows no C cross compiler for plan9/amd64: set one with --cc',
    );
  });
});

describe('splitCommand and joinCommand', () => {
  it('split like cmd/internal/quoted and join back to the same words', () => {
    const cases: [string, string[]][] = [
      ['gcc', ['gcc']],
      ['  zig cc  -target aarch64-linux-gnu ', ['zig', 'cc', '-target', 'aarch64-linux-gnu']],
      ["'/opt/my tools/cc' -m32", ['/opt/my tools/cc', '-m32']],
      ['"/opt/it\'s/cc" -O2', ["/opt/it's/cc", '-O2']],
    ];
    for (const [text, words] of cases) {
      expect(splitCommand(text, '--cc')).toEqual(words);
      expect(splitCommand(joinCommand(words), '--cc')).toEqual(words);
    }
  });

  it('refuses an empty command and an open quote', () => {
    expect(() => splitCommand('   ', '--cc')).toThrow(UsageError);
    expect(() => splitCommand("'gcc", '--cc')).toThrow(/unterminated ' string/);
  });
});

describe('cgoUseOf', () => {
  it('keeps non-standard packages with cgo files and the frameworks they link', () => {
    const use = cgoUseOf([
      {
        ImportPath: 'runtime/cgo',
        Standard: true,
        CgoFiles: ['cgo.go'],
        CgoLDFLAGS: ['-framework', 'CoreFoundation'],
      },
      { ImportPath: 'net', Standard: true, CgoFiles: ['cgo_unix.go'] },
      { ImportPath: 'example.com/pure' },
      {
        ImportPath: 'example.com/hid',
        CgoFiles: ['hid.go'],
        CgoLDFLAGS: ['-framework', 'IOKit', '-Wl,-framework,Carbon', '-lz'],
      },
      { ImportPath: 'example.com/app', CgoFiles: ['main.go'], CgoLDFLAGS: [] },
    ]);
    expect(use).toEqual({
      packages: ['example.com/hid', 'example.com/app'],
      frameworks: [
        { pkg: 'example.com/hid', framework: 'IOKit' },
        { pkg: 'example.com/hid', framework: 'Carbon' },
      ],
    });
  });
});

describe('installHint for the host target', () => {
  it('suggests the host gcc, and Debian spells x86_64 as x86-64 in package names', () => {
    expect(installHint(target('linux/amd64'), { static: false, host: true })).toBe(
      'install one: pip install ziglang, or apt-get install gcc',
    );
    expect(debianCrossCompiler(target('linux/amd64'))?.packages[0]).toBe('gcc-x86-64-linux-gnu');
  });
});

describe('detectCgo: the target alone sets its level', () => {
  // A module whose only cgo file is for amd64.v3 (go/build's ToolTags from GOAMD64): build
  // clears GOAMD64 from the shell, so for linux/amd64 it compiles for v1 and needs no cgo.
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-levels-'));
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/levels\n\ngo 1.21\n');
    await writeFile(path.join(dir, 'main.go'), 'package main\n\nfunc main() { println(fast()) }\n');
    await writeFile(
      path.join(dir, 'plain.go'),
      '//go:build !amd64.v3\n\npackage main\n\nfunc fast() int { return 1 }\n',
    );
    await writeFile(
      path.join(dir, 'fast.go'),
      '//go:build amd64.v3\n\npackage main\n\n// static int three(void) { return 3; }\nimport "C"\n\nfunc fast() int { return int(C.three()) }\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const detect = async (env: NodeJS.ProcessEnv, spec: string) => {
    const go = await findGo({ cwd: dir, env });
    return detectCgo(go, 'example.com/levels', target(spec), { cwd: dir, env, tags: [] });
  };

  it('ignores GOAMD64 (v3, or an invalid v9) from the shell, as build does', async () => {
    const clean: NodeJS.ProcessEnv = { ...process.env, GOENV: 'off' };
    delete clean.GOAMD64;
    expect((await detect(clean, 'linux/amd64')).packages).toEqual([]);
    expect((await detect({ ...clean, GOAMD64: 'v3' }, 'linux/amd64')).packages).toEqual([]);
    expect((await detect({ ...clean, GOAMD64: 'v9' }, 'linux/amd64')).packages).toEqual([]);
    // The target's own level still counts.
    expect((await detect({ ...clean, GOAMD64: 'v1' }, 'linux/amd64/v3')).packages).toEqual([
      'example.com/levels',
    ]);
  });
});
