import { BUILD_ID_WINDOW, findGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes } from '../source.js';
import type { AddressSpace } from '../types.js';
import { StructView } from '../view.js';

/**
 * Plan 9 a.out executables as Go writes them (src/debug/plan9obj/{plan9obj,file}.go;
 * cmd/link/internal/ld/asmb.go writePlan9Header, symtab.go putplan9sym): a big-endian header
 * of eight u32 (magic, text, data, bss, syms, entry, spsz, pcsz), a u64 entry after it when
 * the magic has HDR_MAGIC, then the text, data and symbol table back to back.
 */
export interface Plan9File {
  magic: number;
  goarch: '386' | 'amd64' | 'arm';
  /** HDR_MAGIC: the 40-byte header with a 64-bit entry; symbol values are 8 bytes. */
  is64: boolean;
  headerSize: number;
  /** The segment sizes from the header. */
  text: number;
  data: number;
  bss: number;
  syms: number;
  spsz: number;
  pcsz: number;
  entry: bigint;
  /** Where the kernel maps text and data (see `layout`). */
  textAddress: number;
  dataAddress: number;
  /** Entries in the symbol table (debug/plan9obj File.Symbols); 0 when there is none. */
  symbols: number;
  goBuildId: string | null;
}

interface Arch {
  goarch: Plan9File['goarch'];
  is64: boolean;
  /** UTZERO: the header is mapped there, the text right after it (debug/plan9obj LoadAddress). */
  loadAddress: number;
  /** UTROUND: data starts at the text's end rounded up to this. */
  round: number;
}

/** HDR_MAGIC: the header is followed by a 64-bit entry (plan9obj.Magic64). */
export const HDR_MAGIC = 0x8000;

/**
 * Only the magics Go writes, as debug/plan9obj parseMagic and debug/buildinfo hasPlan9Magic
 * accept them: _MAGIC(f, b) = f | ((4*b)+0)*b + 7 with b = 11 (I_MAGIC, 386), 26 with
 * HDR_MAGIC (S_MAGIC, amd64), 20 (E_MAGIC, arm). The layout is the one the kernel's sysexec
 * maps and Go's linker assumes (cmd/link/internal/{x86,amd64,arm}/obj.go archinit, Hplan9):
 * HEADR 32 (40 on amd64), FlagTextAddr = 4096 (0x200000) + HEADR, FlagRound 4096 (0x200000).
 */
export const MAGICS: ReadonlyMap<number, Arch> = new Map([
  [(4 * 11 + 0) * 11 + 7, { goarch: '386', is64: false, loadAddress: 0x1000, round: 0x1000 }],
  [
    ((4 * 26 + 0) * 26 + 7) | HDR_MAGIC,
    { goarch: 'amd64', is64: true, loadAddress: 0x200000, round: 0x200000 },
  ],
  [(4 * 20 + 0) * 20 + 7, { goarch: 'arm', is64: false, loadAddress: 0x1000, round: 0x1000 }],
]);

const FIELDS = ['text', 'data', 'bss', 'syms', 'entry', 'spsz', 'pcsz'] as const;

