import type { Target } from '../targets/parse.js';

/**
 * Where a C compiler for each Go target comes from. zig's `-target` triples
 * (zig targets: arch-os-abi; `x86` is zig's name for i386), the Debian cross compilers
 * and the packages that carry them (bookworm: gcc-<triple> and the mingw-w64 builds).
 */

/** Go's GOARCH → zig's architecture name. */
const ZIG_ARCH: Record<string, string> = {
  amd64: 'x86_64',
  '386': 'x86',
  arm64: 'aarch64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64le: 'powerpc64le',
  s390x: 's390x',
  loong64: 'loongarch64',
  mips: 'mips',
  mipsle: 'mipsel',
  mips64: 'mips64',
  mips64le: 'mips64el',
};

/**
 * The lowest macOS zig should target: Go 1.25 and 1.26 need macOS 12 (Monterey), and a binary
 * marked for a newer release (zig's default is its own newest) refuses to start on older Macs.
 */
export const MACOS_MIN = '12.0';

/** The zig -target triple for a target, or null when zig cannot give Go a C toolchain for it. */
export function zigTriple(target: Target, opts: { static: boolean }): string | null {
  const arch = ZIG_ARCH[target.goarch];
  if (!arch) return null;
  switch (target.goos) {
    case 'linux': {
      const libc = opts.static ? 'musl' : 'gnu';
      return `${arch}-linux-${libc}${linuxAbiSuffix(target)}`;
    }
    case 'windows':
      return ['x86_64', 'x86', 'aarch64'].includes(arch) ? `${arch}-windows-gnu` : null;
    case 'darwin':
      return ['x86_64', 'aarch64'].includes(arch) ? `${arch}-macos.${MACOS_MIN}` : null;
    default:
      return null;
  }
}

/**
 * The float ABI part of a Linux triple: Go's arm uses hard float from GOARM=6 up (GOARM=5 is
 * soft float), mips and mipsle hard float unless GOMIPS=softfloat; mips64 uses n64.
 */
function linuxAbiSuffix(target: Target): string {
  const level = target.level?.value;
  if (target.goarch === 'arm') return level === '5' ? 'eabi' : 'eabihf';
  if (target.goarch === 'mips' || target.goarch === 'mipsle')
    return level === 'softfloat' ? 'eabi' : 'eabihf';
  if (target.goarch === 'mips64' || target.goarch === 'mips64le') return 'abi64';
  return '';
}

/** A Debian cross compiler: the gcc and g++ commands and the packages that install them. */
export interface CrossCompiler {
  cc: string;
  cxx: string;
  packages: string[];
}

/** The GNU triple Debian names its cross toolchains after, per Linux GOARCH. */
const DEBIAN_LINUX: Record<string, string> = {
  amd64: 'x86_64-linux-gnu',
  '386': 'i686-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
  ppc64le: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  mips: 'mips-linux-gnu',
  mipsle: 'mipsel-linux-gnu',
  mips64: 'mips64-linux-gnuabi64',
  mips64le: 'mips64el-linux-gnuabi64',
};

/** The Debian cross compiler for a target, or null when Debian has none. */
export function debianCrossCompiler(target: Target): CrossCompiler | null {
  if (target.goos === 'windows') {
    const mingw =
      target.goarch === 'amd64'
        ? { triple: 'x86_64-w64-mingw32', pkg: 'x86-64' }
        : target.goarch === '386'
          ? { triple: 'i686-w64-mingw32', pkg: 'i686' }
          : null;
    if (!mingw) return null;
    return {
      cc: `${mingw.triple}-gcc`,
      cxx: `${mingw.triple}-g++`,
      packages: [`gcc-mingw-w64-${mingw.pkg}`, `g++-mingw-w64-${mingw.pkg}`],
    };
  }
  if (target.goos !== 'linux') return null;
  const triple =
    target.goarch === 'arm'
      ? target.level?.value === '5'
        ? 'arm-linux-gnueabi'
        : 'arm-linux-gnueabihf'
      : DEBIAN_LINUX[target.goarch];
  if (!triple) return null;
  return {
    cc: `${triple}-gcc`,
    cxx: `${triple}-g++`,
    // Debian package names spell x86_64 as x86-64.
    packages: [`gcc-${triple.replaceAll('_', '-')}`, `g++-${triple.replaceAll('_', '-')}`],
  };
}

/** The Debian multiarch folder holding a Linux target's libc (what qemu-user's -L needs). */
export function debianSysroot(target: Target): string | null {
  const cross = debianCrossCompiler(target);
  return target.goos === 'linux' && cross ? `/usr/${cross.cc.slice(0, -'-gcc'.length)}` : null;
}
