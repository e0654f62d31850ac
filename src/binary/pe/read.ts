import { BUILD_ID_WINDOW, findGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes } from '../source.js';
import type { AddressSpace } from '../types.js';
import { StructView, utf8 } from '../view.js';

/**
 * PE/COFF, as far as crossgo needs it (src/debug/pe/*, src/cmd/link/internal/ld/pe.go; the
 * Microsoft PE format specification). Nothing from the file is trusted: every structure is
 * checked to fit in the file before it is read, every count and walk is capped.
 */
export interface PeFile {
  machine: number;
  /** COFF Characteristics (IMAGE_FILE_*). */
  characteristics: number;
  pointerToSymbolTable: number;
  /** 0 after `-s`: Go then keeps an empty .symtab (the string table's size field alone). */
  numberOfSymbols: number;
  /** A COFF symbol table is present: PointerToSymbolTable is set or a .symtab section exists (even if empty). */
  hasSymbolTable: boolean;
  /** PE32+ (optional header magic 0x20b) rather than PE32 (0x10b). */
  is64: boolean;
  imageBase: bigint;
  /** AddressOfEntryPoint, an RVA; 0 when the image has none (a DLL may not). */
  entryRva: number;
  subsystem: number;
  dllCharacteristics: number;
  /** The first 16 data directories at most, {RVA, size}; [1] imports, [5] base relocations, [12] IAT. */
  dataDirectories: PeDataDirectory[];
  sections: PeSection[];
  /** DLL names of the import descriptors, in file order. */
  imports: string[];
  goBuildId: string | null;
}

export interface PeDataDirectory {
  rva: number;
  size: number;
  /** File offset of the entry itself, for error messages. */
  at: number;
}

export interface PeSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  /** 0 when the section has no bytes in the file. */
  pointerToRawData: number;
  characteristics: number;
}

export const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
export const IMAGE_FILE_DLL = 0x2000;
export const IMAGE_SCN_CNT_CODE = 0x00000020;
const IMAGE_SCN_CNT_INITIALIZED_DATA = 0x00000040;
const IMAGE_SCN_MEM_READ = 0x40000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;
const IMAGE_SCN_ALIGN_32BYTES = 0x00600000;
const IMAGE_DIRECTORY_ENTRY_IMPORT = 1;

const DOS_HEADER = 64;
const COFF_HEADER = 20;
const SECTION_HEADER = 40;
const COFF_SYMBOL = 18;
const IMPORT_DESCRIPTOR = 20;
/** Optional header sizes without the data directories (PE spec "Optional Header Data Directories"). */
const OPTIONAL_FIXED_PE32 = 96;
const OPTIONAL_FIXED_PE32PLUS = 112;
/** Windows reads 16 data directories at most. */
const MAX_DATA_DIRECTORIES = 16;
/** The spec says 96 sections, Go's linker does not enforce it; NumberOfSections is a u16 anyway. */
const MAX_SECTIONS = 65535;
const MAX_IMPORT_DESCRIPTORS = 1024;
const MAX_NAME = 256;
/** cmd/internal/buildid reads the first 32 KiB for the ID; on 386 it sits 0x70 into .text. */

/** Parses the headers, section table, import directory and the Go build ID. */
export function readPe(src: ByteSource): PeFile {
  const peOffset = readSignature(src);
  const coffAt = peOffset + 4;
  const coff = new StructView(readBytes(src, 'pe', coffAt, COFF_HEADER, 'COFF header'), true, 'pe', coffAt);
  // COFF header: Machine @0, NumberOfSections @2, TimeDateStamp @4, PointerToSymbolTable @8,
  // NumberOfSymbols @12, SizeOfOptionalHeader @16, Characteristics @18 (debug/pe FileHeader).
  const numberOfSections = coff.u16(2, 'NumberOfSections');
  const pointerToSymbolTable = coff.u32(8, 'PointerToSymbolTable');
  const numberOfSymbols = coff.u32(12, 'NumberOfSymbols');
  const optionalSize = coff.u16(16, 'SizeOfOptionalHeader');
  checkSymbolTable(src, coffAt, pointerToSymbolTable, numberOfSymbols);
  const optional = readOptionalHeader(src, coffAt + COFF_HEADER, optionalSize);
  const strings = new StringTable(src, pointerToSymbolTable, numberOfSymbols);
  const sections = readSections(src, coffAt + COFF_HEADER + optionalSize, numberOfSections, strings);
  return {
    machine: coff.u16(0, 'Machine'),
    characteristics: coff.u16(18, 'Characteristics'),
    pointerToSymbolTable,
    numberOfSymbols,
    hasSymbolTable: pointerToSymbolTable !== 0 || sections.some((s) => s.name === '.symtab'),
    ...optional,
    sections,
    imports: readImports(src, sections, optional.dataDirectories[IMAGE_DIRECTORY_ENTRY_IMPORT]),
    goBuildId: readGoBuildId(src, sections),
  };
}

