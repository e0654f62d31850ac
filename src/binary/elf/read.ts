import { FormatError } from '../errors.js';
import { type ByteSource, readBytes, toSafeNumber } from '../source.js';
import type { AddressSpace } from '../types.js';
import { StructView } from '../view.js';

/** ELF, as far as crossgo needs it (src/debug/elf/elf.go; the System V gABI). */
export interface ElfFile {
  is64: boolean;
  littleEndian: boolean;
  osabi: number;
  type: number;
  machine: number;
  entry: bigint;
  programs: ElfProgram[];
  sections: ElfSection[];
  interpreter: string | null;
  needed: string[];
  /** DT_FLAGS_1 (0 when absent). */
  flags1: number;
  /**
   * The names in the dynamic string table (DT_STRTAB, DT_STRSZ bytes): the libraries and the
   * symbols the file imports. Empty without a dynamic section, or when the table is not in the file.
   */
  dynamicStrings: string[];
  /** The owners of the notes in SHT_NOTE sections and PT_NOTE segments ("Go", "OpenBSD"…), each once. */
  noteOwners: string[];
  goBuildId: string | null;
}

export interface ElfProgram {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
  align: bigint;
}

export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_FLAGS_1 = 0x6ffffffbn;
/**
 * Executables have tens of sections (only relocatable objects built with -ffunction-sections
 * come near 65,535, and crossgo reads executables). The cap bounds the work a corrupted e_shnum
 * can cause: every header becomes an object, and 40,000 of them cost tens of milliseconds.
 */
const MAX_SECTIONS = 16_384;
/** Linux refuses a program header table over 64 KiB (fs/binfmt_elf.c, load_elf_phdrs). */
const MAX_PROGRAM_TABLE = 65_536;
const MAX_DYNAMIC = 1 << 16;
/** Go's dynamic string tables hold a few hundred names (Solaris: ~2 KiB); read no more than this. */
const MAX_DYNAMIC_STRINGS = 1 << 18;
/** Notes read per section or segment, and notes kept: Go writes at most five. */
const MAX_NOTE_BYTES = 1 << 16;
const MAX_NOTES = 64;
export const SHT_NOTE = 7;

/** Parses the headers, program headers, section headers, interpreter, DT_NEEDED and the Go build ID note. */
export function readElf(src: ByteSource): ElfFile {
  const ident = readBytes(src, 'elf', 0, 16, 'ELF identification');
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw new FormatError('elf', 0, 'no ELF magic');
  }
  const cls = ident[4] as number;
  const data = ident[5] as number;
  if (cls !== 1 && cls !== 2)
    throw new FormatError('elf', 4, `class ${cls} is neither 1 (32-bit) nor 2 (64-bit)`);
  if (data !== 1 && data !== 2)
    throw new FormatError('elf', 5, `data encoding ${data} is neither 1 (LE) nor 2 (BE)`);
  const is64 = cls === 2;
  const littleEndian = data === 1;
  const h = new StructView(readBytes(src, 'elf', 0, is64 ? 64 : 52, 'ELF header'), littleEndian, 'elf');
  const type = h.u16(16);
  const machine = h.u16(18);
  const entry = h.word(24, is64, 'e_entry');
  const phoff = toSafeNumber(h.word(is64 ? 32 : 28, is64), 'elf', is64 ? 32 : 28, 'e_phoff');
  const shoff = toSafeNumber(h.word(is64 ? 40 : 32, is64), 'elf', is64 ? 40 : 32, 'e_shoff');
  const phentsize = h.u16(is64 ? 54 : 42);
  let phnum = h.u16(is64 ? 56 : 44);
  const shentsize = h.u16(is64 ? 58 : 46);
  let shnum = h.u16(is64 ? 60 : 48);
  let shstrndx = h.u16(is64 ? 62 : 50);

  const wantSh = is64 ? 64 : 40;
  // Extended numbering (gABI): counts too large for the header live in section 0.
  if (shoff !== 0 && (shnum === 0 || shstrndx === 0xffff || phnum === 0xffff)) {
    if (shentsize < wantSh)
      throw new FormatError('elf', is64 ? 58 : 46, `section header size ${shentsize} < ${wantSh}`);
    const s0 = new StructView(
      readBytes(src, 'elf', shoff, wantSh, 'section header 0'),
      littleEndian,
      'elf',
      shoff,
    );
    if (shnum === 0)
      shnum = toSafeNumber(s0.word(is64 ? 32 : 20, is64), 'elf', shoff, 'extended section count');
    if (shstrndx === 0xffff) shstrndx = s0.u32(is64 ? 40 : 24);
    if (phnum === 0xffff) phnum = s0.u32(is64 ? 44 : 28);
  }
  if (shnum > MAX_SECTIONS) throw new FormatError('elf', shoff, `section count ${shnum} is implausible`);
  if (phnum * Math.max(phentsize, is64 ? 56 : 32) > MAX_PROGRAM_TABLE)
    throw new FormatError(
      'elf',
      phoff,
      `program header count ${phnum} is implausible (Linux loads at most 64 KiB of them)`,
    );

  const programs = phnum > 0 ? readPrograms(src, phoff, phnum, phentsize, is64, littleEndian) : [];
  const sections =
    shoff !== 0 && shnum > 0 ? readSections(src, shoff, shnum, shentsize, shstrndx, is64, littleEndian) : [];
  const interpreter = readInterpreter(src, programs);
  const dynamic = readDynamic(src, programs, sections, is64, littleEndian);
  return {
    is64,
    littleEndian,
    osabi: ident[7] as number,
    type,
    machine,
    entry,
    programs,
    sections,
    interpreter,
    needed: dynamic.needed,
    flags1: dynamic.flags1,
    dynamicStrings: dynamic.strings,
    noteOwners: readNoteOwners(src, programs, sections, littleEndian),
    goBuildId:
      readGoBuildIdNote(src, sections, littleEndian) ?? scanGoBuildIdNotes(src, programs, littleEndian),
  };
}

