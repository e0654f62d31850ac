import { BUILD_ID_WINDOW, findGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes, toSafeNumber } from '../source.js';
import type { AddressSpace } from '../types.js';
import { StructView } from '../view.js';

/**
 * XCOFF, AIX's object and executable format, as far as crossgo needs it: the structures of
 * Go's own reader (src/internal/xcoff/xcoff.go, file.go), what Go's linker writes
 * (src/cmd/link/internal/ld/xcoff.go) and IBM's "XCOFF object file format" reference. Always
 * big-endian. Nothing from the file is trusted: every table is checked to fit in the file (or
 * in its section) before it is read, and every walk is bounded by what fits.
 */
export interface XcoffFile {
  /** f_magic 0x01F7 (U64_TOCMAGIC) rather than 0x01DF (U802TOCMAGIC). */
  is64: boolean;
  magic: number;
  /** f_timdat (Go writes 0). */
  timestamp: number;
  /** f_symptr: 0 when the symbol table was stripped (Go's -s). */
  symbolTableOffset: number;
  /** f_nsyms: entries of the symbol table, auxiliary entries included. */
  symbolCount: number;
  /** f_opthdr: the size of the auxiliary header. */
  auxHeaderSize: number;
  /** f_flags (F_EXEC, F_SHROBJ, …). */
  flags: number;
  aux: XcoffAuxHeader | null;
  sections: XcoffSection[];
  loader: XcoffLoader | null;
  /** The string table's size (its first u32, itself included); null when there is none. */
  stringTableSize: number | null;
  goBuildId: string | null;
}

/** The auxiliary ("optional") header: AIX's a.out header (aouthdr), 72 or 28 bytes in XCOFF32, 120 in XCOFF64. */
export interface XcoffAuxHeader {
  /** o_mflag, 0x10b for an executable (Go: Omagic). */
  magic: number;
  /** o_vstamp (Go writes 1). */
  version: number;
  textStart: bigint;
  dataStart: bigint;
  /** o_entry: the address of the entry point's function descriptor. */
  entry: bigint;
  textSize: bigint;
  dataSize: bigint;
  bssSize: bigint;
  /** The fields below are absent (null) in XCOFF32's 28-byte short form. */
  full: {
    toc: bigint;
    snEntry: number;
    snText: number;
    snData: number;
    snToc: number;
    snLoader: number;
    snBss: number;
    alignText: number;
    alignData: number;
    /** o_modtype, two characters ("1L": single use, loadable). */
    moduleType: string;
    cpuFlag: number;
    cpuType: number;
    maxStack: bigint;
    maxData: bigint;
    snTData: number;
    snTBss: number;
    /** XCOFF64 only (o_x64flags); 0 in XCOFF32. */
    x64Flags: number;
  } | null;
}

export interface XcoffSection {
  name: string;
  address: bigint;
  size: number;
  /** s_scnptr: 0 when the section has no bytes in the file (.bss). */
  offset: number;
  /** s_flags, whole: the section type in the low 16 bits, a DWARF subtype in the high ones. */
  flags: number;
}

/** The loader section's header and its import file IDs (the libraries the system loader loads). */
export interface XcoffLoader {
  /** File offset of the loader section. */
  offset: number;
  version: number;
  symbolCount: number;
  relocationCount: number;
  /** The first import file ID: the default library search path ("/usr/lib:/lib"). */
  libraryPath: string;
  /** The other import file IDs, in order (l_ifile 1, 2, …). */
  imports: XcoffImport[];
}

export interface XcoffImport {
  path: string;
  base: string;
  member: string;
}

export const F_EXEC = 0x0002;
export const F_SHROBJ = 0x2000;
export const STYP_DWARF = 0x0010;
export const STYP_TEXT = 0x0020;
export const STYP_DATA = 0x0040;
export const STYP_BSS = 0x0080;
const STYP_TBSS = 0x0800;
export const STYP_LOADER = 0x1000;
const STYP_OVRFLO = 0x8000;
export const SSUBTYP_DWINFO = 0x10000;

