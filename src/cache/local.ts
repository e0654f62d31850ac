import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What go recorded for an action: the output's SHA-256, its size and when it was put. */
export interface CacheEntry {
  outputID: string;
  size: number;
  time: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Bigger than any build output go caches (its test binaries are tens of MB). */
export const MAX_OBJECT = 4 * 1024 ** 3;

/**
 * The local tier: `<dir>/a/<aa>/<actionID>` holds an entry (JSON), `<dir>/o/<oo>/<outputID>` the
 * bytes, which go opens itself (DiskPath). Everything is written under a temporary name in
 * `<dir>/tmp` and renamed into place, so a reader never sees half a file.
 */
export class LocalStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(path.join(this.dir, 'tmp'), { recursive: true });
  }

  objectPath(outputID: string): string {
    return path.join(this.dir, 'o', outputID.slice(0, 2), outputID);
  }

  private entryPath(actionID: string): string {
    return path.join(this.dir, 'a', actionID.slice(0, 2), actionID);
  }

  /** A fresh name in the temporary folder (same file system as the final places). */
  tempPath(): string {
    return path.join(this.dir, 'tmp', `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /**
   * The entry, when it and an object of its size are both here; else null. Synchronous reads: go
   * asks for one entry at a time on the build's critical path, and two small reads on this thread
   * answer in microseconds where the thread pool's round trips cost a fraction of a millisecond.
   */
  async get(actionID: string): Promise<CacheEntry | null> {
    let entry: CacheEntry;
    try {
      entry = parseEntry(readFileSync(this.entryPath(actionID), 'utf8'));
    } catch {
      return null;
    }
    return this.hasObjectNow(entry.outputID, entry.size) ? entry : null;
  }

  async hasObject(outputID: string, size: number): Promise<boolean> {
    return this.hasObjectNow(outputID, size);
  }

  private hasObjectNow(outputID: string, size: number): boolean {
    const info = statSync(this.objectPath(outputID), { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === size;
  }

  /** Moves a checked temporary file into place as the object `outputID`. */
  async adoptObject(outputID: string, temp: string): Promise<void> {
    const final = this.objectPath(outputID);
    await mkdir(path.dirname(final), { recursive: true });
    await rename(temp, final);
  }

  async putEntry(actionID: string, entry: CacheEntry): Promise<void> {
    const final = this.entryPath(actionID);
    await mkdir(path.dirname(final), { recursive: true });
    const temp = this.tempPath();
    try {
      await writeFile(temp, `${JSON.stringify(entry)}\n`);
      await rename(temp, final);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** An entry read from disk or a remote: anything not of this exact shape is refused. */
export function parseEntry(text: string): CacheEntry {
  const value = JSON.parse(text) as Partial<CacheEntry> | null;
  if (
    typeof value?.outputID !== 'string' ||
    !HEX64.test(value.outputID) ||
    typeof value.size !== 'number' ||
    !Number.isSafeInteger(value.size) ||
    value.size < 0 ||
    value.size > MAX_OBJECT
  )
    throw new Error('not a cache entry');
  // go decodes Time as RFC 3339: a store's odd string must not reach it (it would end the build).
  const time = typeof value.time === 'string' ? Date.parse(value.time) : Number.NaN;
  return {
    outputID: value.outputID,
    size: value.size,
    time: new Date(Number.isNaN(time) ? Date.now() : time).toISOString(),
  };
}
