import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { FormatError } from '../binary/errors.js';
import { FAT_MAGIC } from '../binary/macho/fat.js';
import {
  CPU_TYPE_ARM,
  CPU_TYPE_ARM64,
  CPU_TYPE_X86,
  CPU_TYPE_X86_64,
  type MachoFile,
  readMacho,
} from '../binary/macho/read.js';
import { detectFormat } from '../binary/read.js';
import { BufferSource } from '../binary/source.js';
import { UsageError } from '../errors.js';
import { tempPathFor } from '../fs/atomic.js';

export interface UniversalSlice {
  /** Absolute path of a thin Mach-O executable. */
  file: string;
}

/** One input: its bytes, what to call it in messages, and what llvm-lipo computes from it. */
interface Slice {
  name: string;
  bytes: Uint8Array;
  cputype: number;
  cpusubtype: number;
  /** log2 of the slice's alignment in the fat file. */
  align: number;
  arch: string;
}

const FAT_HEADER_SIZE = 8;
const FAT_ARCH_SIZE = 20;
/** fat_arch offset and size are u32: past this a fat file needs FAT_MAGIC_64. */
const U32_MAX = 0xffffffff;
/** LLVM's MachOUniversalBinary::MaxSectionAlignment. */
const MAX_ALIGN = 15;
const CPU_TYPE_POWERPC = 18;
const CPU_TYPE_POWERPC64 = 0x01000012;
const CPU_TYPE_ARM64_32 = 0x0200000c;
const CPU_SUBTYPE_MASK = 0xff000000;
const MH_OBJECT = 1;

/** Apple's arch names (llvm's MachOObjectFile::getArchTriple), keyed by cputype/cpusubtype without capability bits. */
const ARCH_NAMES = new Map([
  [`${CPU_TYPE_X86_64}/3`, 'x86_64'],
  [`${CPU_TYPE_X86_64}/8`, 'x86_64h'],
  [`${CPU_TYPE_ARM64}/0`, 'arm64'],
  [`${CPU_TYPE_ARM64}/2`, 'arm64e'],
  [`${CPU_TYPE_ARM64_32}/1`, 'arm64_32'],
  [`${CPU_TYPE_X86}/3`, 'i386'],
  [`${CPU_TYPE_ARM}/6`, 'armv6'],
  [`${CPU_TYPE_ARM}/9`, 'armv7'],
  [`${CPU_TYPE_ARM}/11`, 'armv7s'],
  [`${CPU_TYPE_ARM}/12`, 'armv7k'],
  [`${CPU_TYPE_POWERPC}/0`, 'ppc'],
  [`${CPU_TYPE_POWERPC64}/0`, 'ppc64'],
]);

/**
 * Merges thin Mach-O files into one fat Mach-O laid out exactly as `llvm-lipo -create` lays it out.
 * Written under a temporary name beside `output` and renamed into place.
 */