const U802TOCMAGIC = 0x01df;
const U64_TOCMAGIC = 0x01f7;
/** FILHSZ_32, FILHSZ_64. */
const FILE_HEADER_32 = 20;
const FILE_HEADER_64 = 24;
/** The aux header sizes: XCOFF32's short form (AOUTHSZ_SHORT) and full one, XCOFF64's. */
const AUX_SHORT_32 = 28;
const AUX_32 = 72;
const AUX_64 = 120;
const SECTION_HEADER_32 = 40;
const SECTION_HEADER_64 = 72;
/** SYMESZ: every symbol table entry, auxiliary or not, is 18 bytes. */
const SYMBOL_ENTRY = 18;
/** LDHDRSZ_32, LDHDRSZ_64; loader symbols are 24 bytes in both, loader relocations 12 or 16. */
const LOADER_HEADER_32 = 32;
const LOADER_HEADER_64 = 56;
const LOADER_SYMBOL = 24;
const LOADER_RELOC_32 = 12;
const LOADER_RELOC_64 = 16;
/**
 * Go's linker imports two libraries (libc.a and libpthread.a, the runtime's cgo_import_dynamic
 * directives in src/runtime/os2_aix.go); a C program a few dozen. More than this many import
 * file IDs is not a program, and the cap bounds the list a forged l_nimpid can build.
 */
const MAX_IMPORTS = 4096;

/** Parses the file header, auxiliary header, section headers, loader imports, symbol table bounds and the Go build ID. */
export function readXcoff(src: ByteSource): XcoffFile {
  const head = readBytes(src, 'xcoff', 0, Math.min(src.size, 2), 'XCOFF magic');
  const magic = head.length === 2 ? (((head[0] as number) << 8) | (head[1] as number)) >>> 0 : -1;
  if (magic !== U802TOCMAGIC && magic !== U64_TOCMAGIC) {
    throw new FormatError('xcoff', 0, 'no XCOFF magic (0x01DF for 32-bit, 0x01F7 for 64-bit)');
  }
  const is64 = magic === U64_TOCMAGIC;
  const headerSize = is64 ? FILE_HEADER_64 : FILE_HEADER_32;
  const h = new StructView(readBytes(src, 'xcoff', 0, headerSize, 'file header'), false, 'xcoff');
  // FileHeader32: magic @0, nscns @2, timdat @4, symptr u32 @8, nsyms @12, opthdr @16, flags @18.
  // FileHeader64: magic @0, nscns @2, timdat @4, symptr u64 @8, opthdr @16, flags @18, nsyms @20.
  const sectionCount = h.u16(2, 'f_nscns');
  const timestamp = h.u32(4, 'f_timdat');
  const symbolTableOffset = is64
    ? toSafeNumber(h.u64(8, 'f_symptr'), 'xcoff', 8, 'f_symptr')
    : h.u32(8, 'f_symptr');
  const symbolCount = h.u32(is64 ? 20 : 12, 'f_nsyms');
  const auxHeaderSize = h.u16(16, 'f_opthdr');
  const flags = h.u16(18, 'f_flags');

  const aux = auxHeaderSize === 0 ? null : readAuxHeader(src, headerSize, auxHeaderSize, is64);
  const sections = readSections(src, headerSize + auxHeaderSize, sectionCount, is64);
  const stringTableSize = readSymbolTable(src, symbolTableOffset, symbolCount);
  // Go's reader takes the first section of type STYP_LOADER (internal/xcoff ImportedLibraries).
  const loaderSection = sections.find((s) => (s.flags & 0xffff) === STYP_LOADER);
  return {
    is64,
    magic,
    timestamp,
    symbolTableOffset,
    symbolCount,
    auxHeaderSize,
    flags,
    aux,
    sections,
    loader: loaderSection ? readLoader(src, loaderSection, is64) : null,
    stringTableSize,
    goBuildId: readGoBuildId(src, sections),
  };
}

