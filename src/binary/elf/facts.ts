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

/** EI_OSABI as Go's linker writes it (cmd/link/internal/ld/elf.go); 0 (System V) says nothing. */
function goosOf(osabi: number): string | null {
  return ({ 2: 'netbsd', 9: 'freebsd', 12: 'openbsd' } as Record<number, string>)[osabi] ?? null;
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
    goos: go?.settings.GOOS ?? goosOf(elf.osabi),
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