function readPrograms(
  src: ByteSource,
  phoff: number,
  phnum: number,
  size: number,
  is64: boolean,
  le: boolean,
): ElfProgram[] {
  const want = is64 ? 56 : 32;
  if (size < want) throw new FormatError('elf', is64 ? 54 : 42, `program header size ${size} < ${want}`);
  const table = new StructView(
    readBytes(src, 'elf', phoff, phnum * size, 'program headers'),
    le,
    'elf',
    phoff,
  );
  const programs: ElfProgram[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = i * size;
    const at = phoff + o;
    // 64-bit: type, flags, offset, vaddr, paddr, filesz, memsz, align; 32-bit: flags comes after memsz.
    programs.push(
      is64
        ? {
            type: table.u32(o),
            flags: table.u32(o + 4),
            offset: toSafeNumber(table.u64(o + 8), 'elf', at + 8, 'p_offset'),
            vaddr: table.u64(o + 16),
            filesz: toSafeNumber(table.u64(o + 32), 'elf', at + 32, 'p_filesz'),
            memsz: table.u64(o + 40),
            align: table.u64(o + 48),
          }
        : {
            type: table.u32(o),
            offset: table.u32(o + 4),
            vaddr: BigInt(table.u32(o + 8)),
            filesz: table.u32(o + 16),
            memsz: BigInt(table.u32(o + 20)),
            flags: table.u32(o + 24),
            align: BigInt(table.u32(o + 28)),
          },
    );
  }
  return programs;
}

