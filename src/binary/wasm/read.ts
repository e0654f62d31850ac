import { findGoBuildIdText } from '../buildid.js';
import { indexOfBuildInfoMagic } from '../buildinfo/read.js';
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
  /** Skips a LEB128 of at most `max` bytes. */
  skipLeb(max: number, what: string): void {
    for (let i = 0; i < max; i++) if ((this.byte(what) & 0x80) === 0) return;
    throw new FormatError('wasm', this.base + this.pos, `${what}: LEB128 longer than ${max} bytes`);
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
      const found = findGoBuildIdText(body);
      file.buildId = found && 'id' in found ? found.id : utf8(body);
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
    } else if (kind === 4) {
      // A tag (exception handling): an attribute byte and a type index.
      c.byte('tag attribute');
      c.u32('tag type index');
    } else throw new FormatError('wasm', c.at, `import kind ${kind} is unknown`);
    file.imports.push({ module, name });
  }
}

/**
 * Limits: a flags byte (bit 0 has a maximum, bit 1 shared, bit 2 memory64), then the minimum
 * and maybe the maximum, u32 LEB128s, or u64 ones (up to 10 bytes) for a 64-bit memory.
 */
function skipLimits(c: Cursor): void {
  const flags = c.byte('limits flags');
  const skip = flags & 4 ? (what: string) => c.skipLeb(10, what) : (what: string) => c.u32(what);
  skip('limits minimum');
  if (flags & 1) skip('limits maximum');
}

/**
 * The active data segments of memory 0 with an i32.const offset (the ones Go writes, wasm/asm.go
 * writeDataSec), as columns rather than an object each: a Go module has tens of thousands of
 * segments, and rebuilding linear memory from them must stay within a few milliseconds.
 */
interface SegmentTable {
  count: number;
  /** Linear-memory address, file offset and size of segment i, in file order. */
  address: Float64Array;
  offset: Float64Array;
  size: Float64Array;
}

const tables = new WeakMap<WasmFile, SegmentTable>();

function segmentTable(src: ByteSource, wasm: WasmFile): SegmentTable {
  const known = tables.get(wasm);
  if (known) return known;
  const empty: SegmentTable = {
    count: 0,
    address: new Float64Array(0),
    offset: new Float64Array(0),
    size: new Float64Array(0),
  };
  if (!wasm.data) return empty;
  const { offset: start, size } = wasm.data;
  const raw = readBytes(src, 'wasm', start, size, 'data section');
  const c = new Cursor(raw, 0, size, start);
  const count = c.u32('data segment count');
  if (count > MAX_ITEMS) throw new FormatError('wasm', start, `data segment count ${count} is implausible`);
  // A segment takes at least 2 bytes (a passive one: kind and size), which bounds the columns.
  const capacity = Math.min(count, Math.floor(size / 2));
  const table: SegmentTable = {
    count: 0,
    address: new Float64Array(capacity),
    offset: new Float64Array(capacity),
    size: new Float64Array(capacity),
  };
  const segment: SegmentHeader = { address: -1, length: 0, end: 0 };
  for (let i = 0; i < count; i++) {
    if (goSegmentHeader(raw, c.pos, size, segment)) c.pos = segment.end;
    else segmentHeader(c, segment);
    const offset = c.at;
    c.skip(segment.length, 'data segment');
    if (segment.address === -1) continue;
    if (table.count === capacity)
      throw new FormatError('wasm', c.at, 'more data segments than the section can hold');
    table.address[table.count] = segment.address;
    table.offset[table.count] = offset;
    table.size[table.count] = segment.length;
    table.count++;
  }
  tables.set(wasm, table);
  return table;
}

interface SegmentHeader {
  /** The i32.const address, or -1 for a passive segment or one placed by a global. */
  address: number;
  length: number;
  /** Where the bytes start, relative to the section (fast path only). */
  end: number;
}

/**
 * The header Go writes for every segment (wasm/asm.go writeDataSec: memory 0, i32.const
 * address, end, size), decoded straight from the bytes into `out` (no object per segment:
 * this runs tens of thousands of times per module). Anything else, or anything cut short,
 * returns false and goes through segmentHeader, which knows every form and reports errors.
 */
function goSegmentHeader(raw: Uint8Array, p: number, size: number, out: SegmentHeader): boolean {
  // At most 13 bytes: kind, 0x41, 5-byte SLEB128, 0x0b, 5-byte ULEB128.
  if (raw[p] !== 0 || raw[p + 1] !== 0x41 || p + 13 > size) return false;
  let q = p + 2;
  let value = 0;
  let shift = 0;
  let b = 0;
  do {
    b = raw[q++] as number;
    value |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80 && shift < 35);
  if (b & 0x80 || raw[q] !== 0x0b) return false;
  if (shift < 32 && b & 0x40) value |= ~0 << shift;
  q++;
  let length = 0;
  shift = 0;
  do {
    b = raw[q++] as number;
    length += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80 && shift < 35);
  if (b & 0x80) return false;
  out.address = value >>> 0;
  out.length = length;
  out.end = q;
  return true;
}

/** Any segment header of the core spec (kinds 0, 1, 2), through the checked cursor. */
function segmentHeader(c: Cursor, out: SegmentHeader): void {
  const kind = c.u32('data segment kind');
  let address = -1;
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
  out.address = address;
  out.length = c.u32('data segment size');
  out.end = c.pos;
}

export interface DataSegment {
  /** Linear-memory address. */
  address: number;
  /** File offset of the bytes. */
  offset: number;
  size: number;
}

