import { indexOfBytes } from './search.js';

/**
 * The Go build ID as PE, Mach-O and wasm carry it: `\xff Go build ID: "<id>"\n \xff`, written
 * first in the code, though not always at byte 0 (windows/386 has it at .text+0x70);
 * cmd/internal/buildid readRaw searches the first 32 KiB.
 */
const PREFIX = Uint8Array.from([0xff, ...new TextEncoder().encode(' Go build ID: "')]);
const END = Uint8Array.from([0x22, 0x0a, 0x20, 0xff]);
/** How much of the code go tool buildid searches. */
export const BUILD_ID_WINDOW = 32 * 1024;
const MAX_ID = 1024;

/** No build ID, a build ID, or the start of one that is malformed (at its offset in `window`). */
export type BuildIdScan = { id: string; at: number } | { malformed: true; at: number } | null;

export function findGoBuildIdText(window: Uint8Array): BuildIdScan {
  const at = indexOfBytes(window, PREFIX);
  if (at === -1) return null;
  const from = at + PREFIX.length;
  const end = indexOfBytes(window, END, from);
  if (end === -1 || end - from > MAX_ID) return { malformed: true, at };
  const id = new TextDecoder('latin1').decode(window.subarray(from, end));
  // Go quotes the ID with strconv.Quote; its characters (base64 and '/') need no escapes.
  if (!/^[\x20-\x7e]*$/.test(id) || id.includes('"') || id.includes('\\')) return { malformed: true, at };
  return { id, at };
}