function readSections(
  src: ByteSource,
  shoff: number,
  shnum: number,
  size: number,
  shstrndx: number,
  is64: boolean,
  le: boolean,
): ElfSection[] {
  const want = is64 ? 64 : 40;
  if (size < want) throw new FormatError('elf', is64 ? 58 : 46, `section header size ${size} < ${want}`);
  const bytes = readBytes(src, 'elf', shoff, shnum * size, 'section headers');
  // A DataView straight over the table, not a bounds-checked StructView per field: the table
  // is exactly shnum * size bytes and size >= want, so every read below is in bounds, and a
  // file can declare 65,535 sections (a corrupted e_shnum does) that must still parse in
  // milliseconds. 32-bit fields are read as numbers, without a BigInt each.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (i: number): ElfSection => {
    const o = i * size;
    const at = shoff + o;
    // Elf32_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize (u32 each);
    // Elf64_Shdr: the same with flags, addr, offset, size, addralign, entsize as u64.
    return is64
      ? {
          name: '',
          type: dv.getUint32(o + 4, le),
          flags: dv.getBigUint64(o + 8, le),
          addr: dv.getBigUint64(o + 16, le),
          offset: safeU64(dv, o + 24, le, at, 'sh_offset'),
          size: safeU64(dv, o + 32, le, at, 'sh_size'),
          link: dv.getUint32(o + 40, le),
          entsize: safeU64(dv, o + 56, le, at, 'sh_entsize'),
        }
      : {
          name: '',
          type: dv.getUint32(o + 4, le),
          flags: BigInt(dv.getUint32(o + 8, le)),
          addr: BigInt(dv.getUint32(o + 12, le)),
          offset: dv.getUint32(o + 16, le),
          size: dv.getUint32(o + 20, le),
          link: dv.getUint32(o + 24, le),
          entsize: dv.getUint32(o + 36, le),
        };
  };
  // The name table first, so a table of garbage fails at its first bad name, not after
  // every header has been decoded.
  let names: Uint8Array | null = null;
  let namesAt = 0;
  if (shstrndx !== 0) {
    if (shstrndx >= shnum)
      throw new FormatError(
        'elf',
        is64 ? 62 : 50,
        `section name table index ${shstrndx} is past the ${shnum} sections`,
      );
    const strtab = header(shstrndx);
    names = readBytes(src, 'elf', strtab.offset, strtab.size, 'section name table');
    namesAt = strtab.offset;
  }
  // Many headers share a name offset (always so in a corrupted table): decode each once.
  const cache = new Map<number, string>();
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameOffset = dv.getUint32(i * size, le);
    const section = header(i);
    if (names) {
      // debug/elf NewFile: a name offset outside the table is "bad section name index".
      if (nameOffset >= names.length) {
        throw new FormatError(
          'elf',
          shoff + i * size,
          `section name offset ${nameOffset} is past the name table (${names.length} bytes)`,
        );
      }
      let name = cache.get(nameOffset);
      if (name === undefined) {
        name = new StructView(names, le, 'elf', namesAt).cstring(nameOffset, 256, 'section name');
        cache.set(nameOffset, name);
      }
      section.name = name;
    }
    sections.push(section);
  }
  return sections;
}

/** A u64 field as a number, or a FormatError when it is beyond 2^53 (no BigInt on the way). */
function safeU64(dv: DataView, o: number, le: boolean, at: number, what: string): number {
  const hi = dv.getUint32(le ? o + 4 : o, le);
  const lo = dv.getUint32(le ? o : o + 4, le);
  if (hi > 0x1fffff) toSafeNumber(dv.getBigUint64(o, le), 'elf', at, what);
  return hi * 2 ** 32 + lo;
}

function readInterpreter(src: ByteSource, programs: ElfProgram[]): string | null {
  const interp = programs.find((p) => p.type === PT_INTERP);
  if (!interp) return null;
  const bytes = readBytes(src, 'elf', interp.offset, Math.min(interp.filesz, 4096), 'PT_INTERP');
  return new StructView(bytes, true, 'elf', interp.offset).cstring(0, 4096, 'interpreter');
}