/** The active data segments with a constant address, in file order. */
export function readDataSegments(src: ByteSource, wasm: WasmFile): DataSegment[] {
  const t = segmentTable(src, wasm);
  return Array.from({ length: t.count }, (_, i) => ({
    address: t.address[i] as number,
    offset: t.offset[i] as number,
    size: t.size[i] as number,
  }));
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

/**
 * Linear memory as the data segments fill it: the build info is at a 16-aligned address in one
 * of them. `from` starts the searched range (dataStart) there rather than at the first segment:
 * see buildInfoAddress.
 */
export function wasmAddressSpace(src: ByteSource, wasm: WasmFile, from?: number): AddressSpace {
  const t = segmentTable(src, wasm);
  // The whole data section once (the segments were decoded from it, so it is in bounds):
  // a read of a megabyte of linear memory touches thousands of segments.
  const base = wasm.data?.offset ?? 0;
  const raw = wasm.data ? readBytes(src, 'wasm', base, wasm.data.size, 'data section') : new Uint8Array(0);
  const order = addressOrder(t);
  // reach[k]: the highest end address of the segments before and at order[k], so a binary
  // search finds the first segment that can overlap an address even when segments overlap.
  const reach = new Float64Array(t.count);
  let high = 0;
  for (let k = 0; k < t.count; k++) {
    const i = order(k);
    high = Math.max(high, (t.address[i] as number) + (t.size[i] as number));
    reach[k] = high;
  }
  const first = t.count > 0 ? (t.address[order(0)] as number) : 0;
  const end = high;
  return {
    ptrSize: 4,
    littleEndian: true,
    dataStart() {
      if (t.count === 0) return null;
      const start = Math.max(from ?? first, first);
      return start < end ? { address: BigInt(start), size: end - start } : null;
    },
    readAt(address, length) {
      // Linear memory is zero where no segment writes it, so gaps read as zeros.
      const a = Number(address);
      if (t.count === 0 || a < first || a >= end) return null;
      const out = new Uint8Array(Math.min(length, end - a));
      for (let k = firstReaching(reach, a); k < t.count; k++) {
        const i = order(k);
        const at = t.address[i] as number;
        const size = t.size[i] as number;
        if (at >= a + out.length) break;
        if (at + size <= a) continue;
        const lo = Math.max(a, at);
        const hi = Math.min(a + out.length, at + size);
        copy(raw, (t.offset[i] as number) - base + (lo - at), hi - lo, out, lo - a);
      }
      return out;
    },
  };
}

/** `length` bytes from `from` at `to`: a loop for the few bytes most Go segments hold, no view each. */
function copy(from: Uint8Array, at: number, length: number, to: Uint8Array, into: number): void {
  if (length > 64) to.set(from.subarray(at, at + length), into);
  else for (let j = 0; j < length; j++) to[into + j] = from[at + j] as number;
}

/**
 * Segment indices by address. Go writes each section's segments in address order but the
 * sections themselves not (wasm/asm.go asmb: rodata … pclntab, noptrdata, data), so the table
 * is a few ascending runs over separate ranges: ordering the runs is enough, and a full sort
 * (milliseconds for 30,000 segments) is left for modules whose runs interleave.
 */
function addressOrder(t: SegmentTable): (k: number) => number {
  const runs: [number, number][] = [];
  for (let i = 0; i < t.count; i++) {
    const last = runs.at(-1);
    if (last && (t.address[i] as number) >= (t.address[i - 1] as number)) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  if (runs.length <= 1) return (k) => k;
  const order = new Uint32Array(t.count);
  let k = 0;
  if (runs.length <= 64) {
    runs.sort((x, y) => (t.address[x[0]] as number) - (t.address[y[0]] as number));
    for (const [from, to] of runs) for (let i = from; i < to; i++) order[k++] = i;
  }
  let sorted = k === t.count;
  for (let j = 1; j < t.count && sorted; j++)
    sorted = (t.address[order[j] as number] as number) >= (t.address[order[j - 1] as number] as number);
  if (!sorted) {
    for (let i = 0; i < t.count; i++) order[i] = i;
    order.sort((x, y) => (t.address[x] as number) - (t.address[y] as number));
  }
  return (j) => order[j] as number;
}

/**
 * The lowest 16-aligned linear-memory address where the raw data holds the build-info magic,
 * placed through the segment that holds it; null when there is none. The header search then
 * starts there instead of scanning linear memory from its first segment in 64 KiB chunks: a
 * corrupted segment address can stretch that range to gigabytes of zeros. (Go splits segments
 * only at runs of zeros, and the magic has none, so it never straddles two segments.)
 */
export function buildInfoAddress(src: ByteSource, wasm: WasmFile, data: Uint8Array): number | null {
  if (!wasm.data || indexOfBuildInfoMagic(data, 0) === -1) return null;
  const t = segmentTable(src, wasm); // in file order, so by offset
  let best: number | null = null;
  for (let m = indexOfBuildInfoMagic(data, 0); m !== -1; m = indexOfBuildInfoMagic(data, m + 1)) {
    const offset = wasm.data.offset + m;
    const i = segmentAt(t, offset);
    if (i === -1) continue;
    const address = (t.address[i] as number) + (offset - (t.offset[i] as number));
    if (address % 16 === 0 && (best === null || address < best)) best = address;
  }
  return best;
}

/** The index of the segment whose bytes hold file offset `offset`, or -1. */
function segmentAt(t: SegmentTable, offset: number): number {
  let lo = 0;
  let hi = t.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = t.offset[mid] as number;
    if (offset < at) hi = mid;
    else if (offset >= at + (t.size[mid] as number)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The first index whose reach is past `address` (reach is non-decreasing). */
function firstReaching(reach: Float64Array, address: number): number {
  let lo = 0;
  let hi = reach.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((reach[mid] as number) > address) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
