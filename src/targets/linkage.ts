/**
 * What a pure-Go (CGO_ENABLED=0) executable of each port links or loads, as Go's own linker
 * decides it, and which ports Go cannot link at all without cgo. Paths below are in Go's source
 * tree (go1.26); test/unit/linkage.test.ts and test/e2e/port-linkage.test.ts check every entry
 * against the installed toolchain with readelf, llvm-readobj, llvm-objdump and Go's XCOFF reader.
 *
 * Why anything is linked at all: cmd/link/internal/ld/target.go (UsesLibc) names the ports where
 * Go makes system calls through the OS's C library, not by trap: aix, darwin (and ios), openbsd,
 * solaris (and illumos), windows. Their runtime and syscall packages declare each function with
 * `//go:cgo_import_dynamic local remote "library"`, and the linker records a library as soon as
 * one of its functions is reachable. Everywhere else an executable with no dynamic import gets
 * no interpreter and no dynamic section: cmd/link/internal/ld/lib.go sets -d ("disable dynamic
 * executable") for BuildModeExe when `havedynamic == 0`, except on darwin and solaris.
 */

export interface PortLinkage {
  /**
   * The program interpreter (ELF PT_INTERP) or dynamic linker (Mach-O LC_LOAD_DYLINKER) the
   * executable names, or null when it names none.
   */
  interpreter: string | null;
  /**
   * Every library a pure-Go program of the port may import: the union of the standard
   * library's `cgo_import_dynamic` pragmas for it. A program links the ones it reaches (a
   * hello world on darwin links libSystem alone; one that reads the system's certificates
   * links CoreFoundation and Security too), never another.
   */
  libraries: readonly string[];
  /** Whether a default build is a position-independent executable (internal/platform DefaultPIE). */
  pie: boolean;
  /**
   * Why go cannot link the port without cgo (it needs the external linker, so a C toolchain),
   * in go's own words; null when its internal linker can.
   */
  externalLinking: string | null;
  /** The Go sources (paths in Go's repository) that decide this entry. */
  sources: readonly string[];
}

const LIBC_PORTS_SOURCE = 'src/cmd/link/internal/ld/target.go (UsesLibc)';
const STATIC_SOURCE = 'src/cmd/link/internal/ld/lib.go (havedynamic == 0 sets -d for BuildModeExe)';
const PLATFORM_SOURCE =
  'src/internal/platform/supported.go (MustLinkExternal, DefaultPIE, InternalLinkPIESupported)';

/** darwin and ios: dyld, libSystem, and the two frameworks crypto/x509 asks for the system roots. */
const DARWIN: Omit<PortLinkage, 'externalLinking' | 'pie'> = {
  interpreter: '/usr/lib/dyld',
  libraries: [
    '/usr/lib/libSystem.B.dylib',
    '/usr/lib/libresolv.9.dylib',
    '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation',
    '/System/Library/Frameworks/Security.framework/Versions/A/Security',
  ],
  sources: [
    LIBC_PORTS_SOURCE,
    'src/cmd/link/internal/ld/macho.go (LC_LOAD_DYLINKER /usr/lib/dyld)',
    'src/runtime/sys_darwin.go (libSystem.B.dylib)',
    'src/internal/syscall/unix/net_darwin.go (libresolv.9.dylib: res_9_nsearch)',
    'src/crypto/x509/internal/macos/corefoundation.go (CoreFoundation)',
    'src/crypto/x509/internal/macos/security.go (Security)',
  ],
};

/** OpenBSD: every system call through libc since Go 1.16 (1.22 on all its architectures). */
const OPENBSD: Omit<PortLinkage, 'externalLinking' | 'pie'> = {
  interpreter: '/usr/libexec/ld.so',
  libraries: ['libc.so', 'libpthread.so'],
  sources: [
    LIBC_PORTS_SOURCE,
    'src/cmd/link/internal/{386,amd64,arm,arm64,mips64,ppc64,riscv64}/obj.go (Openbsddynld)',
    'src/runtime/sys_openbsd.go (libc.so, libpthread.so)',
    'src/syscall/zsyscall_openbsd_*.go (libc.so)',
  ],
};

/** Solaris and illumos: libc, and the two libraries the socket and sendfile calls live in. */
const SOLARIS: Omit<PortLinkage, 'externalLinking' | 'pie'> = {
  interpreter: '/lib/amd64/ld.so.1',
  libraries: ['libc.so', 'libsocket.so', 'libsendfile.so'],
  sources: [
    LIBC_PORTS_SOURCE,
    'src/cmd/link/internal/ld/lib.go (no -d on solaris: "doesn\'t support statically linked binaries")',
    'src/cmd/link/internal/amd64/obj.go (Solarisdynld)',
    'src/runtime/os3_solaris.go, src/runtime/syscall2_solaris.go, src/runtime/os_illumos.go (libc.so)',
    'src/syscall/zsyscall_solaris_amd64.go (libsocket.so, libsendfile.so)',
    'src/internal/poll/sendfile_solaris.go (libsendfile.so)',
  ],
};

const NOTHING: Omit<PortLinkage, 'externalLinking' | 'pie'> = {
  interpreter: null,
  libraries: [],
  sources: [STATIC_SOURCE],
};