function readDynamic(
  src: ByteSource,
  programs: ElfProgram[],
  sections: ElfSection[],
  is64: boolean,
  le: boolean,
): { needed: string[]; flags1: number; strings: string[] } {
  const dynProgram = programs.find((p) => p.type === PT_DYNAMIC);
  const dynSection = sections.find((s) => s.name === '.dynamic' && s.type !== SHT_NOBITS);
  const where = dynProgram ? { offset: dynProgram.offset, size: dynProgram.filesz } : dynSection;
  if (!where || where.size === 0) return { needed: [], flags1: 0, strings: [] };
  const entry = is64 ? 16 : 8;
  const count = Math.min(Math.floor(where.size / entry), MAX_DYNAMIC);
  const table = new StructView(
    readBytes(src, 'elf', where.offset, count * entry, 'dynamic section'),
    le,
    'elf',
    where.offset,
  );
  const neededOffsets: bigint[] = [];
  let strtab: bigint | null = null;
  let strsz = 0n;
  let flags1 = 0;
  for (let i = 0; i < count; i++) {
    const tag = table.word(i * entry, is64, 'd_tag');
    const val = table.word(i * entry + entry / 2, is64, 'd_val');
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) neededOffsets.push(val);
    else if (tag === DT_STRTAB) strtab = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_FLAGS_1) flags1 = Number(val & 0xffffffffn);
  }
  const strOffset = strtab === null ? null : virtualToOffset(programs, sections, strtab);
  const strings = strOffset === null ? [] : readStringTable(src, strOffset, strsz);
  if (neededOffsets.length === 0) return { needed: [], flags1, strings };
  if (strtab === null) throw new FormatError('elf', where.offset, 'DT_NEEDED without DT_STRTAB');
  if (strOffset === null)
    throw new FormatError('elf', where.offset, `DT_STRTAB 0x${strtab.toString(16)} is not in the file`);
  const needed = neededOffsets.map((n) => {
    const at = strOffset + toSafeNumber(n, 'elf', where.offset, 'DT_NEEDED offset');
    const bytes = readBytes(src, 'elf', at, Math.min(256, src.size - at), 'DT_NEEDED name');
    return new StructView(bytes, le, 'elf', at).cstring(0, 256, 'library name');
  });
  return { needed, flags1, strings };
}

/**
 * The NUL-separated names of a string table, as far as the file holds them (a table that runs
 * past the end is cut there: these names only help tell the OS, they are not the file's structure).
 */
function readStringTable(src: ByteSource, offset: number, size: bigint): string[] {
  if (offset >= src.size) return [];
  const length = Math.min(
    Number(size < BigInt(MAX_DYNAMIC_STRINGS) ? size : MAX_DYNAMIC_STRINGS),
    src.size - offset,
  );
  if (length <= 0) return [];
  const bytes = readBytes(src, 'elf', offset, length, 'dynamic string table');
  return new TextDecoder('latin1')
    .decode(bytes)
    .split('\0')
    .filter((name) => name !== '');
}

/** The file offset of a virtual address, through the PT_LOAD segments (or the sections when there are none). */
export function virtualToOffset(
  programs: ElfProgram[],
  sections: ElfSection[],
  address: bigint,
): number | null {
  for (const p of programs) {
    if (p.type === PT_LOAD && address >= p.vaddr && address < p.vaddr + BigInt(p.filesz)) {
      return p.offset + Number(address - p.vaddr);
    }
  }
  for (const s of sections) {
    if (s.type !== SHT_NOBITS && s.addr !== 0n && address >= s.addr && address < s.addr + BigInt(s.size)) {
      return s.offset + Number(address - s.addr);
    }
  }
  return null;
}

/** The Go build ID note (.note.go.buildid: namesz 4, type 4, name "Go\0\0"); src/cmd/link/internal/ld/elf.go. */
function readGoBuildIdNote(src: ByteSource, sections: ElfSection[], le: boolean): string | null {
  const note = sections.find((s) => s.name === '.note.go.buildid');
  if (!note || note.size < 16) return null;
  const v = new StructView(
    readBytes(src, 'elf', note.offset, Math.min(note.size, 4096), '.note.go.buildid'),
    le,
    'elf',
    note.offset,
  );
  const namesz = v.u32(0);
  const descsz = v.u32(4);
  const type = v.u32(8);
  if (namesz !== 4 || type !== 4 || v.fixedString(12, 4) !== 'Go') {
    throw new FormatError(
      'elf',
      note.offset,
      `.note.go.buildid is not a Go build ID note (namesz ${namesz}, type ${type})`,
    );
  }
  return new TextDecoder().decode(v.slice(16, descsz, 'build ID'));
}

const GO_NOTE_NAME = [0x47, 0x6f, 0, 0]; // "Go\0\0"
const NT_GO_BUILD_ID = 4;

/**
 * Without a .note.go.buildid section (section headers stripped), the notes in the PT_NOTE
 * segments, walked as `go tool buildid` does (src/cmd/internal/buildid/note.go, readELF): each
 * note is {namesz, descsz, type, name padded to 4, desc padded to 4}, the next one at the
 * segment's alignment.
 */
