import { CrossgoError } from '../errors.js';

export type FormatName =
  | 'elf'
  | 'pe'
  | 'macho'
  | 'macho-fat'
  | 'wasm'
  | 'xcoff'
  | 'plan9'
  | 'buildinfo'
  | 'unknown';

/**
 * A binary that does not parse: names the format, the file offset and the bad value.
 * Every reader throws this and nothing else for malformed input.
 */
export class FormatError extends CrossgoError {
  override name = 'FormatError';
  constructor(
    readonly format: FormatName,
    readonly offset: number,
    readonly problem: string,
  ) {
    super(`${format}: at offset 0x${offset.toString(16)}: ${problem}`);
  }
}

/**
 * A file no reader claims: its first bytes are none of the headers crossgo knows, so there is no
 * format to name and no offset that went wrong. Says what the file starts with instead: a script,
 * a text file and a damaged header read differently.
 */
export class NotExecutableError extends FormatError {
  override name = 'NotExecutableError';
  constructor(head: Uint8Array) {
    super(
      'unknown',
      0,
      head.length === 0
        ? 'empty file: not an executable'
        : `not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header (it starts with ${startsWith(head)})`,
    );
    this.message = this.problem;
  }
}

/** The first bytes as quoted text when they are printable ASCII, else in hex. */
function startsWith(head: Uint8Array): string {
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(String.fromCharCode(...head));
  const text = String.fromCharCode(...head);
  const line = /^[\x20-\x7e]+(?=[\t\r\n])/.exec(text)?.[0];
  return line ? JSON.stringify(line) : [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
