import { FormatError, type FormatName } from './errors.js';

/**
 * Bounds-checked, endian-aware reads over a slice of a file. Offsets are relative to the
 * slice; errors report the absolute file offset (`base` + relative).
 */
export class StructView {
  private readonly dv: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly format: FormatName,
    readonly base = 0,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.bytes.length) {
      throw new FormatError(
        this.format,
        this.base + Math.max(0, offset),
        `${what}: read past the end of the data`,
      );
    }
  }

  u8(offset: number, what = 'byte'): number {
    this.check(offset, 1, what);
    return this.dv.getUint8(offset);
  }
  u16(offset: number, what = 'u16'): number {
    this.check(offset, 2, what);
    return this.dv.getUint16(offset, this.littleEndian);
  }
  u32(offset: number, what = 'u32'): number {
    this.check(offset, 4, what);
    return this.dv.getUint32(offset, this.littleEndian);
  }
  i32(offset: number, what = 'i32'): number {
    this.check(offset, 4, what);
    return this.dv.getInt32(offset, this.littleEndian);
  }
  u64(offset: number, what = 'u64'): bigint {
    this.check(offset, 8, what);
    return this.dv.getBigUint64(offset, this.littleEndian);
  }
  /** A word of the file's pointer size (4 or 8 bytes). */
  word(offset: number, is64: boolean, what = 'word'): bigint {
    return is64 ? this.u64(offset, what) : BigInt(this.u32(offset, what));
  }
  slice(offset: number, length: number, what = 'bytes'): Uint8Array {
    this.check(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
  sub(offset: number, length: number, what = 'bytes'): StructView {
    return new StructView(
      this.slice(offset, length, what),
      this.littleEndian,
      this.format,
      this.base + offset,
    );
  }
  /** A NUL-terminated string starting at offset, at most `max` bytes (an unterminated one ends at the data's end). */
  cstring(offset: number, max = 4096, what = 'string'): string {
    this.check(offset, 0, what);
    const end = Math.min(this.bytes.length, offset + max);
    let i = offset;
    while (i < end && this.bytes[i] !== 0) i++;
    return latin1(this.bytes.subarray(offset, i));
  }
  /** A fixed-size, NUL-padded name field. */
  fixedString(offset: number, size: number, what = 'name'): string {
    const raw = this.slice(offset, size, what);
    const nul = raw.indexOf(0);
    return latin1(nul === -1 ? raw : raw.subarray(0, nul));
  }
}

const decoder = new TextDecoder('latin1');
function latin1(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A UTF-8 decode for text fields (module paths, build info). */
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
