import { BUILD_ID_WINDOW, findGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes, toSafeNumber } from '../source.js';
import type { AddressSpace } from '../types.js';
import { StructView } from '../view.js';

/**
 * A thin Mach-O file, as far as crossgo needs it (Apple's <mach-o/loader.h>; Go's
 * src/debug/macho/file.go). Every offset below is relative to `base`, as the file stores it:
 * a slice of a universal binary is a complete Mach-O file of its own.
 */
export interface MachoFile extends Header {
  /** File offset of the Mach-O header: 0 for a thin file, the slice offset in a universal binary. */
  base: number;
  /** Bytes from `base` to the end of the slice (or of the file). */
  size: number;
  segments: MachoSegment[];
  /** Every section of every segment, in load-command order. */
  sections: MachoSection[];
  symtab: MachoSymtab | null;
  /** LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB names, in order. */
  dylibs: string[];
  /** LC_LOAD_DYLINKER name (/usr/lib/dyld). */
  dylinker: string | null;
  /** From the first LC_BUILD_VERSION or LC_VERSION_MIN_* (PLATFORM_MACOS 1, PLATFORM_IOS 2, …). */
  platform: number | null;
  /** Minimum OS version, packed X<<16 | Y<<8 | Z. */
  minos: number | null;
  /** LC_MAIN: __TEXT vmaddr + entryoff; LC_UNIXTHREAD: the pc register. */
  entry: bigint | null;
  codeSignature: { dataoff: number; datasize: number } | null;
  goBuildId: string | null;
}

export interface MachoSegment {
  name: string;
  vmaddr: bigint;
  vmsize: bigint;
  fileoff: number;
  filesize: number;
  maxprot: number;
  initprot: number;
  nsects: number;
  flags: number;
}

export interface MachoSection {
  /** sectname, cut at 16 characters as the format stores it (__debug_gdb_scri). */
  name: string;
  segname: string;
  addr: bigint;
  size: number;
  /** File offset relative to `base`; 0 for zero-fill sections. */
  offset: number;
  align: number;
  flags: number;
}

export interface MachoSymtab {
  symoff: number;
  nsyms: number;
  stroff: number;
  strsize: number;
  /** Entries that are not undefined imports: (n_type & N_TYPE) != N_UNDF, or a debugging (N_STAB) entry. */
  defined: number;
}

export const MH_MAGIC = 0xfeedface;
export const MH_MAGIC_64 = 0xfeedfacf;
export const MH_EXECUTE = 2;
export const MH_DYLIB = 6;
const MH_DSYM = 0xa;
export const MH_PIE = 0x200000;
export const CPU_TYPE_X86 = 7;
export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM = 12;
export const CPU_TYPE_ARM64 = 0x0100000c;

// Load commands (<mach-o/loader.h>; cmd/internal/macho/macho.go).
const LC_SEGMENT = 0x1;
const LC_SYMTAB = 0x2;
const LC_UNIXTHREAD = 0x5;
const LC_LOAD_DYLIB = 0xc;
const LC_LOAD_DYLINKER = 0xe;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const LC_LAZY_LOAD_DYLIB = 0x20;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_VERSION_MIN_IPHONEOS = 0x25;
const LC_VERSION_MIN_TVOS = 0x2f;
const LC_VERSION_MIN_WATCHOS = 0x30;
const LC_BUILD_VERSION = 0x32;
const LC_LOAD_WEAK_DYLIB = 0x80000018;
const LC_REEXPORT_DYLIB = 0x8000001f;
const LC_LOAD_UPWARD_DYLIB = 0x80000023;
const LC_MAIN = 0x80000028;

const DYLIB_COMMANDS = new Set([
  LC_LOAD_DYLIB,
  LC_LOAD_WEAK_DYLIB,
  LC_REEXPORT_DYLIB,
  LC_LOAD_UPWARD_DYLIB,
  LC_LAZY_LOAD_DYLIB,
]);
/** LC_VERSION_MIN_* → the LC_BUILD_VERSION platform it stands for. */
const VERSION_MIN_PLATFORM = new Map([
  [LC_VERSION_MIN_MACOSX, 1],
  [LC_VERSION_MIN_IPHONEOS, 2],
  [LC_VERSION_MIN_TVOS, 3],
  [LC_VERSION_MIN_WATCHOS, 4],
]);

