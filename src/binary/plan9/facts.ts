import { readBuildInfo } from '../buildinfo/read.js';
import { FormatError } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { BinaryFacts } from '../types.js';
import { type Plan9File, plan9AddressSpace, readPlan9, segments } from './read.js';

/**
 * A Plan 9 executable's facts. What the format leaves implicit is fixed by Plan 9 itself:
 * executables link nothing (no shared libraries, no interpreter), and Go writes no DWARF for
 * plan9 (cmd/link/internal/ld/dwarf.go dwarfEnabled). `endian` is the machine's byte order,
 * as for the other formats: little for 386, amd64 and arm, though the a.out header and symbol
 * table are big-endian on every Plan 9 machine.
 */
export function plan9Facts(src: ByteSource): BinaryFacts {
  const file = readPlan9(src);
  const go = readGo(src, file);
  return {
    format: 'plan9',
    goos: go?.settings.GOOS ?? 'plan9',
    goarch: file.goarch,
    bits: file.is64 ? 64 : 32,
    endian: 'little',
    type: 'exec',
    entry: `0x${file.entry.toString(16)}`,
    static: true,
    interpreter: null,
    libraries: [],
    // Go's linker writes the symbol table unless -s (ld/asmb.go asmbPlan9).
    stripped: file.syms === 0,
    dwarf: false,
    symbols: file.symbols,
    goBuildId: file.goBuildId,
    go,
    // The loaded segments at their addresses, then the tables debug/plan9obj also lists as
    // sections, which are not loaded (address 0).
    sections: [
      ...segments(file).map((s) => ({ ...s, address: `0x${s.address.toString(16)}` })),
      ...tables(file).map((s) => ({ name: s.name, address: '0x0', size: s.size, offset: s.offset })),
    ],
  };
}

/** syms, spsz and pcsz, after the data in the file (debug/plan9obj NewFile). */
function tables(file: Plan9File): { name: string; size: number; offset: number }[] {
  const syms = file.headerSize + file.text + file.data;
  return [
    { name: 'syms', size: file.syms, offset: syms },
    { name: 'spsz', size: file.spsz, offset: syms + file.syms },
    { name: 'pcsz', size: file.pcsz, offset: syms + file.syms + file.spsz },
  ];
}

/**
 * The build info, with the build-info reader's errors (whose offsets are virtual addresses)
 * reported as Plan 9 errors at the file offset of the data segment.
 */
function readGo(src: ByteSource, file: Plan9File): BinaryFacts['go'] {
  try {
    return readBuildInfo(plan9AddressSpace(src, file));
  } catch (error) {
    if (!(error instanceof FormatError) || error.format !== 'buildinfo') throw error;
    throw new FormatError('plan9', file.headerSize + file.text, `Go build info: ${error.problem}`);
  }
}
