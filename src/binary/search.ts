/**
 * The first index of `needle` in `data` at or after `from`, or -1. Buffer.indexOf searches in
 * native code; magic numbers start with 0xff, which is common in code and data, so a
 * byte-by-byte scan would be slow.
 */
export function indexOfBytes(data: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(needle, from);
}
