import { parseGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes } from '../source.js';
import type { AddressSpace } from '../types.js';
import { utf8 } from '../view.js';

/**
 * WebAssembly modules as Go's linker writes them (src/cmd/link/internal/wasm/asm.go): a
 * "go:buildid" custom section first, the standard sections, the data segments holding the
 * build info at a linear-memory address, a "producers" section and, unless -s, a "name" section.
 * The code section is never read, and the data segments only on demand (readDataSegments).
 */
export interface WasmFile {
  sections: WasmSection[];
  imports: { module: string; name: string }[];
  buildId: string | null;
  functionNames: number;
  hasNameSection: boolean;
  /** The "producers" section: field → [{name, version}] (Go writes language: Go <version>). */
  producers: Record<string, { name: string; version: string }[]>;
  /** The data section's place in the file. */
  data: { offset: number; size: number } | null;
}

export interface WasmSection {
  id: number;
  /** The custom section's name, else the standard section's. */
  name: string;
  offset: number;
  size: number;
}

const STANDARD = [
  'custom',
  'type',
  'import',
  'function',
  'table',
  'memory',
  'global',
  'export',
  'start',
  'element',
  'code',
  'data',
  'datacount',
  'tag',
];
const MAX_SECTIONS = 10_000;
const MAX_ITEMS = 1_000_000;

/** A cursor over one section's bytes; every read is bounded by the section. */
class Cursor {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
    private readonly base: number,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  byte(what: string): number {
    if (this.pos >= this.end)
      throw new FormatError('wasm', this.base + this.pos, `${what}: past the end of the section`);
    return this.bytes[this.pos++] as number;
  }
  /** Unsigned LEB128, at most 5 bytes for a u32. */
  u32(what: string): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte(what);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new FormatError('wasm', this.base + this.pos, `${what}: LEB128 longer than 5 bytes`);
  }
  /** Signed LEB128 (an i32.const operand). */
  s32(what: string): number {
    let result = 0;
    let shift = 0;
    let b = 0;
    do {
      if (shift >= 35)
        throw new FormatError('wasm', this.base + this.pos, `${what}: LEB128 longer than 5 bytes`);
      b = this.byte(what);
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (~0 << shift) : result;
  }
  take(length: number, what: string): Uint8Array {
    const from = this.pos;
    this.skip(length, what);
    return this.bytes.subarray(from, this.pos);
  }
  /** Moves past `length` bytes without a view on them (data segments: tens of thousands in a Go module). */
  skip(length: number, what: string): void {
    if (length > this.end - this.pos)
      throw new FormatError('wasm', this.base + this.pos, `${what}: ${length} bytes run past the section`);
    this.pos += length;
  }
  /** The file offset of the cursor, for errors. */
  get at(): number {
    return this.base + this.pos;
  }
  name(what: string): string {
    return utf8(this.take(this.u32(what), what));
  }
}

export function readWasm(src: ByteSource): WasmFile {
  const head = readBytes(src, 'wasm', 0, 8, 'wasm header');
  if (head[0] !== 0 || head[1] !== 0x61 || head[2] !== 0x73 || head[3] !== 0x6d)
    throw new FormatError('wasm', 0, 'no \\0asm magic');
  const version = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  if (version !== 1) throw new FormatError('wasm', 4, `version ${version} is not 1`);
  const file: WasmFile = {
    sections: [],
    imports: [],
    buildId: null,
    functionNames: 0,
    hasNameSection: false,
    producers: {},
    data: null,
  };
  let offset = 8;
  while (offset < src.size) {
    if (file.sections.length >= MAX_SECTIONS) throw new FormatError('wasm', offset, 'too many sections');
    const header = readBytes(src, 'wasm', offset, Math.min(6, src.size - offset), 'section header');
    const cursor = new Cursor(header, 0, header.length, offset);
    const id = cursor.byte('section id');
    const size = cursor.u32('section size');
    const start = offset + cursor.pos;
    if (start + size > src.size)
      throw new FormatError('wasm', offset, `section of ${size} bytes runs past the end of the file`);
    readSection(src, file, id, start, size);
    offset = start + size;
  }
  return file;
}

