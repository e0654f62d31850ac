import { FormatError } from '../errors.js';
import { type ByteSource, readBytes, toSafeNumber } from '../source.js';
import { StructView } from '../view.js';
import { type MachoFile, readMacho } from './read.js';

/**
 * A universal ("fat") Mach-O file (<mach-o/fat.h>; Go's src/debug/macho/fat.go): a big-endian
 * fat_header {magic, nfat_arch}, then nfat_arch fat_arch entries {cputype, cpusubtype, offset,
 * size, align} of 20 bytes (FAT_MAGIC) or fat_arch_64 entries of 32 bytes with u64 offset and
 * size and a reserved word (FAT_MAGIC_64). Each entry points at a complete thin Mach-O file.
 */
export interface FatFile {
  magic: number;
  arches: FatArch[];
}

export interface FatArch {
  cputype: number;
  cpusubtype: number;
  /** File offset and size of the slice. */
  offset: number;
  size: number;
  /** log2 of the slice's alignment. */
  align: number;
  file: MachoFile;
}

export const FAT_MAGIC = 0xcafebabe;
export const FAT_MAGIC_64 = 0xcafebabf;
/**
 * 0xCAFEBABE also starts Java class files, where the next u32 is minor << 16 | major (major ≥ 45).
 * Go's fat.go has no such check (only saferio's allocation cap); LLVM's identify_magic takes the
 * file as universal only when nfat_arch's low byte is below 43, and file(1) similarly. We do the same.
 */
const MAX_FAT_ARCH = 42;
/** LLVM's MachOUniversalBinary: MaxSectionAlignment = 15 (2^15). */
const MAX_ALIGN = 15;
/** <mach/machine.h> CPU_SUBTYPE_MASK: capability bits, not part of the architecture. */
const CPU_SUBTYPE_MASK = 0xff000000;

/** Parses the fat header and entries, checks the slices' placement, and reads every slice. */
export function readFat(src: ByteSource): FatFile {
  const header = new StructView(readBytes(src, 'macho-fat', 0, 8, 'fat header'), false, 'macho-fat');
  const magic = header.u32(0, 'magic');
  if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) {
    throw bad(0, `no universal (fat) Mach-O magic (found 0x${magic.toString(16).padStart(8, '0')})`);
  }
  const nfat = header.u32(4, 'nfat_arch');
  if (nfat === 0) throw bad(4, 'nfat_arch is 0: the file contains no images');
  if (nfat > MAX_FAT_ARCH) {
    throw bad(4, `nfat_arch ${nfat} is implausible (more than ${MAX_FAT_ARCH}; a Java class file?)`);
  }
  const entrySize = magic === FAT_MAGIC_64 ? 32 : 20;
  const tableEnd = 8 + nfat * entrySize;
  if (tableEnd > src.size) {
    throw bad(8, `the fat_arch table (${nfat} entries) runs past the end of the file`);
  }
  const table = new StructView(
    readBytes(src, 'macho-fat', 8, nfat * entrySize, 'fat_arch table'),
    false,
    'macho-fat',
    8,
  );
  const entries: Omit<FatArch, 'file'>[] = [];
  for (let i = 0; i < nfat; i++) {
    entries.push(
      readEntry(src, table.sub(i * entrySize, entrySize, 'fat_arch'), i, magic === FAT_MAGIC_64, tableEnd),
    );
  }
  checkOverlap(entries);
  checkDuplicates(entries);
  const arches = entries.map((entry, i) => ({ ...entry, file: readSlice(src, entry, i) }));
  checkTypes(arches);
  return { magic, arches };
}

