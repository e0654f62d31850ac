/**
 * The Go build ID as PE, Mach-O and wasm carry it: `\xff Go build ID: "<id>"\n \xff` at the
 * start of the code (src/cmd/internal/buildid/note.go). Returns the ID, or null when the
 * bytes do not hold one.
 */
const PREFIX = [0xff, ...new TextEncoder().encode(' Go build ID: "')];

export function parseGoBuildIdText(bytes: Uint8Array): string | null {
  for (let i = 0; i < PREFIX.length; i++) if (bytes[i] !== PREFIX[i]) return null;
  const end = bytes.indexOf(0x22, PREFIX.length); // closing quote
  if (end === -1) return null;
  return new TextDecoder('latin1').decode(bytes.subarray(PREFIX.length, end));
}