function readSection(src: ByteSource, file: WasmFile, id: number, start: number, size: number): void {
  if (id > 13) throw new FormatError('wasm', start - 1, `unknown section id ${id}`);
  // Only small sections and the ones we need are read: code is never touched.
  if (id === 0) {
    // The name is a u32 LEB128 length and UTF-8 bytes; read only that much of the section
    // (a .debug_* section can be megabytes), but however long the name is.
    const head = readBytes(src, 'wasm', start, Math.min(size, 5), 'custom section name length');
    const length = new Cursor(head, 0, head.length, start).u32('custom section name length');
    const named = readBytes(src, 'wasm', start, Math.min(size, 5 + length), 'custom section name');
    const c = new Cursor(named, 0, named.length, start);
    const name = c.name('custom section name');
    file.sections.push({ id, name, offset: start, size });
    if (name === 'go:buildid') {
      const body = readBytes(src, 'wasm', start + c.pos, size - c.pos, 'go:buildid');
      file.buildId = parseGoBuildIdText(body) ?? utf8(body);
    } else if (name === 'producers') {
      const body = readBytes(src, 'wasm', start, size, 'producers section');
      file.producers = readProducers(new Cursor(body, c.pos, body.length, start));
    } else if (name === 'name') {
      file.hasNameSection = true;
      file.functionNames = countFunctionNames(
        readBytes(src, 'wasm', start, size, 'name section'),
        c.pos,
        start,
      );
    }
    return;
  }
  file.sections.push({ id, name: STANDARD[id] ?? String(id), offset: start, size });
  if (id === 2)
    readImports(new Cursor(readBytes(src, 'wasm', start, size, 'import section'), 0, size, start), file);
  // The data segments are decoded only when linear memory is needed (readDataSegments): a Go
  // module has tens of thousands of them, and the build info is usually found without them.
  if (id === 11) file.data = { offset: start, size };
}

function readImports(c: Cursor, file: WasmFile): void {
  const count = c.u32('import count');
  if (count > MAX_ITEMS) throw new FormatError('wasm', c.at, `import count ${count} is implausible`);
  for (let i = 0; i < count; i++) {
    const module = c.name('import module');
    const name = c.name('import name');
    const kind = c.byte('import kind');
    // Skip the description: a type index, a table type, a memory type or a global type.
    if (kind === 0) c.u32('type index');
    else if (kind === 1) {
      c.byte('table element type');
      skipLimits(c);
    } else if (kind === 2) skipLimits(c);
    else if (kind === 3) {
      c.byte('global type');
      c.byte('global mutability');
    } else throw new FormatError('wasm', c.at, `import kind ${kind} is unknown`);
    file.imports.push({ module, name });
  }
}

function skipLimits(c: Cursor): void {
  const flags = c.byte('limits flags');
  c.u32('limits minimum');
  if (flags & 1) c.u32('limits maximum');
}

export interface DataSegment {
  /** Linear-memory address. */
  address: number;
  /** File offset of the bytes. */
  offset: number;
  size: number;
}