/** Parses the header, checks the layout against the file, counts the symbols and finds the build ID. */
export function readPlan9(src: ByteSource): Plan9File {
  const head = new StructView(readBytes(src, 'plan9', 0, 32, 'a.out header'), false, 'plan9');
  const magic = head.u32(0, 'magic');
  const arch = MAGICS.get(magic);
  if (!arch) {
    throw new FormatError(
      'plan9',
      0,
      `magic 0x${magic.toString(16)} is not one Go writes (0x1eb 386, 0x8a97 amd64, 0x647 arm)`,
    );
  }
  const [text, data, bss, syms, entry32, spsz, pcsz] = FIELDS.map((name, i) =>
    head.u32(4 + 4 * i, name),
  ) as number[] as [number, number, number, number, number, number, number];
  const headerSize = arch.is64 ? 40 : 32;
  // With HDR_MAGIC the kernel takes the u64 after the header as the entry; Go writes the low
  // 31 bits into the u32 field as well (writePlan9Header), and debug/plan9obj reads the u64.
  const entry = arch.is64
    ? new StructView(readBytes(src, 'plan9', 32, 8, '64-bit entry'), false, 'plan9', 32).u64(0)
    : BigInt(entry32);

  // The file holds header, text, data, symbols, spsz and pcsz in this order (debug/plan9obj
  // NewFile). Each size is a u32, so the sums stay far below 2^53.
  const textOffset = headerSize;
  const dataOffset = textOffset + text;
  const symsOffset = dataOffset + data;
  const end = symsOffset + syms + spsz + pcsz;
  if (end > src.size) {
    throw new FormatError(
      'plan9',
      4,
      `header, text (${text}), data (${data}), symbols (${syms}), spsz (${spsz}) and pcsz (${pcsz}) need ${end} bytes, the file ends at 0x${src.size.toString(16)}`,
    );
  }

  const textAddress = arch.loadAddress + headerSize;
  const dataAddress = roundUp(textAddress + text, arch.round);
  // The kernel's sysexec (sys/src/9/port/sysproc.c) refuses an entry outside the text with
  // Ebadexec: such a file is no executable.
  if (entry < BigInt(textAddress) || entry >= BigInt(textAddress + text)) {
    throw new FormatError(
      'plan9',
      arch.is64 ? 32 : 20,
      `entry 0x${entry.toString(16)} is outside the text segment [0x${textAddress.toString(16)}, 0x${(textAddress + text).toString(16)})`,
    );
  }

  const symbols =
    syms === 0
      ? 0
      : countSymbols(
          readBytes(src, 'plan9', symsOffset, syms, 'symbol table'),
          arch.is64 ? 8 : 4,
          symsOffset,
        );
  return {
    magic,
    goarch: arch.goarch,
    is64: arch.is64,
    headerSize,
    text,
    data,
    bss,
    syms,
    spsz,
    pcsz,
    entry,
    textAddress,
    dataAddress,
    symbols,
    goBuildId: readGoBuildId(src, textOffset, text),
  };
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

const Z = 0x7a;
const BIG_Z = 0x5a;

/**
 * Counts the entries as debug/plan9obj Symbols() does (file.go walksymtab): a value of the
 * pointer size, a type byte (Go's linker sets 0x80, "variable length", and readers mask it
 * off), a NUL-terminated name, or for 'z' and 'Z' (file paths) a NUL, then big-endian u16
 * file-name codes up to a double NUL. Fewer than 4 bytes left end the table and a name may run
 * to the table's end, as in Go; a value, type or name cut short is a FormatError where Go's
 * Symbols() fails. (newTable also checks each code against the earlier 'f' entries, but
 * walksymtab drops its callback's error, so Go accepts any code: the count is all we need.)
 * Each entry takes at least 5 bytes and every scan moves forward: linear in the table's size.
 */
export function countSymbols(table: Uint8Array, ptrSize: 4 | 8, base: number): number {
  const length = table.length;
  let p = 0;
  let count = 0;
  const eof = (what: string): never => {
    throw new FormatError(
      'plan9',
      base + p,
      `symbol table: symbol ${count} ${what} runs past the end of the table (${length} bytes)`,
    );
  };
  while (length - p >= 4) {
    if (length - p < ptrSize) eof('value');
    p += ptrSize;
    if (length - p < 1) eof('type');
    const type = (table[p] as number) & 0x7f;
    p++;
    const nul = table.indexOf(0, p);
    let nameLength = nul === -1 ? length - p : nul - p;
    let terminator = nul === -1 ? 0 : 1;
    if (type === Z || type === BIG_Z) {
      // Past the first NUL-terminated part, pairs up to a double NUL; when there is none, the
      // name is every whole pair left and the terminator stays as it was (walksymtab).
      p += nameLength + terminator;
      nameLength = 0;
      while (nameLength + 2 <= length - p) {
        if (table[p + nameLength] === 0 && table[p + nameLength + 1] === 0) {
          terminator = 2;
          break;
        }
        nameLength += 2;
      }
    }
    if (length - p < nameLength + terminator) eof('name');
    p += nameLength + terminator;
    count++;
  }
  return count;
}

/**
 * `\xff Go build ID: "<id>"\n \xff` at the start of the text (Go's linker writes it first, at
 * file offset 0x20 on 386 and arm, 0x40 on amd64 after the text's alignment);
 * cmd/internal/buildid readBinary searches the first 32 KiB of the file for it.
 */
function readGoBuildId(src: ByteSource, textOffset: number, text: number): string | null {
  if (text === 0) return null;
  const window = readBytes(src, 'plan9', textOffset, Math.min(text, BUILD_ID_WINDOW), 'text');
  const found = findGoBuildIdText(window);
  if (found && 'malformed' in found)
    throw new FormatError('plan9', textOffset + found.at, 'malformed Go build ID near the start of the text');
  return found?.id ?? null;
}

/** Text, data and bss as the kernel maps them: [name, address, size, file offset (0: none)]. */
export function segments(file: Plan9File): { name: string; address: number; size: number; offset: number }[] {
  return [
    { name: 'text', address: file.textAddress, size: file.text, offset: file.headerSize },
    { name: 'data', address: file.dataAddress, size: file.data, offset: file.headerSize + file.text },
    { name: 'bss', address: file.dataAddress + file.data, size: file.bss, offset: 0 },
  ];
}

/**
 * The build info's view of a Plan 9 file: text and data at the addresses the kernel maps them.
 * debug/buildinfo plan9objExe uses file offsets as addresses instead (DataStart returns the
 * data section's Offset), so its 16-byte alignment test falls on the file offset: on 386 and
 * arm the data starts 8 bytes off a 16-byte boundary in the file and `go version -m` finds no
 * build info (reported as golang/go#80193); at the kernel's addresses go:buildinfo is aligned as the
 * linker placed it (ld/data.go buildinfo, SetAlign(16)).
 */
export function plan9AddressSpace(src: ByteSource, file: Plan9File): AddressSpace {
  const mapped = segments(file).filter((s) => s.offset !== 0 && s.size > 0);
  return {
    ptrSize: file.is64 ? 8 : 4,
    // 386, amd64 and arm are little-endian machines; only the a.out header is big-endian.
    littleEndian: true,
    dataStart() {
      return file.data > 0 ? { address: BigInt(file.dataAddress), size: file.data } : null;
    },
    readAt(address, length) {
      for (const s of mapped) {
        if (address >= BigInt(s.address) && address < BigInt(s.address + s.size)) {
          const delta = Number(address - BigInt(s.address));
          const n = Math.min(length, s.size - delta);
          return n > 0 ? readBytes(src, 'plan9', s.offset + delta, n, `${s.name} segment`) : null;
        }
      }
      return null;
    },
  };
}
