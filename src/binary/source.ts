import { FormatError, type FormatName } from './errors.js';

/**
 * Random access to the bytes of a binary. Readers take this, never a path, so they stay
 * pure: a Uint8Array in tests and mutation runs, a file handle (src/fs/fileSource.ts) in use.
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; callers check bounds first (see `readBytes`). */
  read(offset: number, length: number): Uint8Array;
}

export class BufferSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }
}

/** The largest single read a reader may ask for: a guard against huge sizes taken from a file. */
export const MAX_READ = 64 * 1024 * 1024;

/** Reads `length` bytes at `offset`, or throws a FormatError naming what was being read. */
export function readBytes(
  src: ByteSource,
  format: FormatName,
  offset: number,
  length: number,
  what: string,
): Uint8Array {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError(
      format,
      Math.max(0, Number.isFinite(offset) ? offset : 0),
      `${what}: bad offset ${offset} or size ${length}`,
    );
  }
  if (length > MAX_READ)
    throw new FormatError(format, offset, `${what}: size ${length} is implausibly large`);
  if (offset + length > src.size) {
    throw new FormatError(
      format,
      offset,
      `${what}: ${length} bytes needed, the file ends at 0x${src.size.toString(16)}`,
    );
  }
  return src.read(offset, length);
}

/** A 64-bit value from the file as a safe offset or size, or a FormatError. */
export function toSafeNumber(value: bigint, format: FormatName, at: number, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError(format, at, `${what} 0x${value.toString(16)} is out of range`);
  }
  return Number(value);
}