/** fat_arch: cputype @0, cpusubtype @4, offset @8, size @12, align @16; fat_arch_64: offset @8 and size @16 are u64, align @24. */
function readEntry(
  src: ByteSource,
  e: StructView,
  i: number,
  is64: boolean,
  tableEnd: number,
): Omit<FatArch, 'file'> {
  const offset = toSafeNumber(
    is64 ? e.u64(8, 'offset') : BigInt(e.u32(8, 'offset')),
    'macho-fat',
    e.base + 8,
    `slice ${i} offset`,
  );
  const size = toSafeNumber(
    is64 ? e.u64(16, 'size') : BigInt(e.u32(12, 'size')),
    'macho-fat',
    e.base + (is64 ? 16 : 12),
    `slice ${i} size`,
  );
  const entry = {
    cputype: e.u32(0, 'cputype'),
    cpusubtype: e.u32(4, 'cpusubtype'),
    offset,
    size,
    align: e.u32(is64 ? 24 : 16, 'align'),
  };
  if (offset + size > src.size) {
    throw bad(
      e.base + 8,
      `slice ${i} (offset 0x${offset.toString(16)}, size 0x${size.toString(16)}) runs past the end of the file (0x${src.size.toString(16)} bytes)`,
    );
  }
  if (offset < tableEnd) {
    throw bad(
      e.base + 8,
      `slice ${i} at offset 0x${offset.toString(16)} overlaps the fat header and its table`,
    );
  }
  if (entry.align > MAX_ALIGN) {
    throw bad(
      e.base + (is64 ? 24 : 16),
      `slice ${i} alignment 2^${entry.align} is larger than 2^${MAX_ALIGN}`,
    );
  }
  if (offset % 2 ** entry.align !== 0) {
    throw bad(e.base + 8, `slice ${i} offset 0x${offset.toString(16)} is not aligned to 2^${entry.align}`);
  }
  return entry;
}

/** Slices must not share bytes (LLVM's MachOUniversalBinary checks the same). */
function checkOverlap(entries: Omit<FatArch, 'file'>[]): void {
  const order = entries
    .map((_, i) => i)
    .sort((a, b) => (entries[a]?.offset ?? 0) - (entries[b]?.offset ?? 0));
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1] as number;
    const b = order[k] as number;
    const first = entries[a] as Omit<FatArch, 'file'>;
    const second = entries[b] as Omit<FatArch, 'file'>;
    if (first.offset + first.size > second.offset) {
      throw bad(
        8,
        `slices ${Math.min(a, b)} and ${Math.max(a, b)} overlap (0x${first.offset.toString(16)}+0x${first.size.toString(16)} reaches past 0x${second.offset.toString(16)})`,
      );
    }
  }
}

/** Two slices of one architecture make an invalid file (Go's fat.go; LLVM masks the capability bits, as we do). */
function checkDuplicates(entries: Omit<FatArch, 'file'>[]): void {
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const key = `${e.cputype}/${(e.cpusubtype & ~CPU_SUBTYPE_MASK) >>> 0}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw bad(
        8,
        `duplicate slice architecture: slices ${earlier} and ${i} are both cputype 0x${e.cputype.toString(16)} cpusubtype 0x${e.cpusubtype.toString(16)}`,
      );
    }
    seen.set(key, i);
  });
}

/** Reads one slice as a thin Mach-O; its errors are reported as the fat file's, naming the slice. */
function readSlice(src: ByteSource, entry: Omit<FatArch, 'file'>, i: number): MachoFile {
  const file = inSlice(i, () => readMacho(src, entry.offset, entry.offset + entry.size));
  if (file.cputype !== entry.cputype) {
    throw bad(
      entry.offset + 4,
      `slice ${i} header says cputype 0x${file.cputype.toString(16)}, its fat_arch entry 0x${entry.cputype.toString(16)}`,
    );
  }
  return file;
}

/** All images must be of one Mach-O type (Go's fat.go). */
function checkTypes(arches: FatArch[]): void {
  const first = arches[0]?.file.filetype;
  arches.forEach((a, i) => {
    if (a.file.filetype !== first) {
      throw bad(
        a.offset + 12,
        `slice ${i} Mach-O type 0x${a.file.filetype.toString(16)} does not match the first slice's 0x${(first ?? 0).toString(16)}`,
      );
    }
  });
}

/** Runs a reader over slice `i`, turning its 'macho' errors into the fat file's 'macho-fat' ones. */
export function inSlice<T>(i: number, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FormatError && error.format !== 'macho-fat') {
      throw bad(error.offset, `slice ${i}: ${error.problem}`);
    }
    throw error;
  }
}

/** This format's error: every malformed input ends in one. */
function bad(at: number, problem: string): FormatError {
  return new FormatError('macho-fat', at, problem);
}