// Section types whose bytes are not in the file (section flags & SECTION_TYPE).
const S_ZEROFILL = 0x1;
const S_GB_ZEROFILL = 0xc;
const S_THREAD_LOCAL_ZEROFILL = 0x12;
// nlist n_type bits (<mach-o/nlist.h>).
const N_STAB = 0xe0;
const N_TYPE = 0x0e;
const N_UNDF = 0x0;

/** cmd/internal/buildid reads at most this much of __text. */
const SYMBOL_CHUNK = 4096;

/** Bounds-checked reads inside one Mach-O image: offsets are relative to its base. */
class Image {
  constructor(
    readonly src: ByteSource,
    readonly base: number,
    readonly size: number,
  ) {}
  read(offset: number, length: number, what: string): Uint8Array {
    if (offset + length > this.size) {
      throw bad(
        this.base + offset,
        `${what}: ${length} bytes needed, the Mach-O image ends at 0x${(this.base + this.size).toString(16)}`,
      );
    }
    return readBytes(this.src, 'macho', this.base + offset, length, what);
  }
  /** True when [offset, offset + length) lies inside the image. */
  holds(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.size;
  }
}

/** The mach_header fields (mach_header_64 adds only a reserved word). */
interface Header {
  is64: boolean;
  littleEndian: boolean;
  cputype: number;
  cpusubtype: number;
  filetype: number;
  ncmds: number;
  sizeofcmds: number;
  flags: number;
}

/** Parses the Mach-O header at file offset `base` and its load commands, which must end by `limit`. */
export function readMacho(src: ByteSource, base = 0, limit = src.size): MachoFile {
  if (
    !Number.isSafeInteger(base) ||
    !Number.isSafeInteger(limit) ||
    base < 0 ||
    limit < base ||
    limit > src.size
  ) {
    throw bad(
      Math.max(0, base),
      `image bounds 0x${base.toString(16)}..0x${limit.toString(16)} are outside the file`,
    );
  }
  const image = new Image(src, base, limit - base);
  const header = readHeader(image);
  const file: MachoFile = {
    base,
    size: image.size,
    ...header,
    segments: [],
    sections: [],
    symtab: null,
    dylibs: [],
    dylinker: null,
    platform: null,
    minos: null,
    entry: null,
    codeSignature: null,
    goBuildId: null,
  };
  const entry = readLoadCommands(image, header, file);
  if (entry?.kind === 'main') {
    // LC_MAIN's entryoff is a file offset; __TEXT maps file offset 0 (dyld: mh + entryoff).
    const text = file.segments.find((s) => s.name === '__TEXT');
    file.entry = text ? (text.vmaddr + entry.value) & 0xffffffffffffffffn : null;
  } else if (entry) {
    file.entry = entry.value;
  }
  file.goBuildId = readGoBuildId(image, file);
  return file;
}

/** mach_header (28 bytes) / mach_header_64 (32): magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags[, reserved]. */
function readHeader(image: Image): Header {
  const magic = image.read(0, 4, 'Mach-O magic');
  const be = new StructView(magic, false, 'macho', image.base).u32(0);
  const le = new StructView(magic, true, 'macho', image.base).u32(0);
  let littleEndian: boolean;
  if ((be & ~1) >>> 0 === MH_MAGIC) littleEndian = false;
  else if ((le & ~1) >>> 0 === MH_MAGIC) littleEndian = true;
  else if (be === 0xcafebabe || be === 0xcafebabf) {
    throw bad(image.base, 'this is a universal (fat) Mach-O file, not a thin one: read it with readFat');
  } else {
    throw bad(image.base, `no Mach-O magic (found 0x${be.toString(16).padStart(8, '0')})`);
  }
  const is64 = ((littleEndian ? le : be) & 1) === 1;
  const h = new StructView(image.read(0, is64 ? 32 : 28, 'Mach-O header'), littleEndian, 'macho', image.base);
  return {
    is64,
    littleEndian,
    cputype: h.u32(4),
    cpusubtype: h.u32(8),
    filetype: h.u32(12),
    ncmds: h.u32(16),
    sizeofcmds: h.u32(20),
    flags: h.u32(24),
  };
}

type EntryCommand = { kind: 'main' | 'thread'; value: bigint };

