import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { type OpenOptions, openRegular } from './open.js';

/** SHA-256 of a regular file, streamed (never blocks on a FIFO); hex. */
export async function sha256File(file: string, options: OpenOptions = {}): Promise<string> {
  return (await hashFile(file, options)).sha256;
}

/** SHA-256 and size of a regular file, read once. */
export async function hashFile(
  file: string,
  options: OpenOptions = {},
): Promise<{ sha256: string; size: number }> {
  const { digest, size } = await digestFile(file, 'sha256', options);
  return { sha256: digest, size };
}

/** A digest (hex) and the size of a regular file, streamed without ever blocking on a FIFO. */
export async function digestFile(
  file: string,
  algorithm: 'sha256' | 'sha512',
  options: OpenOptions = {},
): Promise<{ digest: string; size: number }> {
  const { handle } = await openRegular(file, options);
  try {
    const hash = createHash(algorithm);
    let size = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { digest: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/**
 * Checks that a file still holds the bytes a manifest recorded before crossgo uses it: a file
 * swapped or edited after the build is refused, naming both hashes.
 */
export async function checkRecordedSha256(
  file: string,
  expected: string,
  shown: string,
  options: OpenOptions = {},
): Promise<void> {
  const got = await sha256File(file, { ...options, shown });
  if (got !== expected) {
    throw new IntegrityError(
      `${shown} has sha256 ${got.slice(0, 12)}…, not the ${expected.slice(0, 12)}… its manifest records: it changed after crossgo made it; rebuild it`,
    );
  }
}