/** Active data segments of memory 0 with an i32.const offset: the ones Go writes (wasm/asm.go writeDataSec). */
export function readDataSegments(src: ByteSource, wasm: WasmFile): DataSegment[] {
  if (!wasm.data) return [];
  const { offset: start, size } = wasm.data;
  const c = new Cursor(readBytes(src, 'wasm', start, size, 'data section'), 0, size, start);
  const segments: DataSegment[] = [];
  const count = c.u32('data segment count');
  if (count > MAX_ITEMS) throw new FormatError('wasm', start, `data segment count ${count} is implausible`);
  for (let i = 0; i < count; i++) {
    const kind = c.u32('data segment kind');
    let address: number | null = null;
    if (kind === 0 || kind === 2) {
      if (kind === 2) c.u32('memory index');
      const op = c.byte('offset expression');
      if (op === 0x41) address = c.s32('i32.const') >>> 0;
      else if (op === 0x23) c.u32('global index');
      else
        throw new FormatError('wasm', c.at, `offset expression opcode 0x${op.toString(16)} is not supported`);
      if (c.byte('end of expression') !== 0x0b)
        throw new FormatError('wasm', c.at, 'offset expression does not end');
    } else if (kind !== 1) throw new FormatError('wasm', c.at, `data segment kind ${kind} is unknown`);
    const length = c.u32('data segment size');
    const offset = c.at;
    c.skip(length, 'data segment');
    if (address !== null) segments.push({ address, offset, size: length });
  }
  return segments;
}

/** The tool-conventions producers section: fields, each with name/version pairs. */
function readProducers(c: Cursor): WasmFile['producers'] {
  // No prototype: a field named "__proto__" or "constructor" is data, not Object's own property.
  const out: WasmFile['producers'] = Object.create(null);
  const fields = c.u32('producers field count');
  if (fields > 64) throw new FormatError('wasm', c.at, `producers field count ${fields} is implausible`);
  for (let i = 0; i < fields; i++) {
    const field = c.name('producers field');
    const values = c.u32('producers value count');
    if (values > 64) throw new FormatError('wasm', c.at, `producers value count ${values} is implausible`);
    const list: { name: string; version: string }[] = [];
    for (let k = 0; k < values; k++)
      list.push({ name: c.name('producer name'), version: c.name('producer version') });
    out[field] = list;
  }
  return out;
}

function countFunctionNames(bytes: Uint8Array, from: number, base: number): number {
  const c = new Cursor(bytes, from, bytes.length, base);
  while (!c.done) {
    const sub = c.byte('name subsection id');
    const size = c.u32('name subsection size');
    if (sub === 1) return c.u32('function name count');
    c.skip(size, 'name subsection');
  }
  return 0;
}

/** Linear memory as the data segments fill it: the build info is at a 16-aligned address in one of them. */
export function wasmAddressSpace(src: ByteSource, wasm: WasmFile): AddressSpace {
  const segments = readDataSegments(src, wasm).sort((a, b) => a.address - b.address);
  // reach[i]: the highest end address of segments 0..i, so a binary search finds the first
  // segment that can overlap an address even when segments overlap one another. Go writes
  // tens of thousands of segments (one per run of non-zero data), so a linear scan per read
  // made the build-info search take tens of milliseconds.
  const reach: number[] = [];
  for (const [i, s] of segments.entries()) reach.push(Math.max(reach[i - 1] ?? 0, s.address + s.size));
  const first = segments[0];
  const end = reach.at(-1) ?? 0;
  return {
    ptrSize: 4,
    littleEndian: true,
    dataStart() {
      if (!first) return null;
      return { address: BigInt(first.address), size: end - first.address };
    },
    readAt(address, length) {
      // Linear memory is zero where no segment writes it, so gaps read as zeros.
      if (!first) return null;
      const a = Number(address);
      if (a < first.address || a >= end) return null;
      const out = new Uint8Array(Math.min(length, end - a));
      for (let i = firstReaching(reach, a); i < segments.length; i++) {
        const s = segments[i] as (typeof segments)[number];
        if (s.address >= a + out.length) break;
        if (s.address + s.size <= a) continue;
        const from = Math.max(a, s.address);
        const to = Math.min(a + out.length, s.address + s.size);
        out.set(readBytes(src, 'wasm', s.offset + (from - s.address), to - from, 'data segment'), from - a);
      }
      return out;
    },
  };
}

/** The first index whose reach is past `address` (reach is non-decreasing). */
function firstReaching(reach: number[], address: number): number {
  let lo = 0;
  let hi = reach.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((reach[mid] as number) > address) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