/** The auxiliary header right after the file header (XcoffAoutHdr64 in cmd/link; aouthdr in IBM's reference). */
function readAuxHeader(src: ByteSource, at: number, size: number, is64: boolean): XcoffAuxHeader {
  const want = is64 ? AUX_64 : AUX_SHORT_32;
  if (size < want) {
    throw new FormatError(
      'xcoff',
      16,
      `auxiliary header of ${size} bytes is shorter than the ${want} bytes of ${is64 ? 'XCOFF64' : "XCOFF32's short form"}`,
    );
  }
  const a = new StructView(readBytes(src, 'xcoff', at, size, 'auxiliary header'), false, 'xcoff', at);
  const modtype = (o: number) => String.fromCharCode(a.u8(o), a.u8(o + 1));
  if (is64) {
    // o_mflag @0, o_vstamp @2, o_debugger @4, o_text_start @8, o_data_start @16, o_toc @24,
    // o_snentry … o_snbss @32..42, o_algntext @44, o_algndata @46, o_modtype @48, o_cpuflag @50,
    // o_cputype @51, page sizes and o_flags @52..55, o_tsize @56, o_dsize @64, o_bsize @72,
    // o_entry @80, o_maxstack @88, o_maxdata @96, o_sntdata @104, o_sntbss @106, o_x64flags @108.
    return {
      magic: a.u16(0),
      version: a.u16(2),
      textStart: a.u64(8),
      dataStart: a.u64(16),
      entry: a.u64(80),
      textSize: a.u64(56),
      dataSize: a.u64(64),
      bssSize: a.u64(72),
      full: {
        toc: a.u64(24),
        snEntry: a.u16(32),
        snText: a.u16(34),
        snData: a.u16(36),
        snToc: a.u16(38),
        snLoader: a.u16(40),
        snBss: a.u16(42),
        alignText: a.u16(44),
        alignData: a.u16(46),
        moduleType: modtype(48),
        cpuFlag: a.u8(50),
        cpuType: a.u8(51),
        maxStack: a.u64(88),
        maxData: a.u64(96),
        snTData: a.u16(104),
        snTBss: a.u16(106),
        x64Flags: a.u16(108),
      },
    };
  }
  // XCOFF32: o_mflag @0, o_vstamp @2, o_tsize @4, o_dsize @8, o_bsize @12, o_entry @16,
  // o_text_start @20, o_data_start @24 (the 28-byte short form ends here), o_toc @28,
  // o_snentry … o_snbss @32..42, o_algntext @44, o_algndata @46, o_modtype @48, o_cpuflag @50,
  // o_cputype @51, o_maxstack @52, o_maxdata @56, o_debugger @60, page sizes and o_flags
  // @64..67, o_sntdata @68, o_sntbss @70.
  const word = (o: number) => BigInt(a.u32(o));
  return {
    magic: a.u16(0),
    version: a.u16(2),
    textStart: word(20),
    dataStart: word(24),
    entry: word(16),
    textSize: word(4),
    dataSize: word(8),
    bssSize: word(12),
    full:
      size < AUX_32
        ? null
        : {
            toc: word(28),
            snEntry: a.u16(32),
            snText: a.u16(34),
            snData: a.u16(36),
            snToc: a.u16(38),
            snLoader: a.u16(40),
            snBss: a.u16(42),
            alignText: a.u16(44),
            alignData: a.u16(46),
            moduleType: modtype(48),
            cpuFlag: a.u8(50),
            cpuType: a.u8(51),
            maxStack: word(52),
            maxData: word(56),
            snTData: a.u16(68),
            snTBss: a.u16(70),
            x64Flags: 0,
          },
  };
}

/**
 * The section headers right after the auxiliary header: f_nscns (a u16, so at most 65,535)
 * records, all of which must be in the file; each section's bytes must be too.
 */