/**
 * Walks the load commands. Each is {cmd u32, cmdsize u32}; cmdsize is at least 8, a multiple of
 * 4 (32-bit) or 8 (64-bit) as <mach-o/loader.h> requires (LLVM's MachOObjectFile checks it; Go's
 * debug/macho only checks 8 ≤ cmdsize ≤ what is left), and no command runs past sizeofcmds.
 */
function readLoadCommands(image: Image, header: Header, file: MachoFile): EntryCommand | null {
  const start = header.is64 ? 32 : 28;
  const { ncmds, sizeofcmds } = header;
  if (!image.holds(start, sizeofcmds)) {
    throw bad(image.base + 20, `load commands (sizeofcmds ${sizeofcmds}) run past the end of the file`);
  }
  if (ncmds > Math.floor(sizeofcmds / 8)) {
    throw bad(
      image.base + 16,
      `ncmds ${ncmds} cannot fit in sizeofcmds ${sizeofcmds} (8 bytes each at least)`,
    );
  }
  const block = new StructView(
    image.read(start, sizeofcmds, 'load commands'),
    header.littleEndian,
    'macho',
    image.base + start,
  );
  const align = header.is64 ? 8 : 4;
  const seen = new Set<string>();
  let entry: EntryCommand | null = null;
  let offset = 0;
  for (let i = 0; i < ncmds; i++) {
    if (offset + 8 > sizeofcmds) {
      throw bad(block.base + offset, `load command ${i} starts past sizeofcmds ${sizeofcmds}`);
    }
    const cmd = block.u32(offset, 'cmd');
    const cmdsize = block.u32(offset + 4, 'cmdsize');
    if (cmdsize < 8)
      throw bad(block.base + offset + 4, `load command ${i} cmdsize ${cmdsize} is smaller than 8`);
    if (cmdsize % align !== 0) {
      throw bad(
        block.base + offset + 4,
        `load command ${i} cmdsize ${cmdsize} is not a multiple of ${align}`,
      );
    }
    if (offset + cmdsize > sizeofcmds) {
      throw bad(
        block.base + offset + 4,
        `load command ${i} (cmdsize ${cmdsize} at 0x${offset.toString(16)}) runs past sizeofcmds ${sizeofcmds}`,
      );
    }
    const lc = block.sub(offset, cmdsize, 'load command');
    const found = readCommand(image, header, file, cmd, lc, seen);
    if (found) {
      if (entry) throw bad(lc.base, 'more than one LC_MAIN or LC_UNIXTHREAD command');
      entry = found;
    }
    offset += cmdsize;
  }
  return entry;
}

/** One load command; returns the entry point when it is LC_MAIN or LC_UNIXTHREAD. */
function readCommand(
  image: Image,
  header: Header,
  file: MachoFile,
  cmd: number,
  lc: StructView,
  seen: Set<string>,
): EntryCommand | null {
  const once = (name: string) => {
    if (seen.has(name)) throw bad(lc.base, `more than one ${name} command`);
    seen.add(name);
  };
  switch (cmd) {
    case LC_SEGMENT:
    case LC_SEGMENT_64:
      readSegment(image, header, file, lc, cmd === LC_SEGMENT_64);
      return null;
    case LC_SYMTAB:
      once('LC_SYMTAB');
      file.symtab = readSymtab(image, header, lc);
      return null;
    case LC_LOAD_DYLINKER:
      once('LC_LOAD_DYLINKER');
      file.dylinker = commandString(lc, 12, 'LC_LOAD_DYLINKER');
      return null;
    case LC_BUILD_VERSION:
      readBuildVersion(file, lc);
      return null;
    case LC_MAIN:
      minimumSize(lc, 24, 'LC_MAIN');
      // entry_point_command: entryoff u64 @8, stacksize u64 @16.
      return { kind: 'main', value: lc.u64(8, 'entryoff') };
    case LC_UNIXTHREAD:
      return threadEntry(header.cputype, lc);
    case LC_CODE_SIGNATURE:
      once('LC_CODE_SIGNATURE');
      file.codeSignature = readLinkeditData(image, lc, 'code signature');
      return null;
    default:
      if (DYLIB_COMMANDS.has(cmd)) file.dylibs.push(commandString(lc, 24, 'dylib'));
      else if (VERSION_MIN_PLATFORM.has(cmd))
        readVersionMin(file, lc, VERSION_MIN_PLATFORM.get(cmd) as number);
      return null;
  }
}

