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
