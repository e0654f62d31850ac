import { CrossgoError, IoError, ManifestError, UsageError } from '../errors.js';
import { readRegular } from '../fs/open.js';
import { findJsonSyntaxError } from './jsonSyntax.js';
import type { Manifest } from './manifest.js';
import { checkManifest } from './manifestSchema.js';

/** Larger than any manifest crossgo writes (20000 artifacts), small enough to read whole. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * Reads and checks a manifest: null only when the file does not exist. Anything else that is not
 * a manifest as crossgo writes it (a FIFO or folder, too large, not UTF-8, not JSON, not matching
 * schema/manifest.schema.json) throws a one-line error naming `shown` (default: the path) and,
 * for a schema problem, the JSON pointer of the first bad value (a ManifestError).
 */
export async function readManifest(file: string, shown: string = file): Promise<Manifest | null> {
  let bytes: Buffer;
  try {
    bytes = await readRegular(file, { maxBytes: MAX_MANIFEST_BYTES, shown });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT') return null;
    if (error instanceof CrossgoError || typeof code !== 'string') throw error;
    throw new IoError('read', shown, code, '', { cause: error });
  }
  // The file may have grown between the size check and the read.
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new UsageError(`${shown} is over the limit of ${MAX_MANIFEST_BYTES} bytes for a manifest`);
  }
  return parseManifest(bytes, shown);
}

/** Parses and checks manifest bytes (see readManifest); `shown` names the file in errors. */
export function parseManifest(bytes: Uint8Array | string, shown: string): Manifest {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ManifestError(shown, '(top level)', 'not UTF-8 text');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxError(text);
    throw new ManifestError(
      shown,
      problem ? `line ${problem.line}, column ${problem.column}` : '(top level)',
      `not valid JSON: ${problem?.reason ?? 'JSON.parse refused it'}`,
    );
  }
  return checkManifest(data, shown);
}
