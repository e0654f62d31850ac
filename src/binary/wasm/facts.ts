import { findModInfo } from '../buildinfo/markers.js';
import { parseModInfo } from '../buildinfo/modinfo.js';
import { readBuildInfo } from '../buildinfo/read.js';
import { type ByteSource, readBytes } from '../source.js';
import type { BinaryFacts, GoBuildInfo } from '../types.js';
import { buildInfoAddress, readWasm, type WasmFile, wasmAddressSpace } from './read.js';

/** The host module a Go port imports from (runtime/sys_wasm.s, wasm_exec.js; WASI preview 1). */
const HOSTS = new Map([
  ['gojs', 'js'],
  ['wasi_snapshot_preview1', 'wasip1'],
]);

export function wasmFacts(src: ByteSource): BinaryFacts {
  const wasm = readWasm(src);
  const data = wasm.data ? readBytes(src, 'wasm', wasm.data.offset, wasm.data.size, 'data section') : null;
  // The build-info header first, as debug/buildinfo would read it, searched from the first
  // aligned magic in the raw data (buildInfoAddress). Go's wasm linker leaves go:buildinfo out
  // (its section is not among those asmb writes), so the usual path is Go's own layout: the
  // producers section and the module info between its markers.
  const at = data ? buildInfoAddress(src, wasm, data) : null;
  const go =
    (at !== null ? readBuildInfo(wasmAddressSpace(src, wasm, at)) : null) ?? wasmBuildInfo(data, wasm);
  const hostModule = wasm.imports.map((i) => HOSTS.get(i.module)).find((g) => g !== undefined) ?? null;
  return {
    format: 'wasm',
    goos: go?.settings.GOOS ?? hostModule,
    goarch: 'wasm',
    bits: 32,
    endian: 'little',
    type: 'exec',
    entry: null,
    // A module imports host functions, not shared libraries.
    static: true,
    interpreter: null,
    libraries: [],
    stripped: !wasm.hasNameSection,
    dwarf: wasm.sections.some((s) => s.id === 0 && s.name === '.debug_info'),
    symbols: wasm.functionNames,
    goBuildId: wasm.buildId,
    go,
    sections: wasm.sections.map((s) => ({ name: s.name, address: '0x0', size: s.size, offset: s.offset })),
  };
}

/**
 * Go's wasm linker writes no build-info header (cmd/link/internal/wasm/asm.go never calls
 * ld's buildinfo), so `go version -m` cannot read a .wasm. The facts are there all the same:
 * the Go version in the "producers" section and the module info, between its markers, in
 * the data segments.
 */
function wasmBuildInfo(data: Uint8Array | null, wasm: WasmFile): GoBuildInfo | null {
  const go = wasm.producers.language?.find((p) => p.name === 'Go');
  if (!go) return null;
  const modinfo = data ? findModInfo(data) : null;
  return { version: go.version, ...parseModInfo(modinfo ?? '') };
}