export async function makeUniversal(
  slices: readonly string[],
  output: string,
): Promise<{ size: number; arches: string[] }> {
  const inputs = await Promise.all(slices.map(readInput));
  const { bytes, arches } = layOut(inputs.map((i) => i.slice));
  // As llvm-lipo: executable when any input is, so the merged program still runs.
  const mode = inputs.some((i) => i.executable) ? 0o755 : 0o644;
  const temp = tempPathFor(output);
  try {
    await writeFile(temp, bytes, { mode });
    await rename(temp, output);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { size: bytes.length, arches };
}

/** The pure part: bytes in, bytes out. Inputs are named "input 1", "input 2", … in errors. */
export function universalBytes(slices: readonly Uint8Array[]): Uint8Array {
  return layOut(slices.map((bytes, i) => parseSlice(`input ${i + 1}`, bytes))).bytes;
}

async function readInput(file: string): Promise<{ slice: Slice; executable: boolean }> {
  let bytes: Uint8Array;
  let executable: boolean;
  try {
    bytes = await readFile(file);
    executable = ((await stat(file)).mode & 0o111) !== 0;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot read ${file} (${reason}): give the path of a thin darwin binary`, {
      cause: error,
    });
  }
  return { slice: parseSlice(file, bytes), executable };
}

const FORMAT_NAMES: Record<string, string> = { elf: 'an ELF', pe: 'a PE (Windows)', wasm: 'a WebAssembly' };

/** Reads one input with crossgo's own Mach-O reader; anything but a thin Mach-O is the user's mistake. */
function parseSlice(name: string, bytes: Uint8Array): Slice {
  const format = detectFormat(bytes.subarray(0, 8));
  if (format === 'macho-fat') {
    throw new UsageError(
      `${name} is already a universal (fat) Mach-O file: give the thin darwin/amd64 and darwin/arm64 binaries`,
    );
  }
  if (format !== 'macho') {
    const what = format ? `${FORMAT_NAMES[format]} file, not a thin Mach-O` : 'not a Mach-O file';
    throw new UsageError(`${name} is ${what}: give binaries built with GOOS=darwin`);
  }
  let file: MachoFile;
  try {
    file = readMacho(new BufferSource(bytes));
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new UsageError(
      `${name} is a malformed Mach-O file (${error.message}): rebuild it with GOOS=darwin`,
      {
        cause: error,
      },
    );
  }
  const { cputype, cpusubtype } = file;
  return { name, bytes, cputype, cpusubtype, align: sliceAlignment(file), arch: archName(file) };
}

/**
 * llvm's calculateAlignment (llvm/lib/Object/MachOUniversalWriter.cpp, also in LLVM 14): the page
 * size for x86/PPC (2^12) and ARM (2^14, Darwin's 16 KiB pages); any other CPU gets cctools lipo's
 * rule, the smallest alignment of its segments' vmaddr (of its sections for MH_OBJECT), in [2, 15].
 */
function sliceAlignment(file: MachoFile): number {
  switch (file.cputype) {
    case CPU_TYPE_X86:
    case CPU_TYPE_X86_64:
    case CPU_TYPE_POWERPC:
    case CPU_TYPE_POWERPC64:
      return 12;
    case CPU_TYPE_ARM:
    case CPU_TYPE_ARM64:
    case CPU_TYPE_ARM64_32:
      return 14;
  }
  let min = MAX_ALIGN;
  let next = 0;
  for (const segment of file.segments) {
    let current: number;
    if (file.filetype === MH_OBJECT) {
      const sections = file.sections.slice(next, next + segment.nsects);
      current = sections.length > 0 ? Math.max(2, ...sections.map((s) => s.align)) : MAX_ALIGN;
    } else {
      current = trailingZeros(segment.vmaddr);
    }
    next += segment.nsects;
    min = Math.min(min, current);
  }
  return Math.max(2, min);
}

/** countr_zero of a u64 (64 for 0, as llvm::countr_zero). */
function trailingZeros(value: bigint): number {
  if (value === 0n) return 64;
  let n = 0;
  for (let v = value; (v & 1n) === 0n; v >>= 1n) n++;
  return n;
}

function archName(file: { cputype: number; cpusubtype: number }): string {
  const subtype = (file.cpusubtype & ~CPU_SUBTYPE_MASK) >>> 0;
  return ARCH_NAMES.get(`${file.cputype}/${subtype}`) ?? `unknown(${file.cputype},${subtype})`;
}

/**
 * llvm-lipo's Slice operator< (llvm/include/llvm/Object/MachOUniversalWriter.h): same cputype by
 * cpusubtype; arm64 after everything else (cctools lipo compatibility); otherwise by alignment.
 * llvm-lipo applies it with std::stable_sort, so equal slices keep the order given.
 */
function before(a: Slice, b: Slice): boolean {
  if (a.cputype === b.cputype) return a.cpusubtype >>> 0 < b.cpusubtype >>> 0;
  if (a.cputype === CPU_TYPE_ARM64) return false;
  if (b.cputype === CPU_TYPE_ARM64) return true;
  return a.align < b.align;
}

/**
 * The fat file: big-endian fat_header {magic, nfat_arch} and fat_arch {cputype, cpusubtype, offset,
 * size, align} entries, then each slice at its offset rounded up to 2^align, zero-filled gaps and no
 * padding at the end (writeUniversalBinaryToStream). FAT_MAGIC only: a Go binary never comes near
 * 4 GiB, so a larger result is refused rather than written as FAT_MAGIC_64.
 */
function layOut(inputs: Slice[]): { bytes: Uint8Array; arches: string[] } {
  if (inputs.length < 2) {
    throw new UsageError(
      `a universal binary needs at least 2 slices, got ${inputs.length}: give the darwin/amd64 and darwin/arm64 binaries`,
    );
  }
  checkDuplicates(inputs);
  // Array.prototype.sort is stable, as llvm-lipo's std::stable_sort.
  const slices = [...inputs].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  let end = FAT_HEADER_SIZE + slices.length * FAT_ARCH_SIZE;
  const offsets = slices.map((slice) => {
    const offset = Math.ceil(end / 2 ** slice.align) * 2 ** slice.align;
    end = offset + slice.bytes.length;
    if (end > U32_MAX) {
      throw new UsageError(
        `universal binary too large: ${slice.name} (${slice.arch}) would end at byte ${end}, past the 4 GiB a 32-bit fat header can describe`,
      );
    }
    return offset;
  });
  const bytes = new Uint8Array(end);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, FAT_MAGIC);
  view.setUint32(4, slices.length);
  slices.forEach((slice, i) => {
    const at = FAT_HEADER_SIZE + i * FAT_ARCH_SIZE;
    const offset = offsets[i] as number;
    view.setUint32(at, slice.cputype);
    view.setUint32(at + 4, slice.cpusubtype);
    view.setUint32(at + 8, offset);
    view.setUint32(at + 12, slice.bytes.length);
    view.setUint32(at + 16, slice.align);
    bytes.set(slice.bytes, offset);
  });
  return { bytes, arches: slices.map((s) => s.arch) };
}

/**
 * One slice per architecture. llvm-lipo compares the full cpusubtype; we ignore its capability bits
 * as crossgo's fat reader (and Go's debug/macho) do, since such a file would not read back.
 */
function checkDuplicates(slices: Slice[]): void {
  const seen = new Map<string, Slice>();
  for (const slice of slices) {
    const key = `${slice.cputype}/${(slice.cpusubtype & ~CPU_SUBTYPE_MASK) >>> 0}`;
    const earlier = seen.get(key);
    if (earlier) {
      throw new UsageError(
        `two slices of the same architecture (${slice.arch}): ${earlier.name} and ${slice.name}: give one binary per architecture`,
      );
    }
    seen.set(key, slice);
  }
}