function scanGoBuildIdNotes(src: ByteSource, programs: ElfProgram[], le: boolean): string | null {
  for (const p of programs) {
    if (p.type !== PT_NOTE || p.filesz < 16 || p.offset + p.filesz > src.size) continue;
    const bytes = readBytes(src, 'elf', p.offset, Math.min(p.filesz, 1 << 16), 'PT_NOTE');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const align = p.align > 1n && p.align <= 4096n ? Number(p.align) : 1;
    let at = 0;
    while (bytes.length - at >= 16) {
      const namesz = dv.getUint32(at, le);
      const descsz = dv.getUint32(at + 4, le);
      const type = dv.getUint32(at + 8, le);
      const isGo = GO_NOTE_NAME.every((b, i) => bytes[at + 12 + i] === b);
      if (namesz === 4 && type === NT_GO_BUILD_ID && isGo && at + 16 + descsz <= bytes.length)
        return new TextDecoder().decode(bytes.subarray(at + 16, at + 16 + descsz));
      const size = 12 + roundUp(namesz, 4) + roundUp(descsz, 4);
      const next = roundUp(at + size, align);
      if (next >= bytes.length) break;
      at = next;
    }
  }
  return null;
}

/**
 * The owner names of every note in the SHT_NOTE sections, else the PT_NOTE segments (one of the
 * two is enough: Go's linker puts each note section in a note segment). Each note is {namesz,
 * descsz, type, name padded to 4, desc padded to 4} (gABI "Note Section"); a malformed note ends
 * the walk of its table, it is not an error: notes only tell the OS and the build ID.
 */
function readNoteOwners(
  src: ByteSource,
  programs: ElfProgram[],
  sections: ElfSection[],
  le: boolean,
): string[] {
  const tables = sections.some((s) => s.type === SHT_NOTE)
    ? sections.filter((s) => s.type === SHT_NOTE).map((s) => ({ offset: s.offset, size: s.size }))
    : programs.filter((p) => p.type === PT_NOTE).map((p) => ({ offset: p.offset, size: p.filesz }));
  const owners = new Set<string>();
  let seen = 0;
  for (const { offset, size } of tables) {
    if (offset >= src.size || size < 12) continue;
    const bytes = readBytes(src, 'elf', offset, Math.min(size, MAX_NOTE_BYTES, src.size - offset), 'notes');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; bytes.length - at >= 12 && seen < MAX_NOTES; seen++) {
      const namesz = dv.getUint32(at, le);
      const descsz = dv.getUint32(at + 4, le);
      const end = at + 12 + roundUp(namesz, 4) + roundUp(descsz, 4);
      if (namesz === 0 || namesz > 256 || descsz > bytes.length || end > bytes.length) break;
      const name = bytes.subarray(at + 12, at + 12 + namesz);
      const nul = name.indexOf(0);
      owners.add(new TextDecoder('latin1').decode(nul === -1 ? name : name.subarray(0, nul)));
      at = end;
    }
  }
  return [...owners];
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The build info's view of an ELF file (debug/buildinfo elfExe). */
export function elfAddressSpace(src: ByteSource, elf: ElfFile): AddressSpace {
  return {
    ptrSize: elf.is64 ? 8 : 4,
    littleEndian: elf.littleEndian,
    dataStart() {
      const section = elf.sections.find((s) => s.name === '.go.buildinfo');
      if (section) return { address: section.addr, size: section.size };
      // Without section headers: the first writable, non-executable PT_LOAD.
      const load = elf.programs.find((p) => p.type === PT_LOAD && (p.flags & 3) === 2);
      return load ? { address: load.vaddr, size: load.filesz } : null;
    },
    readAt(address, length) {
      for (const p of elf.programs) {
        if (p.type === PT_LOAD && address >= p.vaddr && address < p.vaddr + BigInt(p.filesz)) {
          const offset = p.offset + Number(address - p.vaddr);
          const n = Math.min(length, p.filesz - Number(address - p.vaddr), src.size - offset);
          return n > 0 ? readBytes(src, 'elf', offset, n, 'data') : null;
        }
      }
      const offset = virtualToOffset([], elf.sections, address);
      if (offset === null) return null;
      return readBytes(src, 'elf', offset, Math.max(0, Math.min(length, src.size - offset)), 'data');
    },
  };
}
