import { readBuildInfo } from '../buildinfo/read.js';
import { FormatError } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { BinaryFacts, GoBuildInfo } from '../types.js';
import { IMAGE_FILE_DLL, IMAGE_FILE_EXECUTABLE_IMAGE, type PeFile, peAddressSpace, readPe } from './read.js';

/** COFF Machine → GOARCH (debug/pe IMAGE_FILE_MACHINE_*). */
const GOARCH: Record<number, string> = { 332: '386', 34404: 'amd64', 43620: 'arm64', 452: 'arm' };
/** Optional header Subsystem: IMAGE_SUBSYSTEM_WINDOWS_GUI 2, IMAGE_SUBSYSTEM_WINDOWS_CUI 3. */
const SUBSYSTEM_GUI = 2;
const SUBSYSTEM_CONSOLE = 3;
/** Go's own linker imports only kernel32.dll (cmd/link/internal/ld/pe.go); anything else came from cgo. */
const SYSTEM_DLLS = new Set(['kernel32.dll']);

export function peFacts(src: ByteSource): BinaryFacts {
  const pe = readPe(src);
  const go = readGo(src, pe);
  return {
    format: 'pe',
    goos: go?.settings.GOOS ?? 'windows',
    goarch: GOARCH[pe.machine] ?? go?.settings.GOARCH ?? null,
    bits: pe.is64 ? 64 : 32,
    endian: 'little',
    type:
      pe.characteristics & IMAGE_FILE_DLL
        ? 'shared'
        : pe.characteristics & IMAGE_FILE_EXECUTABLE_IMAGE
          ? 'exec'
          : 'other',
    entry: pe.entryRva === 0 ? null : `0x${(pe.imageBase + BigInt(pe.entryRva)).toString(16)}`,
    static: pe.imports.every((dll) => SYSTEM_DLLS.has(dll.toLowerCase())),
    interpreter: null,
    libraries: pe.imports,
    // Not IMAGE_FILE_DEBUG_STRIPPED: Go has set it with DWARF present.
    stripped: pe.numberOfSymbols === 0,
    dwarf: pe.sections.some((s) => s.name === '.debug_info' || s.name === '.zdebug_info'),
    symbols: pe.numberOfSymbols,
    goBuildId: pe.goBuildId,
    subsystem:
      pe.subsystem === SUBSYSTEM_CONSOLE ? 'console' : pe.subsystem === SUBSYSTEM_GUI ? 'gui' : 'other',
    go,
    sections: pe.sections.map((s) => ({
      name: s.name,
      address: `0x${(pe.imageBase + BigInt(s.virtualAddress)).toString(16)}`,
      size: s.virtualSize,
      offset: s.pointerToRawData,
    })),
  };
}

/**
 * The build info, with its errors reported as the PE's own: the blob is part of this file,
 * and callers of a PE reader expect FormatError('pe', …) for any malformed input.
 */
function readGo(src: ByteSource, pe: PeFile): GoBuildInfo | null {
  const space = peAddressSpace(src, pe);
  try {
    return readBuildInfo(space);
  } catch (error) {
    if (!(error instanceof FormatError) || error.format === 'pe') throw error;
    // The build-info reader's offsets are virtual addresses: report the file offset of the data instead.
    const data = space.dataStart();
    const rva = data ? Number(data.address - pe.imageBase) : 0;
    const section = pe.sections.find((s) => s.virtualAddress === rva);
    throw new FormatError('pe', section?.pointerToRawData ?? 0, `Go build info: ${error.problem}`);
  }
}
