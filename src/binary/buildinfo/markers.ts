import { indexOfBytes } from '../search.js';
import { utf8 } from '../view.js';

/** cmd/go/internal/modload's infoStart and infoEnd: the 16-byte markers around the module info. */
const INFO_START = Uint8Array.from([
  0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
]);
const INFO_END = Uint8Array.from([
  0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
]);

/** The module info text found between its markers in raw data, or null when absent. */
export function findModInfo(data: Uint8Array): string | null {
  const start = indexOfBytes(data, INFO_START);
  if (start === -1) return null;
  const end = indexOfBytes(data, INFO_END, start + INFO_START.length);
  if (end === -1) return null;
  return utf8(data.subarray(start + INFO_START.length, end));
}