/** "MZ" at 0, e_lfanew (u32 @0x3C) → "PE\0\0"; returns the signature's offset. */
function readSignature(src: ByteSource): number {
  const dos = readBytes(src, 'pe', 0, Math.min(src.size, DOS_HEADER), 'DOS header');
  if (dos[0] !== 0x4d || dos[1] !== 0x5a) throw new FormatError('pe', 0, 'no MZ signature: not a PE file');
  if (dos.length < DOS_HEADER) {
    throw new FormatError(
      'pe',
      0,
      `DOS header truncated: ${DOS_HEADER} bytes needed, the file ends at 0x${hex(src.size)}`,
    );
  }
  const lfanew = new StructView(dos, true, 'pe').u32(0x3c, 'e_lfanew');
  if (lfanew + 4 > src.size) {
    throw new FormatError(
      'pe',
      0x3c,
      `e_lfanew past end of file: 0x${hex(lfanew)} + 4 > file size 0x${hex(src.size)}`,
    );
  }
  const sig = readBytes(src, 'pe', lfanew, 4, 'PE signature');
  if (sig[0] !== 0x50 || sig[1] !== 0x45 || sig[2] !== 0 || sig[3] !== 0) {
    throw new FormatError(
      'pe',
      lfanew,
      `no PE signature at e_lfanew 0x${hex(lfanew)}: found ${hexBytes(sig)}`,
    );
  }
  return lfanew;
}

