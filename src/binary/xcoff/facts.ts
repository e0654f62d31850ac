import { readBuildInfo } from '../buildinfo/read.js';
import { FormatError } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { BinaryFacts, GoBuildInfo } from '../types.js';
import {
  F_EXEC,
  F_SHROBJ,
  libraryName,
  readXcoff,
  SSUBTYP_DWINFO,
  STYP_BSS,
  STYP_DWARF,
  type XcoffFile,
  xcoffAddressSpace,
} from './read.js';

/**
 * What every pure-Go aix/ppc64 program imports through the loader: the runtime and syscall
 * packages call the OS through libc, and the runtime reads libpthread's __n_pthreads
 * (cgo_import_dynamic in src/runtime/os2_aix.go, src/syscall/zsyscall_aix_ppc64.go). As
 * kernel32.dll for PE and libSystem for Mach-O, these alone leave a binary `static`.
 */
const SYSTEM_LIBRARIES = new Set(['libc.a(shr_64.o)', 'libpthread.a(shr_xpg5_64.o)']);

export function xcoffFacts(src: ByteSource): BinaryFacts {
  const file = readXcoff(src);
  const go = readGo(src, file);
  const libraries = file.loader?.imports.map(libraryName) ?? [];
  const stripped = file.symbolTableOffset === 0 || file.symbolCount === 0;
  return {
    format: 'xcoff',
    // XCOFF is AIX's format; Go's only AIX port is 64-bit PowerPC (cmd/link writes U64_TOCMAGIC only).
    goos: go?.settings.GOOS ?? 'aix',
    goarch: file.is64 ? 'ppc64' : (go?.settings.GOARCH ?? null),
    bits: file.is64 ? 64 : 32,
    endian: 'big',
    type: file.flags & F_SHROBJ ? 'shared' : file.flags & F_EXEC ? 'exec' : 'other',
    entry: file.aux ? `0x${file.aux.entry.toString(16)}` : null,
    static: libraries.every((name) => SYSTEM_LIBRARIES.has(name)),
    interpreter: null,
    libraries,
    stripped,
    // The DWARF sections are STYP_DWARF with a subtype; .dwinfo (SSUBTYP_DWINFO) is debug_info.
    dwarf: file.sections.some(
      (s) =>
        (s.flags & 0xffff) === STYP_DWARF &&
        ((s.flags & 0xffff0000) >>> 0 === SSUBTYP_DWINFO || s.name === '.dwinfo'),
    ),
    symbols: stripped ? 0 : file.symbolCount,
    goBuildId: file.goBuildId,
    go,
    sections: file.sections.map((s) => ({
      name: s.name,
      address: `0x${s.address.toString(16)}`,
      size: s.size,
      offset: (s.flags & 0xffff) === STYP_BSS ? 0 : s.offset,
    })),
  };
}

/**
 * The build info, with the build-info reader's errors (whose offsets are virtual addresses)
 * reported as XCOFF errors at the file offset of the data section that holds it.
 */
function readGo(src: ByteSource, file: XcoffFile): GoBuildInfo | null {
  const space = xcoffAddressSpace(src, file);
  try {
    return readBuildInfo(space);
  } catch (error) {
    if (!(error instanceof FormatError) || error.format !== 'buildinfo') throw error;
    const data = space.dataStart();
    const section = data ? file.sections.find((s) => s.address === data.address) : undefined;
    throw new FormatError('xcoff', section?.offset ?? 0, `Go build info: ${error.problem}`);
  }
}
