import { readBuildInfo } from '../buildinfo/read.js';
import { FormatError } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { BinaryFacts } from '../types.js';
import {
  type ElfFile,
  elfAddressSpace,
  PT_INTERP,
  readElf,
  SHT_NOBITS,
  SHT_SYMTAB,
  virtualToOffset,
} from './read.js';

const ET_EXEC = 2;
const ET_DYN = 3;
const DF_1_PIE = 0x08000000;

/** e_machine → GOARCH; some machines need the class and byte order to tell Go's names apart. */
function goarchOf(elf: ElfFile): string | null {
  switch (elf.machine) {
    case 3:
      return '386';
    case 62:
      return 'amd64';
    case 40:
      return 'arm';
    case 183:
      return 'arm64';
    case 8:
      return (elf.is64 ? 'mips64' : 'mips') + (elf.littleEndian ? 'le' : '');
    case 21:
      return elf.littleEndian ? 'ppc64le' : 'ppc64';
    case 22:
      return 's390x';
    case 243:
      return elf.is64 ? 'riscv64' : null;
    case 258:
      return 'loong64';
    default:
      return null;
  }
}

/** EI_OSABI as Go's linker writes it (cmd/link/internal/ld/elf.go, asmbElf); 0 (System V) says nothing. */
const OSABI_GOOS: Readonly<Record<number, string>> = { 2: 'netbsd', 9: 'freebsd', 12: 'openbsd' };
/** Identification notes: OpenBSD, NetBSD, FreeBSD (Go's linker, elf.go) and Android (the NDK's crtbegin). */
const NOTE_GOOS: Readonly<Record<string, string>> = {
  OpenBSD: 'openbsd',
  NetBSD: 'netbsd',
  FreeBSD: 'freebsd',
  Android: 'android',
};
/** The interpreters each OS names (the *dynld fields of cmd/link/internal/<arch>/obj.go, and musl's). */
const INTERPRETER_GOOS: readonly [RegExp, string][] = [
  [/^\/system\/bin\/linker(64)?$/, 'android'],
  [/^\/usr\/libexec\/ld\.so$/, 'openbsd'],
  [/^(\/usr)?\/libexec\/ld-elf\.so\.1$/, 'freebsd'],
  [/^\/usr\/libexec\/ld-elf\.so\.2$/, 'dragonfly'],
  [/^(\/usr)?\/libexec\/ld\.elf_so$/, 'netbsd'],
  // Go's Solaris interpreter for amd64, its only Solaris/illumos port; /lib/ld.so.1 is Linux's on mips and riscv64.
  [/^\/lib\/amd64\/ld\.so\.1$/, 'solaris'],
  [/^\/lib(64)?\/(ld-(linux|musl)[-.\w]*\.so\.\d|ld(64)?\.so\.[12])$/, 'linux'],
];
/** Program header types Go's linker writes for one OS only (elf.go, asmbElf). */
const PT_GNU_STACK = 0x6474e551;
const PT_OPENBSD_NOBTCFI = 0x65a3dbe8;
const PT_SUNWSTACK = 0x6ffffffb;
/** Imported by runtime/os_illumos.go only: tells illumos from Solaris, which share the rest. */
const ILLUMOS_ONLY_IMPORT = 'getrctl';

/**
 * The GOOS of an ELF file without Go build info (an old Go's, or one whose build info is gone),
 * from what Go's linker writes per OS (cmd/link/internal/ld/elf.go): the OS ABI byte (FreeBSD,
 * NetBSD, OpenBSD), their identification notes, the interpreter (Android, OpenBSD, Solaris and
 * illumos always have one), then the stack segment: PT_OPENBSD_NOBTCFI, PT_SUNWSTACK, and
 * PT_GNU_STACK for Linux (FreeBSD's also, told apart by the ABI byte). DragonFly gets none of
 * these: a Go binary (one with a Go build ID) with no mark at all is DragonFly's.
 */
function goosOf(elf: ElfFile): string | null {
  const solarisFamily = () => (elf.dynamicStrings.includes(ILLUMOS_ONLY_IMPORT) ? 'illumos' : 'solaris');
  const byAbi = OSABI_GOOS[elf.osabi];
  if (byAbi) return byAbi;
  for (const owner of elf.noteOwners) {
    const byNote = NOTE_GOOS[owner];
    if (byNote) return byNote;
  }
  if (elf.interpreter !== null) {
    const byInterpreter = INTERPRETER_GOOS.find(([pattern]) => pattern.test(elf.interpreter as string))?.[1];
    if (byInterpreter === 'solaris') return solarisFamily();
    if (byInterpreter) return byInterpreter;
  }
  const types = new Set(elf.programs.map((p) => p.type));
  if (types.has(PT_OPENBSD_NOBTCFI)) return 'openbsd';
  if (types.has(PT_SUNWSTACK)) return solarisFamily();
  if (types.has(PT_GNU_STACK)) return 'linux';
  return elf.goBuildId !== null ? 'dragonfly' : null;
}

export function elfFacts(src: ByteSource): BinaryFacts {
  const elf = readElf(src);
  const go = readGo(src, elf);
  const hasInterp = elf.programs.some((p) => p.type === PT_INTERP);
  const type =
    elf.type === ET_EXEC
      ? 'exec'
      : elf.type === ET_DYN
        ? hasInterp || elf.flags1 & DF_1_PIE
          ? 'pie'
          : 'shared'
        : 'other';
  const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB);
  return {
    format: 'elf',
    goos: go?.settings.GOOS ?? goosOf(elf),
    goarch: go?.settings.GOARCH ?? goarchOf(elf),
    bits: elf.is64 ? 64 : 32,
    endian: elf.littleEndian ? 'little' : 'big',
    type,
    entry: `0x${elf.entry.toString(16)}`,
    static: elf.interpreter === null && elf.needed.length === 0,
    interpreter: elf.interpreter,
    libraries: elf.needed,
    stripped: symtab === undefined,
    dwarf: elf.sections.some((s) => s.name === '.debug_info' || s.name === '.zdebug_info'),
    symbols: symtab && symtab.entsize > 0 ? Math.floor(symtab.size / symtab.entsize) : 0,
    goBuildId: elf.goBuildId,
    go,
    sections: elf.sections
      .filter((s) => s.name !== '')
      .map((s) => ({
        name: s.name,
        address: `0x${s.addr.toString(16)}`,
        size: s.size,
        offset: s.type === SHT_NOBITS ? 0 : s.offset,
      })),
  };
}

/**
 * The build info, with the build-info reader's errors (whose offsets are virtual addresses)
 * reported as ELF errors at the file offset of the data that holds it.
 */
function readGo(src: ByteSource, elf: ElfFile): BinaryFacts['go'] {
  const space = elfAddressSpace(src, elf);
  try {
    return readBuildInfo(space);
  } catch (error) {
    if (!(error instanceof FormatError) || error.format !== 'buildinfo') throw error;
    const start = space.dataStart();
    const offset = start ? (virtualToOffset(elf.programs, elf.sections, start.address) ?? 0) : 0;
    throw new FormatError('elf', offset, `Go build info: ${error.problem}`);
  }
}
