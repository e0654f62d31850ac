import { readBuildInfo } from '../buildinfo/read.js';
import { FormatError } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { BinaryFacts, GoBuildInfo } from '../types.js';
import { verifyCodeSignature } from './codesign.js';
import { inSlice, readFat } from './fat.js';
import {
  CPU_TYPE_ARM,
  CPU_TYPE_ARM64,
  CPU_TYPE_X86,
  CPU_TYPE_X86_64,
  type MachoFile,
  MH_DYLIB,
  MH_EXECUTE,
  MH_PIE,
  machoAddressSpace,
  readMacho,
} from './read.js';

const GOARCH: ReadonlyMap<number, string> = new Map([
  [CPU_TYPE_X86_64, 'amd64'],
  [CPU_TYPE_ARM64, 'arm64'],
  [CPU_TYPE_X86, '386'],
  [CPU_TYPE_ARM, 'arm'],
]);
/** LC_BUILD_VERSION platforms (<mach-o/loader.h> PLATFORM_*) Go has a GOOS for: iOS and its simulator. */
const IOS_PLATFORMS = new Set([2, 7]);
/**
 * The libraries every pure-Go darwin program links: libSystem, and libresolv, which the
 * standard library imports for DNS (cgo_import_dynamic in internal/syscall/unix and net). Both
 * ship with macOS; anything else means cgo or another library.
 */
const SYSTEM_LIBRARIES = new Set(['/usr/lib/libSystem.B.dylib', '/usr/lib/libresolv.9.dylib']);

/** The facts of a thin Mach-O file. */
export function machoFacts(src: ByteSource): BinaryFacts {
  return imageFacts(src, readMacho(src), 'macho');
}

/**
 * The facts of a universal binary: the first slice's at the top level (as `go version -m` and
 * `file` describe the first), and every slice's full record in `slices`. Errors name the slice.
 */
export function fatFacts(src: ByteSource): BinaryFacts {
  const fat = readFat(src);
  const slices = fat.arches.map((arch, i) => inSlice(i, () => imageFacts(src, arch.file, 'macho')));
  const first = slices[0] as BinaryFacts;
  return { ...first, format: 'macho-fat', slices };
}

function imageFacts(src: ByteSource, file: MachoFile, format: 'macho'): BinaryFacts {
  const go = buildInfo(src, file);
  const isDwarf = (name: string) => name === '__debug_info' || name === '__zdebug_info';
  return {
    format,
    goos:
      go?.settings.GOOS ?? (file.platform !== null && IOS_PLATFORMS.has(file.platform) ? 'ios' : 'darwin'),
    goarch: go?.settings.GOARCH ?? GOARCH.get(file.cputype) ?? null,
    bits: file.is64 ? 64 : 32,
    endian: file.littleEndian ? 'little' : 'big',
    type: fileType(file),
    entry: file.entry === null ? null : `0x${file.entry.toString(16)}`,
    static: file.dylibs.every((name) => SYSTEM_LIBRARIES.has(name)),
    interpreter: file.dylinker,
    libraries: file.dylibs,
    stripped: (file.symtab?.defined ?? 0) === 0,
    dwarf: file.segments.some((s) => s.name === '__DWARF') || file.sections.some((s) => isDwarf(s.name)),
    symbols: file.symtab?.nsyms ?? 0,
    goBuildId: file.goBuildId,
    minOS: file.minos === null ? null : formatVersion(file.minos),
    codeSignature: verifyCodeSignature(src, file),
    go,
    // "<segname>,<sectname>", Apple's own spelling (ld -sectcreate, otool -s, llvm-objcopy --only-section):
    // the bare sectname is ambiguous (Go's arm64 binaries have __TEXT,__rodata and __DATA_CONST,__rodata).
    // Offsets are as stored: relative to the slice in a universal binary.
    sections: file.sections.map((s) => ({
      name: `${s.segname},${s.name}`,
      address: `0x${s.addr.toString(16)}`,
      size: s.size,
      offset: s.offset,
    })),
  };
}

/** MH_EXECUTE is 'pie' with MH_PIE, else 'exec'; MH_DYLIB is 'shared'. */
function fileType(file: MachoFile): BinaryFacts['type'] {
  if (file.filetype === MH_EXECUTE) return file.flags & MH_PIE ? 'pie' : 'exec';
  return file.filetype === MH_DYLIB ? 'shared' : 'other';
}

/** X<<16 | Y<<8 | Z → "X.Y", or "X.Y.Z" when Z is not 0 (llvm-objdump's spelling). */
function formatVersion(packed: number): string {
  const x = packed >>> 16;
  const y = (packed >>> 8) & 0xff;
  const z = packed & 0xff;
  return z === 0 ? `${x}.${y}` : `${x}.${y}.${z}`;
}

/**
 * The build info, with its errors reported as the Mach-O file's: the reader's offsets are
 * virtual addresses, so the error points at the image's __go_buildinfo section (or its start).
 */
function buildInfo(src: ByteSource, file: MachoFile): GoBuildInfo | null {
  try {
    return readBuildInfo(machoAddressSpace(src, file));
  } catch (error) {
    if (error instanceof FormatError && error.format === 'buildinfo') {
      const section = file.sections.find((s) => s.name === '__go_buildinfo');
      throw new FormatError('macho', file.base + (section?.offset ?? 0), `build info: ${error.problem}`);
    }
    throw error;
  }
}
