import { FormatError } from '../errors.js';
import { indexOfBytes } from '../search.js';
import type { AddressSpace, GoBuildInfo } from '../types.js';
import { StructView, utf8 } from '../view.js';
import { parseModInfo } from './modinfo.js';

/**
 * Go's embedded build info (src/debug/buildinfo/buildinfo.go): a 32-byte header starting
 * "\xff Go buildinf:" at a 16-aligned address in the data, then the Go version and the
 * module info, either inline as uvarint-prefixed strings (Go 1.18+, flags bit 1) or
 * through two pointers to Go string headers (older releases).
 */
const MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];
const MAGIC_BYTES = Uint8Array.from(MAGIC);
const HEADER = 32;
const SEARCH_CHUNK = 64 * 1024;
/** Go's own limit on the search (debug/buildinfo searchMagic reads at most this much). */
const MAX_SEARCH = 64 * 1024 * 1024;
const MAX_STRING = 1 << 20;

export interface BuildInfoBlob {
  /** Virtual address of the header. */
  address: bigint;
  version: string;
  modinfo: string;
}

/** Finds and decodes the build info, or returns null when the binary has none (not a Go program). */
export function readBuildInfo(space: AddressSpace): GoBuildInfo | null {
  const blob = findBuildInfo(space);
  // debug/buildinfo: an empty version means "not a Go executable" (errNotGoExe).
  if (!blob || blob.version === '') return null;
  return { version: blob.version, ...parseModInfo(blob.modinfo) };
}

export function findBuildInfo(space: AddressSpace): BuildInfoBlob | null {
  const start = space.dataStart();
  if (!start) return null;
  const limit = Math.min(start.size, MAX_SEARCH);
  // Search in chunks that overlap by a header, accepting only 16-aligned hits as Go does.
  for (let done = 0; done < limit; done += SEARCH_CHUNK) {
    const chunk = space.readAt(
      start.address + BigInt(done),
      Math.min(SEARCH_CHUNK + HEADER, limit - done + HEADER),
    );
    if (!chunk || chunk.length < HEADER) return null;
    for (let i = indexOfMagic(chunk, 0); i !== -1; i = indexOfMagic(chunk, i + 1)) {
      const address = start.address + BigInt(done + i);
      if (address % 16n !== 0n || i + HEADER > chunk.length) continue;
      // debug/buildinfo searchMagic: the whole header must lie inside the searched range.
      if (done + i + HEADER > limit) return null;
      return decodeHeader(space, address, chunk.subarray(i, i + HEADER));
    }
  }
  return null;
}

/** Where the build-info magic is in raw bytes, from `from` on; -1 when nowhere. */
export function indexOfBuildInfoMagic(data: Uint8Array, from: number): number {
  return indexOfMagic(data, from);
}

function indexOfMagic(data: Uint8Array, from: number): number {
  return indexOfBytes(data, MAGIC_BYTES, from);
}

function decodeHeader(space: AddressSpace, address: bigint, header: Uint8Array): BuildInfoBlob {
  const ptrSize = header[14] as number;
  const flags = header[15] as number;
  const at = Number(address & 0xffffffffn);
  if (flags & 0x2) {
    // Inline strings right after the header: two uvarint-prefixed strings.
    let cursor = address + BigInt(HEADER);
    const [version, afterVersion] = readInlineString(space, cursor, at);
    cursor = afterVersion;
    const [modinfo] = readInlineString(space, cursor, at);
    return { address, version: utf8(version), modinfo: stripModInfoMarkers(modinfo) };
  }
  if (ptrSize !== 4 && ptrSize !== 8)
    throw new FormatError('buildinfo', at + 14, `pointer size ${ptrSize} is not 4 or 8`);
  const view = new StructView(header, (flags & 0x1) === 0, 'buildinfo', at);
  const is64 = ptrSize === 8;
  const version = utf8(
    readGoString(space, view.word(16, is64, 'version pointer'), is64, (flags & 0x1) === 0, at),
  );
  const modinfo = readGoString(
    space,
    view.word(16 + ptrSize, is64, 'modinfo pointer'),
    is64,
    (flags & 0x1) === 0,
    at,
  );
  return { address, version, modinfo: stripModInfoMarkers(modinfo) };
}

/** A uvarint length (unsigned LEB128, at most 10 bytes) at `address`, then that many bytes. */
function readInlineString(space: AddressSpace, address: bigint, at: number): [Uint8Array, bigint] {
  const head = space.readAt(address, MAX_VARINT);
  if (!head || head.length === 0)
    throw new FormatError('buildinfo', at, 'the build info strings are not mapped');
  const [length, n] = uvarint(head, at);
  if (length > MAX_STRING)
    throw new FormatError('buildinfo', at + HEADER, `string length ${length} is implausible`);
  const bytes = length === 0 ? new Uint8Array(0) : space.readAt(address + BigInt(n), length);
  if (!bytes || bytes.length < length) {
    throw new FormatError('buildinfo', at + HEADER, `string of ${length} bytes runs past the mapped data`);
  }
  return [bytes.subarray(0, length), address + BigInt(n + length)];
}

/** encoding/binary.MaxVarintLen64. */
const MAX_VARINT = 10;

/**
 * encoding/binary.Uvarint: the value and the bytes it took. A value that does not end within
 * 10 bytes, or whose 10th byte is above 1, overflows 64 bits; Go's reader rejects both.
 */
function uvarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < MAX_VARINT; i++) {
    const b = bytes[i];
    if (b === undefined) throw new FormatError('buildinfo', at + HEADER, 'string length varint is truncated');
    if (i === MAX_VARINT - 1 && b > 1) break;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw new FormatError(
    'buildinfo',
    at + HEADER,
    'string length varint is longer than 10 bytes or overflows 64 bits',
  );
}

/** A Go string header {data pointer, length} at `pointer`, and the bytes it points to. */
function readGoString(
  space: AddressSpace,
  pointer: bigint,
  is64: boolean,
  le: boolean,
  at: number,
): Uint8Array {
  const size = is64 ? 16 : 8;
  const raw = space.readAt(pointer, size);
  if (!raw || raw.length < size)
    throw new FormatError('buildinfo', at, `string header at 0x${pointer.toString(16)} is not mapped`);
  const header = new StructView(raw, le, 'buildinfo', at);
  const data = header.word(0, is64, 'string data pointer');
  const length = header.word(is64 ? 8 : 4, is64, 'string length');
  if (length > BigInt(MAX_STRING))
    throw new FormatError('buildinfo', at, `string length ${length} is implausible`);
  // An empty string needs no data: its pointer may be anything, nil included (Go reads 0 bytes).
  if (length === 0n) return new Uint8Array(0);
  const bytes = space.readAt(data, Number(length));
  if (!bytes || bytes.length < Number(length)) {
    throw new FormatError('buildinfo', at, `string data at 0x${data.toString(16)} is not mapped`);
  }
  return bytes.subarray(0, Number(length));
}

/**
 * The module info is framed by 16-byte markers; Go's reader strips them when the text is
 * long enough and has a newline 17 bytes from its end (debug/buildinfo), else it is empty.
 */
function stripModInfoMarkers(bytes: Uint8Array): string {
  if (bytes.length >= 33 && bytes[bytes.length - 17] === 0x0a)
    return utf8(bytes.subarray(16, bytes.length - 16));
  return '';
}
