import { randomBytes } from 'node:crypto';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
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

/**
 * Files that must change together (a manifest and the SHA256SUMS over its artifacts): each is
 * written in full under a temporary name first (`add`), and only when all are written are they
 * renamed into place (`commit`). A write that fails (ENOSPC, EROFS…) leaves every previous file
 * as it was: `discard` removes the temporary ones. The renames themselves are metadata only and
 * follow each other at once; only a crash between two of them could show one new file beside
 * one old, which a single rename per file cannot avoid.
 */
export class FileBatch {
  private readonly staged: { final: string; temp: string }[] = [];

  /** Writes `data` under a temporary name beside `final`; on failure nothing of it is left. */
  async add(final: string, data: string | Uint8Array): Promise<void> {
    const temp = tempPathFor(final);
    try {
      await writeFile(temp, data, { mode: 0o644 });
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    this.staged.push({ final, temp });
  }

  /** Renames every written file into place, in the order they were added. */
  async commit(): Promise<void> {
    while (this.staged.length > 0) {
      const next = this.staged[0] as { final: string; temp: string };
      await rename(next.temp, next.final);
      this.staged.shift();
    }
  }

  /** Removes the temporary files not yet renamed. */
  async discard(): Promise<void> {
    const left = this.staged.splice(0);
    await Promise.all(left.map((s) => rm(s.temp, { force: true })));
  }
}

const batches = new WeakMap<object, FileBatch>();

/**
 * The batch of files that land together with `owner` (the run's manifest): stages that write
 * one file each share it without knowing of each other.
 */
export function batchFor(owner: object): FileBatch {
  let batch = batches.get(owner);
  if (!batch) {
    batch = new FileBatch();
    batches.set(owner, batch);
  }
  return batch;
}

/**
 * What a failed batch left of `files` (final paths), for an error message: "the previous
 * manifest.json and SHA256SUMS were kept", or which were never there.
 */
export async function previousKept(files: readonly string[]): Promise<string> {
  const names = files.map((f) => path.basename(f));
  const there = await Promise.all(
    files.map((f) =>
      lstat(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  const kept = names.filter((_, i) => there[i]);
  const absent = names.filter((_, i) => !there[i]);
  const join = (list: string[], word: string) =>
    list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} ${word} ${list.at(-1)}`;
  const parts: string[] = [];
  if (kept.length > 0)
    parts.push(`the previous ${join(kept, 'and')} ${kept.length > 1 ? 'were' : 'was'} kept`);
  if (absent.length > 0) parts.push(`no ${join(absent, 'or')} was written`);
  return parts.join('; ');
}