function minimumSize(lc: StructView, size: number, name: string): void {
  if (lc.length < size) throw bad(lc.base + 4, `${name} cmdsize ${lc.length} is smaller than ${size}`);
}

/**
 * segment_command (56 bytes) / segment_command_64 (72): segname[16] @8, vmaddr, vmsize, fileoff,
 * filesize (u32 or u64 from @24), maxprot, initprot, nsects, flags; then nsects sections of 68 / 80 bytes.
 */
function readSegment(image: Image, header: Header, file: MachoFile, lc: StructView, is64: boolean): void {
  const headerSize = is64 ? 72 : 56;
  const sectionSize = is64 ? 80 : 68;
  const kind = is64 ? 'LC_SEGMENT_64' : 'LC_SEGMENT';
  minimumSize(lc, headerSize, kind);
  const w = is64 ? 8 : 4;
  const name = lc.fixedString(8, 16, 'segname');
  const segment: MachoSegment = {
    name,
    vmaddr: lc.word(24, is64, 'vmaddr'),
    vmsize: lc.word(24 + w, is64, 'vmsize'),
    fileoff: toSafeNumber(
      lc.word(24 + 2 * w, is64, 'fileoff'),
      'macho',
      lc.base + 24 + 2 * w,
      `segment ${name} fileoff`,
    ),
    filesize: toSafeNumber(
      lc.word(24 + 3 * w, is64, 'filesize'),
      'macho',
      lc.base + 24 + 3 * w,
      `segment ${name} filesize`,
    ),
    maxprot: lc.u32(24 + 4 * w, 'maxprot'),
    initprot: lc.u32(28 + 4 * w, 'initprot'),
    nsects: lc.u32(32 + 4 * w, 'nsects'),
    flags: lc.u32(36 + 4 * w, 'flags'),
  };
  if (!image.holds(segment.fileoff, segment.filesize)) {
    throw bad(
      lc.base + 24 + 2 * w,
      `segment ${name} (fileoff 0x${segment.fileoff.toString(16)}, filesize 0x${segment.filesize.toString(16)}) runs past the end of the file`,
    );
  }
  if (segment.nsects > Math.floor((lc.length - headerSize) / sectionSize)) {
    throw bad(
      lc.base + 32 + 4 * w,
      `segment ${name}: nsects ${segment.nsects} do not fit in cmdsize ${lc.length}`,
    );
  }
  file.segments.push(segment);
  for (let i = 0; i < segment.nsects; i++) {
    file.sections.push(
      readSection(image, header, lc.sub(headerSize + i * sectionSize, sectionSize, 'section'), is64),
    );
  }
}

/**
 * section (68 bytes) / section_64 (80): sectname[16], segname[16], addr, size (u32 or u64 from @32),
 * then offset, align, reloff, nreloc, flags (u32 each).
 */
function readSection(image: Image, header: Header, s: StructView, is64: boolean): MachoSection {
  const w = is64 ? 8 : 4;
  const name = s.fixedString(0, 16, 'sectname');
  const section: MachoSection = {
    name,
    segname: s.fixedString(16, 16, 'segname'),
    addr: s.word(32, is64, 'addr'),
    size: toSafeNumber(s.word(32 + w, is64, 'size'), 'macho', s.base + 32 + w, `section ${name} size`),
    offset: s.u32(32 + 2 * w, 'offset'),
    align: s.u32(36 + 2 * w, 'align'),
    flags: s.u32(48 + 2 * w, 'flags'),
  };
  // As LLVM's MachOObjectFile: a section with file contents must lie inside the file (dSYM companions excepted).
  if (
    !isZeroFill(section.flags) &&
    header.filetype !== MH_DSYM &&
    !image.holds(section.offset, section.size)
  ) {
    throw bad(
      s.base + 32 + 2 * w,
      `section ${section.segname},${name} (offset 0x${section.offset.toString(16)}, size 0x${section.size.toString(16)}) runs past the end of the file`,
    );
  }
  return section;
}

/** Zero-fill sections (flags & SECTION_TYPE) have no bytes in the file. */
function isZeroFill(flags: number): boolean {
  const type = flags & 0xff;
  return type === S_ZEROFILL || type === S_GB_ZEROFILL || type === S_THREAD_LOCAL_ZEROFILL;
}

