import { parseGoBuildIdText } from '../buildid.js';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes } from '../source.js';
import type { AddressSpace } from '../types.js';
import { utf8 } from '../view.js';

/**
 * WebAssembly modules as Go's linker writes them (src/cmd/link/internal/wasm/asm.go): a
 * "go:buildid" custom section first, the standard sections, the data segments holding the
 * build info at a linear-memory address, a "producers" section and, unless -s, a "name" section.
 */
export interface WasmFile {
  sections: WasmSection[];
  imports: { module: string; name: string }[];
  dataSegments: { address: number; offset: number; size: number }[];
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
    if (length > this.end - this.pos)
      throw new FormatError('wasm', this.base + this.pos, `${what}: ${length} bytes run past the section`);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
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
    dataSegments: [],
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
    const head = readBytes(src, 'wasm', start, Math.min(size, 64), 'custom section name');
    const c = new Cursor(head, 0, head.length, start);
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
  if (id === 11) file.data = { offset: start, size };
  if (id === 11)
    readData(new Cursor(readBytes(src, 'wasm', start, size, 'data section'), 0, size, start), file, start);
}

function readImports(c: Cursor, file: WasmFile): void {
  const count = c.u32('import count');
  if (count > MAX_ITEMS) throw new FormatError('wasm', c.pos, `import count ${count} is implausible`);
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
    } else throw new FormatError('wasm', c.pos, `import kind ${kind} is unknown`);
    file.imports.push({ module, name });
  }
}

function skipLimits(c: Cursor): void {
  const flags = c.byte('limits flags');
  c.u32('limits minimum');
  if (flags & 1) c.u32('limits maximum');
}

/** Active data segments of memory 0 with an i32.const offset: the ones Go writes. */
function readData(c: Cursor, file: WasmFile, start: number): void {
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
        throw new FormatError(
          'wasm',
          start + c.pos,
          `offset expression opcode 0x${op.toString(16)} is not supported`,
        );
      if (c.byte('end of expression') !== 0x0b)
        throw new FormatError('wasm', start + c.pos, 'offset expression does not end');
    } else if (kind !== 1)
      throw new FormatError('wasm', start + c.pos, `data segment kind ${kind} is unknown`);
    const size = c.u32('data segment size');
    const offset = start + c.pos;
    c.take(size, 'data segment');
    if (address !== null) file.dataSegments.push({ address, offset, size });
  }
}

/** The tool-conventions producers section: fields, each with name/version pairs. */
function readProducers(c: Cursor): WasmFile['producers'] {
  const out: WasmFile['producers'] = {};
  const fields = c.u32('producers field count');
  if (fields > 64) throw new FormatError('wasm', c.pos, `producers field count ${fields} is implausible`);
  for (let i = 0; i < fields; i++) {
    const field = c.name('producers field');
    const values = c.u32('producers value count');
    if (values > 64) throw new FormatError('wasm', c.pos, `producers value count ${values} is implausible`);
    out[field] = [];
    for (let k = 0; k < values; k++)
      out[field].push({ name: c.name('producer name'), version: c.name('producer version') });
  }
  return out;
}

function countFunctionNames(bytes: Uint8Array, from: number, base: number): number {
  const c = new Cursor(bytes, from, bytes.length, base);
  while (!c.done) {
    const sub = c.byte('name subsection id');
    const size = c.u32('name subsection size');
    if (sub === 1) return c.u32('function name count');
    c.take(size, 'name subsection');
  }
  return 0;
}

/** Linear memory as the data segments fill it: the build info is at a 16-aligned address in one of them. */
export function wasmAddressSpace(src: ByteSource, wasm: WasmFile): AddressSpace {
  const segments = [...wasm.dataSegments].sort((a, b) => a.address - b.address);
  const first = segments[0];
  const last = segments.at(-1);
  return {
    ptrSize: 4,
    littleEndian: true,
    dataStart() {
      if (!first || !last) return null;
      return { address: BigInt(first.address), size: last.address + last.size - first.address };
    },
    readAt(address, length) {
      // Linear memory is zero where no segment writes it, so gaps read as zeros.
      if (!first || !last) return null;
      const end = last.address + last.size;
      const a = Number(address);
      if (a < first.address || a >= end) return null;
      const out = new Uint8Array(Math.min(length, end - a));
      for (const s of segments) {
        if (s.address + s.size <= a) continue;
        if (s.address >= a + out.length) break;
        const from = Math.max(a, s.address);
        const to = Math.min(a + out.length, s.address + s.size);
        out.set(readBytes(src, 'wasm', s.offset + (from - s.address), to - from, 'data segment'), from - a);
      }
      return out;
    },
  };
}
