import { elfFacts } from './elf/facts.js';
import { NotExecutableError } from './errors.js';
import { fatFacts, machoFacts } from './macho/facts.js';
import { peFacts } from './pe/facts.js';
import { plan9Facts } from './plan9/facts.js';
import { MAGICS as PLAN9_MAGICS } from './plan9/read.js';
import type { ByteSource } from './source.js';
import type { BinaryFacts, BinaryFormat } from './types.js';
import { wasmFacts } from './wasm/facts.js';
import { xcoffFacts } from './xcoff/facts.js';

/** The format a file's first bytes announce, or null. */
export function detectFormat(head: Uint8Array): BinaryFormat | null {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return 'elf';
  if (b(0) === 0x4d && b(1) === 0x5a) return 'pe';
  if (b(0) === 0x00 && b(1) === 0x61 && b(2) === 0x73 && b(3) === 0x6d) return 'wasm';
  // 0xCAFEBABE also starts Java class files: the fat reader rejects implausible slice counts.
  if (b(0) === 0xca && b(1) === 0xfe && b(2) === 0xba && (b(3) === 0xbe || b(3) === 0xbf)) return 'macho-fat';
  // XCOFF: f_magic U802TOCMAGIC 0x01DF (32-bit) or U64_TOCMAGIC 0x01F7 (64-bit), big-endian.
  if (b(0) === 0x01 && (b(1) === 0xdf || b(1) === 0xf7)) return 'xcoff';
  const magic = ((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3)) >>> 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return 'macho';
  // Plan 9 a.out: a big-endian magic, only the three Go writes (debug/buildinfo hasPlan9Magic).
  if (PLAN9_MAGICS.has(magic)) return 'plan9';
  return null;
}

/** Every fact crossgo reads from an executable, whatever its format. Throws FormatError. */
export function readFacts(src: ByteSource): BinaryFacts {
  const head = src.read(0, Math.min(8, src.size));
  switch (detectFormat(head)) {
    case 'elf':
      return elfFacts(src);
    case 'pe':
      return peFacts(src);
    case 'macho':
      return machoFacts(src);
    case 'macho-fat':
      return fatFacts(src);
    case 'wasm':
      return wasmFacts(src);
    case 'plan9':
      return plan9Facts(src);
    case 'xcoff':
      return xcoffFacts(src);
    default:
      // Twice the magic's length: enough to show a script's #! line or a text's first words.
      throw new NotExecutableError(src.read(0, Math.min(16, src.size)));
  }
}