/** symtab_command: symoff @8, nsyms @12, stroff @16, strsize @20; nlist is 12 bytes, nlist_64 16. */
function readSymtab(image: Image, header: Header, lc: StructView): MachoSymtab {
  minimumSize(lc, 24, 'LC_SYMTAB');
  const symoff = lc.u32(8, 'symoff');
  const nsyms = lc.u32(12, 'nsyms');
  const stroff = lc.u32(16, 'stroff');
  const strsize = lc.u32(20, 'strsize');
  const entrySize = header.is64 ? 16 : 12;
  if (!image.holds(symoff, nsyms * entrySize)) {
    throw bad(
      lc.base + 8,
      `symbol table (nsyms ${nsyms} at symoff 0x${symoff.toString(16)}) runs past the end of the file`,
    );
  }
  if (!image.holds(stroff, strsize)) {
    throw bad(
      lc.base + 16,
      `string table (strsize ${strsize} at stroff 0x${stroff.toString(16)}) runs past the end of the file`,
    );
  }
  return { symoff, nsyms, stroff, strsize, defined: countDefinedSymbols(image, symoff, nsyms, entrySize) };
}

/** Counts nlist entries that are not undefined imports; n_type is the byte at +4 in both forms. */
function countDefinedSymbols(image: Image, symoff: number, nsyms: number, entrySize: number): number {
  let defined = 0;
  for (let first = 0; first < nsyms; first += SYMBOL_CHUNK) {
    const count = Math.min(SYMBOL_CHUNK, nsyms - first);
    const table = image.read(symoff + first * entrySize, count * entrySize, 'symbol table');
    for (let i = 0; i < count; i++) {
      const type = table[i * entrySize + 4] as number;
      if ((type & N_STAB) !== 0 || (type & N_TYPE) !== N_UNDF) defined++;
    }
  }
  return defined;
}

/** An lc_str: a u32 offset from the command's start to a NUL-terminated string inside the command. */
function commandString(lc: StructView, headerSize: number, name: string): string {
  minimumSize(lc, headerSize, name);
  const at = lc.u32(8, 'name offset');
  if (at < headerSize || at >= lc.length) {
    throw bad(lc.base + 8, `${name} name offset ${at} is outside the command (cmdsize ${lc.length})`);
  }
  return lc.cstring(at, lc.length - at, `${name} name`);
}

/** build_version_command: platform @8, minos @12, sdk @16, ntools @20, then ntools × 8-byte tool entries. */
function readBuildVersion(file: MachoFile, lc: StructView): void {
  minimumSize(lc, 24, 'LC_BUILD_VERSION');
  const ntools = lc.u32(20, 'ntools');
  if (ntools > Math.floor((lc.length - 24) / 8)) {
    throw bad(lc.base + 20, `LC_BUILD_VERSION: ntools ${ntools} do not fit in cmdsize ${lc.length}`);
  }
  // Like Go's peekMachoPlatform (cmd/link/internal/ld/macho.go): the first platform command wins.
  if (file.platform !== null) return;
  file.platform = lc.u32(8, 'platform');
  file.minos = lc.u32(12, 'minos');
}

/** version_min_command: version @8, sdk @12 (X<<16 | Y<<8 | Z). */
function readVersionMin(file: MachoFile, lc: StructView, platform: number): void {
  minimumSize(lc, 16, 'LC_VERSION_MIN');
  if (file.platform !== null) return;
  file.platform = platform;
  file.minos = lc.u32(8, 'version');
}

/** linkedit_data_command: dataoff @8, datasize @12, inside the file. */
function readLinkeditData(image: Image, lc: StructView, what: string): { dataoff: number; datasize: number } {
  minimumSize(lc, 16, what);
  const dataoff = lc.u32(8, 'dataoff');
  const datasize = lc.u32(12, 'datasize');
  if (!image.holds(dataoff, datasize)) {
    throw bad(
      lc.base + 8,
      `${what} (dataoff 0x${dataoff.toString(16)}, datasize 0x${datasize.toString(16)}) runs past the end of the file`,
    );
  }
  return { dataoff, datasize };
}