/** The COFF symbol table: NumberOfSymbols 18-byte records at PointerToSymbolTable (PE spec 5.4). */
function checkSymbolTable(src: ByteSource, coffAt: number, pointer: number, count: number): void {
  if (count === 0) return;
  const end = pointer + count * COFF_SYMBOL;
  if (pointer === 0 || end > src.size) {
    throw new FormatError(
      'pe',
      coffAt + 8,
      `symbol table past end of file: ${count} symbols at 0x${hex(pointer)} end at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
}

type OptionalFields = Pick<
  PeFile,
  'is64' | 'imageBase' | 'entryRva' | 'subsystem' | 'dllCharacteristics' | 'dataDirectories'
>;

/** The optional header (PE32 0x10b / PE32+ 0x20b) and its data directories; debug/pe readOptionalHeader. */
function readOptionalHeader(src: ByteSource, at: number, size: number): OptionalFields {
  if (size === 0) throw new FormatError('pe', at - 4, 'no optional header: an object file, not an image');
  const h = new StructView(readBytes(src, 'pe', at, size, 'optional header'), true, 'pe', at);
  const magic = h.u16(0, 'optional header magic');
  if (magic !== 0x10b && magic !== 0x20b) {
    throw new FormatError(
      'pe',
      at,
      `bad optional header magic 0x${hex(magic)} (want 0x10b PE32 or 0x20b PE32+)`,
    );
  }
  const is64 = magic === 0x20b;
  const fixed = is64 ? OPTIONAL_FIXED_PE32PLUS : OPTIONAL_FIXED_PE32;
  if (size < fixed) {
    throw new FormatError(
      'pe',
      at - 4,
      `optional header too small: SizeOfOptionalHeader ${size} < ${fixed} for ${is64 ? 'PE32+' : 'PE32'}`,
    );
  }
  // NumberOfRvaAndSizes @92 (PE32) / @108 (PE32+); the directories follow it.
  const count = h.u32(fixed - 4, 'NumberOfRvaAndSizes');
  if (count * 8 > size - fixed) {
    throw new FormatError(
      'pe',
      at + fixed - 4,
      `data directories past optional header: ${count} need ${count * 8} bytes, ${size - fixed} are left`,
    );
  }
  const dataDirectories: PeDataDirectory[] = [];
  for (let i = 0; i < Math.min(count, MAX_DATA_DIRECTORIES); i++) {
    const o = fixed + i * 8;
    dataDirectories.push({
      rva: h.u32(o, 'data directory RVA'),
      size: h.u32(o + 4, 'data directory size'),
      at: at + o,
    });
  }
  // AddressOfEntryPoint @16, ImageBase (below), Subsystem @68, DllCharacteristics @70 in both forms.
  return {
    is64,
    // ImageBase: u32 @28 in PE32 (BaseOfData sits @24), u64 @24 in PE32+.
    imageBase: is64 ? h.u64(24, 'ImageBase') : BigInt(h.u32(28, 'ImageBase')),
    entryRva: h.u32(16, 'AddressOfEntryPoint'),
    subsystem: h.u16(68, 'Subsystem'),
    dllCharacteristics: h.u16(70, 'DllCharacteristics'),
    dataDirectories,
  };
}

/**
 * The COFF string table, right after the symbols; its first u32 is its size including itself
 * (debug/pe string.go). Read lazily and piecewise: only long section names ("/N") need it.
 */
class StringTable {
  private size: number | null = null;
  constructor(
    private readonly src: ByteSource,
    private readonly pointerToSymbolTable: number,
    private readonly numberOfSymbols: number,
  ) {}

  private get offset(): number {
    return this.pointerToSymbolTable + this.numberOfSymbols * COFF_SYMBOL;
  }

  /** The table's size (its first u32), checked to fit in the file; `label` names the section asking. */
  private tableSize(at: number, label: string): number {
    if (this.size !== null) return this.size;
    if (this.pointerToSymbolTable === 0) {
      throw new FormatError('pe', at, `no string table for section name ${label}: PointerToSymbolTable is 0`);
    }
    if (this.offset + 4 > this.src.size) {
      throw new FormatError(
        'pe',
        at,
        `string table past end of file: its size field at 0x${hex(this.offset)} is not in the file`,
      );
    }
    const field = readBytes(this.src, 'pe', this.offset, 4, 'string table size');
    const size = new StructView(field, true, 'pe', this.offset).u32(0);
    if (this.offset + size > this.src.size) {
      throw new FormatError(
        'pe',
        this.offset,
        `string table past end of file: ${size} bytes at 0x${hex(this.offset)}`,
      );
    }
    this.size = size;
    return size;
  }

  /** The NUL-terminated name at `index` (counted from the table's start, size field included), for `label` ("/N"). */
  sectionName(index: number, at: number, label: string): string {
    const size = this.tableSize(at, label);
    if (index < 4 || index >= size) {
      throw new FormatError(
        'pe',
        at,
        `section name past string table: ${label} is offset ${index}, the table is ${size} bytes`,
      );
    }
    const length = Math.min(size - index, MAX_NAME);
    const bytes = readBytes(this.src, 'pe', this.offset + index, length, `section name ${label}`);
    const nul = bytes.indexOf(0);
    // An unterminated name ends with the table (debug/pe cstring); a longer one than 256 bytes is not a name.
    if (nul === -1 && length === MAX_NAME) {
      throw new FormatError(
        'pe',
        this.offset + index,
        `section name not terminated within ${MAX_NAME} bytes: ${label}`,
      );
    }
    return utf8(nul === -1 ? bytes : bytes.subarray(0, nul));
  }
}

/** The section table (40-byte headers) right after the optional header. */
function readSections(src: ByteSource, at: number, count: number, strings: StringTable): PeSection[] {
  if (count > MAX_SECTIONS) throw new FormatError('pe', at, `section count ${count} is implausible`);
  const end = at + count * SECTION_HEADER;
  if (end > src.size) {
    throw new FormatError(
      'pe',
      at,
      `section table past end of file: ${count} sections at 0x${hex(at)} end at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
  const table = new StructView(
    readBytes(src, 'pe', at, count * SECTION_HEADER, 'section table'),
    true,
    'pe',
    at,
  );
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * SECTION_HEADER;
    const section: PeSection = {
      name: sectionName(table, o, strings),
      virtualSize: table.u32(o + 8, 'VirtualSize'),
      virtualAddress: table.u32(o + 12, 'VirtualAddress'),
      sizeOfRawData: table.u32(o + 16, 'SizeOfRawData'),
      pointerToRawData: table.u32(o + 20, 'PointerToRawData'),
      characteristics: table.u32(o + 36, 'Characteristics'),
    };
    checkRawData(src, section, at + o);
    sections.push(section);
  }
  return sections;
}

/** Name[8] @+0: NUL-padded, or "/N" with N the decimal offset of the name in the string table. */
function sectionName(table: StructView, o: number, strings: StringTable): string {
  const short = table.fixedString(o, 8, 'section name');
  if (!short.startsWith('/')) return short;
  if (!/^\/[0-9]{1,7}$/.test(short))
    throw new FormatError('pe', table.base + o, `bad long section name "${short}"`);
  return strings.sectionName(Number(short.slice(1)), table.base + o, `"${short}"`);
}

/** A section's bytes (SizeOfRawData @+16 at PointerToRawData @+20) must lie in the file. */
function checkRawData(src: ByteSource, s: PeSection, at: number): void {
  if (s.pointerToRawData === 0 || s.sizeOfRawData === 0) return;
  const end = s.pointerToRawData + s.sizeOfRawData;
  if (end > src.size) {
    throw new FormatError(
      'pe',
      at + 16,
      `section data past end of file: "${s.name}" spans 0x${hex(s.pointerToRawData)}..0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
}

/** Where an RVA lies in memory: the first section with VirtualAddress ≤ rva < VirtualAddress + its mapped size. */
export function sectionAt(sections: readonly PeSection[], rva: number): PeSection | undefined {
  return sections.find((s) => s.virtualAddress <= rva && rva - s.virtualAddress < mappedSize(s));
}

/** The loader maps VirtualSize bytes (SizeOfRawData when VirtualSize is 0). */
function mappedSize(s: PeSection): number {
  return s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData;
}

/**
 * Up to `length` bytes at an RVA, as the loader would map them: from the section's raw data,
 * zeros past it up to the section's mapped size, and no further than the section's end.
 */
function readRva(
  src: ByteSource,
  sections: readonly PeSection[],
  rva: number,
  length: number,
  what: string,
  at: number,
): Uint8Array {
  const s = sectionAt(sections, rva);
  if (!s) throw new FormatError('pe', at, `${what} not in any section: RVA 0x${hex(rva)}`);
  const delta = rva - s.virtualAddress;
  const out = new Uint8Array(Math.min(length, mappedSize(s) - delta));
  const raw = s.pointerToRawData === 0 ? 0 : Math.max(0, Math.min(out.length, s.sizeOfRawData - delta));
  if (raw > 0) out.set(readBytes(src, 'pe', s.pointerToRawData + delta, raw, what));
  return out;
}

/**
 * The import directory (data directory 1): 20-byte descriptors {OriginalFirstThunk,
 * TimeDateStamp, ForwarderChain, Name @+12, FirstThunk}, ended by one whose Name is 0.
 */
function readImports(
  src: ByteSource,
  sections: readonly PeSection[],
  dir: PeDataDirectory | undefined,
): string[] {
  if (!dir || dir.rva === 0) return [];
  const length = (MAX_IMPORT_DESCRIPTORS + 1) * IMPORT_DESCRIPTOR;
  const bytes = readRva(src, sections, dir.rva, length, 'import directory', dir.at);
  const table = new StructView(bytes, true, 'pe', fileOffsetOf(sections, dir.rva));
  const names: string[] = [];
  for (let i = 0; ; i++) {
    const o = i * IMPORT_DESCRIPTOR;
    if (i > MAX_IMPORT_DESCRIPTORS) {
      throw new FormatError(
        'pe',
        table.base,
        `import directory too long: more than ${MAX_IMPORT_DESCRIPTORS} descriptors`,
      );
    }
    if (o + IMPORT_DESCRIPTOR > table.length) {
      throw new FormatError(
        'pe',
        table.base + o,
        `import directory not terminated: descriptor ${i} at RVA 0x${hex(dir.rva + o)} runs past its section`,
      );
    }
    const nameRva = table.u32(o + 12, 'import Name');
    if (nameRva === 0) return names;
    names.push(readDllName(src, sections, nameRva, table.base + o + 12));
  }
}

/** An imported DLL's NUL-terminated name, at most 256 bytes and inside one section. */
function readDllName(src: ByteSource, sections: readonly PeSection[], rva: number, at: number): string {
  const bytes = readRva(src, sections, rva, MAX_NAME, 'DLL name', at);
  const nul = bytes.indexOf(0);
  if (nul === -1) {
    throw new FormatError(
      'pe',
      fileOffsetOf(sections, rva),
      `DLL name not terminated within ${bytes.length} bytes at RVA 0x${hex(rva)}`,
    );
  }
  return utf8(bytes.subarray(0, nul));
}

/** The file offset of an RVA inside a section's raw data (for error offsets); 0 when it has none. */
function fileOffsetOf(sections: readonly PeSection[], rva: number): number {
  const s = sectionAt(sections, rva);
  return s && s.pointerToRawData !== 0 ? s.pointerToRawData + (rva - s.virtualAddress) : 0;
}

/**
 * `\xff Go build ID: "<id>"\n \xff` near the start of the code section (cmd/link writes it
 * first in .text; cmd/internal/buildid readRaw searches the first 32 KiB). Null when absent.
 */
function readGoBuildId(src: ByteSource, sections: readonly PeSection[]): string | null {
  const text =
    sections.find((s) => s.name === '.text') ??
    sections.find((s) => (s.characteristics & IMAGE_SCN_CNT_CODE) !== 0);
  if (!text || text.pointerToRawData === 0 || text.sizeOfRawData === 0) return null;
  const window = readBytes(
    src,
    'pe',
    text.pointerToRawData,
    Math.min(text.sizeOfRawData, BUILD_ID_WINDOW),
    '.text',
  );
  const found = findGoBuildIdText(window);
  if (found && 'malformed' in found) {
    throw new FormatError(
      'pe',
      text.pointerToRawData + found.at,
      'malformed Go build ID near the start of .text',
    );
  }
  return found?.id ?? null;
}

/**
 * The build info's view of a PE file (debug/buildinfo peExe): a virtual address is
 * ImageBase + RVA, read through the sections' raw data.
 */
export function peAddressSpace(src: ByteSource, pe: PeFile): AddressSpace {
  return {
    ptrSize: pe.is64 ? 8 : 4,
    littleEndian: true,
    dataStart() {
      // The first writable data section: Characteristics without the alignment bits
      // 0x00600000 equal CNT_INITIALIZED_DATA|MEM_READ|MEM_WRITE (0xC0000040), i.e. .data.
      const want = (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE) >>> 0;
      const data = pe.sections.find(
        (s) =>
          s.virtualAddress !== 0 &&
          s.sizeOfRawData !== 0 &&
          (s.characteristics & ~IMAGE_SCN_ALIGN_32BYTES) >>> 0 === want,
      );
      return data ? { address: pe.imageBase + BigInt(data.virtualAddress), size: data.virtualSize } : null;
    },
    readAt(address, length) {
      const rva = address - pe.imageBase;
      if (rva < 0n || rva > 0xffffffffn) return null;
      // peExe.DataReader: VirtualAddress ≤ rva ≤ VirtualAddress + SizeOfRawData − 1.
      const r = Number(rva);
      const s = pe.sections.find(
        (x) => x.pointerToRawData !== 0 && x.virtualAddress <= r && r - x.virtualAddress < x.sizeOfRawData,
      );
      if (!s) return null;
      const delta = r - s.virtualAddress;
      const n = Math.min(length, s.sizeOfRawData - delta);
      return n > 0 ? readBytes(src, 'pe', s.pointerToRawData + delta, n, 'section data') : null;
    },
  };
}

function hex(n: number): string {
  return n.toString(16);
}

function hexBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