function readSections(src: ByteSource, at: number, count: number, is64: boolean): XcoffSection[] {
  const size = is64 ? SECTION_HEADER_64 : SECTION_HEADER_32;
  const end = at + count * size;
  if (end > src.size) {
    throw new FormatError(
      'xcoff',
      2,
      `section table past end of file: ${count} sections at 0x${hex(at)} end at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
  const table = new StructView(
    readBytes(src, 'xcoff', at, count * size, 'section table'),
    false,
    'xcoff',
    at,
  );
  const sections: XcoffSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * size;
    // SectionHeader32: name[8], paddr @8, vaddr @12, size @16, scnptr @20, relptr @24,
    // lnnoptr @28, nreloc u16 @32, nlnno u16 @34, flags u32 @36.
    // SectionHeader64: name[8], paddr @8, vaddr @16, size @24, scnptr @32, relptr @40,
    // lnnoptr @48, nreloc u32 @56, nlnno u32 @60, flags u32 @64, pad @68.
    const section: XcoffSection = is64
      ? {
          name: table.fixedString(o, 8, 's_name'),
          address: table.u64(o + 16, 's_vaddr'),
          size: toSafeNumber(table.u64(o + 24, 's_size'), 'xcoff', at + o + 24, 's_size'),
          offset: toSafeNumber(table.u64(o + 32, 's_scnptr'), 'xcoff', at + o + 32, 's_scnptr'),
          flags: table.u32(o + 64, 's_flags'),
        }
      : {
          name: table.fixedString(o, 8, 's_name'),
          address: BigInt(table.u32(o + 12, 's_vaddr')),
          size: table.u32(o + 16, 's_size'),
          offset: table.u32(o + 20, 's_scnptr'),
          flags: table.u32(o + 36, 's_flags'),
        };
    checkSectionData(src, section, at + o);
    sections.push(section);
  }
  return sections;
}

/** A section's bytes (s_size at s_scnptr) must lie in the file; .bss and .tbss have none, an overflow header holds counts. */
function checkSectionData(src: ByteSource, s: XcoffSection, at: number): void {
  const type = s.flags & 0xffff;
  if (s.offset === 0 || s.size === 0 || type === STYP_BSS || type === STYP_TBSS || type === STYP_OVRFLO)
    return;
  const end = s.offset + s.size;
  if (end > src.size) {
    throw new FormatError(
      'xcoff',
      at,
      `section data past end of file: "${s.name}" spans 0x${hex(s.offset)}..0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
}

/**
 * The symbol table (f_nsyms 18-byte entries at f_symptr) and the string table right after it,
 * whose first u32 is its size including itself. Only their bounds are checked: crossgo counts
 * symbols, it does not list them. Returns the string table's size, or null when there is none.
 */
function readSymbolTable(src: ByteSource, offset: number, count: number): number | null {
  if (offset === 0 || count === 0) return null;
  const end = offset + count * SYMBOL_ENTRY;
  if (end > src.size) {
    throw new FormatError(
      'xcoff',
      8,
      `symbol table past end of file: ${count} symbols at 0x${hex(offset)} end at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
  // A file may end with its symbols: no string table (all names fit in 8 bytes, XCOFF32 only).
  if (end === src.size) return null;
  if (end + 4 > src.size) {
    throw new FormatError(
      'xcoff',
      end,
      `string table size field truncated: 4 bytes needed at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
  const size = new StructView(readBytes(src, 'xcoff', end, 4, 'string table size'), false, 'xcoff', end).u32(
    0,
  );
  // internal/xcoff NewFile reads the table only when its size is above 4 (the size field alone).
  if (size > 4 && end + size > src.size) {
    throw new FormatError(
      'xcoff',
      end,
      `string table past end of file: ${size} bytes at 0x${hex(end)}, the file ends at 0x${hex(src.size)}`,
    );
  }
  return size;
}

/**
 * The loader section (internal/xcoff readImportIDs; cmd/link Loaderblk): a header, the loader
 * symbols and relocations, then the import file ID table: l_nimpid entries of three
 * NUL-terminated strings (path, base, member), the first being the default library path.
 */
function readLoader(src: ByteSource, section: XcoffSection, is64: boolean): XcoffLoader {
  const headerSize = is64 ? LOADER_HEADER_64 : LOADER_HEADER_32;
  if (section.offset === 0 || section.size < headerSize) {
    throw new FormatError(
      'xcoff',
      section.offset,
      `loader section of ${section.size} bytes at 0x${hex(section.offset)} has no room for its ${headerSize}-byte header`,
    );
  }
  const base = section.offset;
  const h = new StructView(readBytes(src, 'xcoff', base, headerSize, 'loader header'), false, 'xcoff', base);
  // LoaderHeader32: version @0, nsyms @4, nreloc @8, istlen @12, nimpid @16, impoff @20,
  // stlen @24, stoff @28 (symbols follow the header, then relocations).
  // LoaderHeader64: version @0, nsyms @4, nreloc @8, istlen @12, nimpid @16, stlen @20,
  // impoff u64 @24, stoff u64 @32, symoff u64 @40, rldoff u64 @48.
  const version = h.u32(0, 'l_version');
  const symbolCount = h.u32(4, 'l_nsyms');
  const relocationCount = h.u32(8, 'l_nreloc');
  const importLength = h.u32(12, 'l_istlen');
  const importCount = h.u32(16, 'l_nimpid');
  const u64 = (o: number, what: string) => toSafeNumber(h.u64(o, what), 'xcoff', base + o, what);
  const importOffset = is64 ? u64(24, 'l_impoff') : h.u32(20, 'l_impoff');
  const stringLength = h.u32(is64 ? 20 : 24, 'l_stlen');
  const stringOffset = is64 ? u64(32, 'l_stoff') : h.u32(28, 'l_stoff');
  const symbolOffset = is64 ? u64(40, 'l_symoff') : headerSize;
  const relocOffset = is64 ? u64(48, 'l_rldoff') : headerSize + symbolCount * LOADER_SYMBOL;
  const inside = (offset: number, length: number, field: number, what: string) => {
    if (offset + length > section.size) {
      throw new FormatError(
        'xcoff',
        base + field,
        `loader ${what} past the loader section: 0x${hex(offset)} + ${length} bytes > its ${section.size} bytes`,
      );
    }
  };
  inside(symbolOffset, symbolCount * LOADER_SYMBOL, is64 ? 40 : 4, 'symbol table');
  inside(
    relocOffset,
    relocationCount * (is64 ? LOADER_RELOC_64 : LOADER_RELOC_32),
    is64 ? 48 : 8,
    'relocations',
  );
  if (stringLength > 0) inside(stringOffset, stringLength, is64 ? 32 : 28, 'string table');
  inside(importOffset, importLength, is64 ? 24 : 20, 'import file ID table');
  // Every ID takes at least three bytes (three empty strings): a count that cannot fit is forged.
  if (importCount > MAX_IMPORTS || importCount * 3 > importLength) {
    throw new FormatError(
      'xcoff',
      base + 16,
      `import file ID count ${importCount} is implausible for a ${importLength}-byte table`,
    );
  }
  const table = new StructView(
    readBytes(src, 'xcoff', base + importOffset, importLength, 'import file ID table'),
    false,
    'xcoff',
    base + importOffset,
  );
  const ids: XcoffImport[] = [];
  let cursor = 0;
  const next = (i: number, what: string): string => {
    const end = table.bytes.indexOf(0, cursor);
    if (end === -1) {
      throw new FormatError(
        'xcoff',
        table.base + cursor,
        `import file ID ${i} ${what} is not terminated by a NUL within the ${importLength}-byte table`,
      );
    }
    const text = table.fixedString(cursor, end - cursor, 'import file ID');
    cursor = end + 1;
    return text;
  };
  for (let i = 0; i < importCount; i++)
    ids.push({ path: next(i, 'path'), base: next(i, 'base'), member: next(i, 'member') });
  return {
    offset: base,
    version,
    symbolCount,
    relocationCount,
    libraryPath: ids[0]?.path ?? '',
    imports: ids.slice(1),
  };
}

/** An import file ID as AIX's tools print it: `path/base(member)`, e.g. `libc.a(shr_64.o)`. */
export function libraryName(id: XcoffImport): string {
  return `${id.path === '' ? '' : `${id.path}/`}${id.base}${id.member === '' ? '' : `(${id.member})`}`;
}

/**
 * `\xff Go build ID: "<id>"\n \xff` at the start of the code: cmd/link writes the go:buildid
 * symbol first in .text, and `go tool buildid` finds it in the file's first 32 KiB
 * (cmd/internal/buildid readRaw; XCOFF has no note for it). Null when absent.
 */
function readGoBuildId(src: ByteSource, sections: readonly XcoffSection[]): string | null {
  const text = sections.find((s) => (s.flags & 0xffff) === STYP_TEXT && s.offset !== 0 && s.size !== 0);
  if (!text) return null;
  const window = readBytes(src, 'xcoff', text.offset, Math.min(text.size, BUILD_ID_WINDOW), '.text');
  const found = findGoBuildIdText(window);
  if (found && 'malformed' in found) {
    throw new FormatError('xcoff', text.offset + found.at, 'malformed Go build ID near the start of .text');
  }
  return found?.id ?? null;
}

/**
 * The build info's view of an XCOFF file (debug/buildinfo xcoffExe): the data starts at the
 * first section whose s_flags are exactly STYP_DATA, and an address is read through the first
 * section that covers it (.bss, with no bytes in the file, reads nothing).
 */
export function xcoffAddressSpace(src: ByteSource, file: XcoffFile): AddressSpace {
  return {
    ptrSize: file.is64 ? 8 : 4,
    littleEndian: false,
    dataStart() {
      const data = file.sections.find((s) => s.flags === STYP_DATA);
      return data ? { address: data.address, size: data.size } : null;
    },
    readAt(address, length) {
      const s = file.sections.find(
        (x) => x.size > 0 && x.address <= address && address - x.address < BigInt(x.size),
      );
      if (!s || s.offset === 0) return null;
      const delta = Number(address - s.address);
      const n = Math.min(length, s.size - delta, src.size - (s.offset + delta));
      return n > 0 ? readBytes(src, 'xcoff', s.offset + delta, n, 'section data') : null;
    },
  };
}

function hex(n: number): string {
  return n.toString(16);
}