/**
 * The pc of LC_UNIXTHREAD's first thread state (thread_command: flavor @8, count @12 in u32
 * words, state @16). Register layouts from <mach/i386/thread_status.h> and <mach/arm/thread_status.h>:
 * x86_THREAD_STATE64 (4) rip is u64 #16; ARM_THREAD_STATE64 (6) pc is u64 #32 after x0–x28, fp, lr, sp;
 * x86_THREAD_STATE32 (1) eip is u32 #10; ARM_THREAD_STATE (1) pc is u32 #15. Go's linker writes
 * the amd64 form (cmd/link/internal/ld/macho.go). Other machines and flavors give no entry.
 */
function threadEntry(cputype: number, lc: StructView): EntryCommand | null {
  minimumSize(lc, 16, 'LC_UNIXTHREAD');
  const flavor = lc.u32(8, 'flavor');
  const count = lc.u32(12, 'count');
  if (count > Math.floor((lc.length - 16) / 4)) {
    throw bad(
      lc.base + 12,
      `LC_UNIXTHREAD: thread state count ${count} does not fit in cmdsize ${lc.length}`,
    );
  }
  const state = lc.sub(16, count * 4, 'thread state');
  const pc = (wide: boolean, index: number, what: string): EntryCommand => {
    const words = (index + 1) * (wide ? 2 : 1);
    if (count < words)
      throw bad(lc.base + 12, `LC_UNIXTHREAD: thread state count ${count} is too small for ${what}`);
    return { kind: 'thread', value: wide ? state.u64(index * 8, what) : BigInt(state.u32(index * 4, what)) };
  };
  if (cputype === CPU_TYPE_X86_64 && flavor === 4) return pc(true, 16, 'rip');
  if (cputype === CPU_TYPE_ARM64 && flavor === 6) return pc(true, 32, 'pc');
  if (cputype === CPU_TYPE_X86 && flavor === 1) return pc(false, 10, 'eip');
  if (cputype === CPU_TYPE_ARM && flavor === 1) return pc(false, 15, 'pc');
  return null;
}

/**
 * The Go build ID: `\xff Go build ID: "<id>"\n \xff` near the start of __text, searched in its
 * first 32 KiB as cmd/internal/buildid readMacho/readRaw do; a start without an end is malformed.
 */
function readGoBuildId(image: Image, file: MachoFile): string | null {
  const text = file.sections.find((s) => s.name === '__text');
  if (!text || text.size === 0 || text.offset === 0 || isZeroFill(text.flags)) return null;
  const found = findGoBuildIdText(image.read(text.offset, Math.min(text.size, BUILD_ID_WINDOW), '__text'));
  if (found && 'malformed' in found) {
    throw bad(image.base + text.offset + found.at, 'malformed Go build ID at the start of __text');
  }
  return found?.id ?? null;
}

/**
 * The build info's view of a Mach-O image (debug/buildinfo machoExe): the __go_buildinfo section,
 * else the first segment with addr ≠ 0, filesize ≠ 0 and maxprot = initprot = rw-. Go searches
 * that segment's vmsize; only its filesize bytes are in the file, so that is what we give.
 * Addresses map through the segments (never __PAGEZERO) to offsets relative to the image's base.
 */
export function machoAddressSpace(src: ByteSource, file: MachoFile): AddressSpace {
  const image = new Image(src, file.base, file.size);
  return {
    ptrSize: file.is64 ? 8 : 4,
    littleEndian: file.littleEndian,
    dataStart() {
      const section = file.sections.find((s) => s.name === '__go_buildinfo');
      if (section) return { address: section.addr, size: section.size };
      const RW = 3;
      const segment = file.segments.find(
        (s) => s.vmaddr !== 0n && s.filesize !== 0 && s.maxprot === RW && s.initprot === RW,
      );
      return segment ? { address: segment.vmaddr, size: segment.filesize } : null;
    },
    readAt(address, length) {
      for (const s of file.segments) {
        if (s.name === '__PAGEZERO' || address < s.vmaddr || address >= s.vmaddr + BigInt(s.filesize))
          continue;
        const delta = Number(address - s.vmaddr);
        const n = Math.min(length, s.filesize - delta);
        return n > 0 ? image.read(s.fileoff + delta, n, 'segment data') : null;
      }
      return null;
    },
  };
}

/** This format's error: every malformed input ends in one. */
function bad(at: number, problem: string): FormatError {
  return new FormatError('macho', at, problem);
}
