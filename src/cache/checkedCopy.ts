import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A store's object, written or refused: `mismatch` when its bytes are not the ones it is named by. */
export type Fetched = { ok: true } | { ok: false; why: 'absent' | 'mismatch' };

class MismatchError extends Error {}

/**
 * Streams a store's object into `dest`, hashing it on the way: more bytes than `size` stop the
 * copy at once, and bytes whose SHA-256 or length differ from the names are a mismatch; either
 * way `dest` is removed, so a poisoned object never stays where the local tier would find it.
 */
export async function copyChecked(
  source: Readable,
  dest: string,
  outputID: string,
  size: number,
  signal?: AbortSignal,
): Promise<Fetched> {
  const hash = createHash('sha256');
  let seen = 0;
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          seen += chunk.length;
          if (seen > size) throw new MismatchError();
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(dest),
      ...(signal ? [{ signal }] : []),
    );
  } catch (error) {
    await rm(dest, { force: true });
    if (error instanceof MismatchError) return { ok: false, why: 'mismatch' };
    throw error;
  }
  if (seen !== size || hash.digest('hex') !== outputID) {
    await rm(dest, { force: true });
    return { ok: false, why: 'mismatch' };
  }
  return { ok: true };
}