function baseFor(goos: string, goarch: string): Omit<PortLinkage, 'externalLinking' | 'pie'> {
  switch (goos) {
    case 'darwin':
    case 'ios':
      return DARWIN;
    case 'openbsd':
      return OPENBSD;
    case 'solaris':
    case 'illumos':
      return SOLARIS;
    case 'windows':
      // Every other DLL the runtime and syscall use is loaded at run time (LoadLibraryExW),
      // so it is not in the import table.
      return {
        interpreter: null,
        libraries: ['kernel32.dll'],
        sources: [
          LIBC_PORTS_SOURCE,
          'src/cmd/link/internal/ld/pe.go (the import table from the dynamic imports)',
          'src/runtime/os_windows.go, src/syscall/dll_windows.go (kernel32.dll)',
        ],
      };
    case 'aix':
      // The XCOFF loader section's import file IDs, spelled as AIX's tools print them.
      return {
        interpreter: null,
        libraries: ['libc.a(shr_64.o)', 'libpthread.a(shr_xpg5_64.o)'],
        sources: [
          LIBC_PORTS_SOURCE,
          "src/cmd/link/internal/ld/xcoff.go (the loader section's import IDs, Limpidbase/Limpidmem)",
          'src/runtime/os2_aix.go (libc.a/shr_64.o, libpthread.a/shr_xpg5_64.o)',
          'src/syscall/zsyscall_aix_ppc64.go (libc.a/shr_64.o)',
        ],
      };
    case 'android':
      // Android executables are PIEs, and a PIE keeps its interpreter: bionic's linker.
      return {
        interpreter: goarch === 'arm64' || goarch === 'amd64' ? '/system/bin/linker64' : '/system/bin/linker',
        libraries: [],
        sources: [
          'src/cmd/link/internal/arm64/obj.go (Androiddynld /system/bin/linker64)',
          'src/cmd/link/internal/ld/elf.go (PT_INTERP for Hlinux with GOOS=android)',
          PLATFORM_SOURCE,
        ],
      };
    default:
      // linux, freebsd, netbsd, dragonfly: system calls by trap, nothing dynamic. plan9 a.out
      // and wasm (js, wasip1) have no shared libraries at all.
      return NOTHING;
  }
}

/** internal/platform.MustLinkExternal(goos, goarch, false): Go 1.26's list. */
function mustLinkExternal(goos: string, goarch: string): boolean {
  return (goos === 'android' && goarch !== 'arm64') || (goos === 'ios' && goarch === 'arm64');
}

/** internal/platform.DefaultPIE(goos, goarch, race=false). */
function defaultPie(goos: string): boolean {
  return ['android', 'ios', 'darwin', 'windows'].includes(goos);
}

/** internal/platform.InternalLinkPIESupported. */
const INTERNAL_PIE = new Set([
  'android/arm64',
  'darwin/amd64',
  'darwin/arm64',
  'linux/amd64',
  'linux/arm64',
  'linux/loong64',
  'linux/ppc64le',
  'windows/386',
  'windows/amd64',
  'windows/arm64',
]);

/**
 * Why go cannot link goos/goarch without cgo, as cmd/go says it
 * (src/cmd/go/internal/load/pkg.go, externalLinkingReason), or null.
 */
export function externalLinkingReason(goos: string, goarch: string): string | null {
  if (mustLinkExternal(goos, goarch)) return `${goos}/${goarch} requires external (cgo) linking`;
  if (defaultPie(goos) && !INTERNAL_PIE.has(`${goos}/${goarch}`))
    return 'default PIE binary requires external (cgo) linking';
  return null;
}

/** What a pure-Go executable of goos/goarch links or loads. */
export function linkageFor(goos: string, goarch: string): PortLinkage {
  const base = baseFor(goos, goarch);
  const externalLinking = externalLinkingReason(goos, goarch);
  return {
    ...base,
    pie: defaultPie(goos),
    externalLinking,
    sources: externalLinking ? [...base.sources, PLATFORM_SOURCE] : base.sources,
  };
}

/** One name for a library however a format or tool spells it: PE names are case-blind, AIX's `a/b` is `a(b)`. */
function libraryKey(name: string): string {
  const member = /^(.*\.a)\/([^/]+\.o)$/.exec(name);
  const spelled = member ? `${member[1]}(${member[2]})` : name;
  return /\.dll$/i.test(spelled) ? spelled.toLowerCase() : spelled;
}

export interface UnexpectedLinks {
  /** The interpreter named when the port names another one (or none). */
  interpreter: string | null;
  libraries: string[];
}

/** What an executable links beyond what its port requires; null when nothing. */
export function unexpectedLinks(
  linkage: PortLinkage,
  interpreter: string | null,
  libraries: readonly string[],
): UnexpectedLinks | null {
  const allowed = new Set(linkage.libraries.map(libraryKey));
  const extra = libraries.filter((name) => !allowed.has(libraryKey(name)));
  const wrongInterpreter = interpreter !== null && interpreter !== linkage.interpreter ? interpreter : null;
  return extra.length === 0 && wrongInterpreter === null
    ? null
    : { interpreter: wrongInterpreter, libraries: extra };
}
