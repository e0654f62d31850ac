import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Marker in every temporary name crossgo writes, so its own leftovers are recognisable. */
export const TEMP_MARKER = '.crossgo-tmp-';

/** A temporary name beside `final` (same folder, so the rename is atomic). */
export function tempPathFor(final: string): string {
  return path.join(
    path.dirname(final),
    `.${path.basename(final)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Writes a whole file under a temporary name and renames it into place. */
export async function writeFileAtomic(final: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(final);
  try {
    await writeFile(temp, data, { mode: 0o644 });
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
