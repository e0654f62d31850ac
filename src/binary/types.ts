/** What every reader reports, in one shape; field names are crossgo inspect's JSON. */

export type BinaryFormat = 'elf' | 'pe' | 'macho' | 'macho-fat' | 'wasm' | 'xcoff' | 'plan9';

export interface SectionInfo {
  name: string;
  /** Virtual address, hex ("0x401000"). */
  address: string;
  size: number;
  /** File offset of the section's bytes; 0 when it has none in the file (e.g. .bss). */
  offset: number;
}

export interface GoModule {
  path: string;
  version: string;
  sum: string;
  replace: GoModule | null;
}

/** The facts `go version -m` prints. */
export interface GoBuildInfo {
  version: string;
  path: string;
  main: GoModule | null;
  deps: GoModule[];
  settings: Record<string, string>;
}

export interface BinaryFacts {
  format: BinaryFormat;
  /** From the Go build info, else what the format tells (ELF OS ABI, PE → windows, Mach-O → darwin, plan9). */
  goos: string | null;
  /** Go's spelling of the machine. */
  goarch: string | null;
  bits: 32 | 64;
  endian: 'little' | 'big';
  type: 'exec' | 'pie' | 'shared' | 'other';
  /** Entry point address, hex; null when the format has none (wasm: the start function index is not an address). */
  entry: string | null;
  static: boolean;
  interpreter: string | null;
  libraries: string[];
  stripped: boolean;
  dwarf: boolean;
  symbols: number;
  goBuildId: string | null;
  /** PE only. */
  subsystem?: 'console' | 'gui' | 'other';
  /** Mach-O only: minimum OS version ("11.0"), from LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX. */
  minOS?: string | null;
  codeSignature?: 'none' | 'adhoc-valid' | 'adhoc-invalid' | 'other';
  go: GoBuildInfo | null;
  sections: SectionInfo[];
  /** macho-fat only: each slice's full record. */
  slices?: BinaryFacts[];
}

/**
 * What the build-info reader needs from a format: where Go's writable data starts, and a
 * way to read bytes by virtual address (cmd/go's debug/buildinfo `exe` interface).
 */
export interface AddressSpace {
  /** The section or segment to search for the build-info magic, as [address, size]; null when none. */
  dataStart(): { address: bigint; size: number } | null;
  /** Up to `length` bytes at a virtual address (fewer at the end of a segment), or null if unmapped. */
  readAt(address: bigint, length: number): Uint8Array | null;
  /** Pointer size and byte order, for the pre-1.18 pointer format. */
  ptrSize: 4 | 8;
  littleEndian: boolean;
}
