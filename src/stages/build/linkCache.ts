import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor, writeFileAtomic } from '../../fs/atomic.js';
import { openRegular, readRegular } from '../../fs/open.js';

/**
 * The link cache: the last binary crossgo built for each (package, target), kept outside
 * the output folder. `go build -o FILE` skips the link when FILE already carries the build
 * ID go would produce (cmd/go/internal/work/buildid.go, useCache), so a copy of a previous
 * build placed at the temporary output name turns a warm rebuild into a check.
 *
 * go compares only the action-ID part of that build ID, never the bytes: a binary edited after
 * the link (a patched string, an added ELF note) keeps its build ID and would be kept as the new
 * artifact. So crossgo seeds only bytes it can show it made: each entry has a record beside it
 * (`<entry>.json`, the sha256 and size crossgo computed when it stored the entry), and an entry
 * is copied out only while its bytes hash to that record (seedVerified).
 */
export function defaultLinkCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.CROSSGO_CACHE) return env.CROSSGO_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'crossgo', 'links');
}

/** Where the cached binary for a package and target lives. */
export function linkCachePath(dir: string, importPath: string, targetId: string): string {
  const key = createHash('sha256').update(`${importPath}\n${targetId}`).digest('hex').slice(0, 32);
  return path.join(dir, key);
}

/** What crossgo knew of an entry when it stored it. */
export interface LinkCacheRecord {
  sha256: string;
  size: number;
  importPath: string;
  target: string;
}

/** What an entry is the build of. */
export type LinkCacheKey = Pick<LinkCacheRecord, 'importPath' | 'target'>;

const recordPathOf = (entry: string) => `${entry}.json`;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A record is a few hundred bytes; anything larger is not one of crossgo's. */
const MAX_RECORD_BYTES = 4096;

/** The entry's record if it is one crossgo wrote for this package and target; 'invalid' if it is anything else. */
async function readRecord(
  entry: string,
  key: LinkCacheKey,
): Promise<{ sha256: string; size: number } | 'absent' | 'invalid'> {
  let data: unknown;
  try {
    const text = await readRegular(recordPathOf(entry), { follow: false, maxBytes: MAX_RECORD_BYTES });
    data = JSON.parse(text.toString('utf8'));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'invalid';
  }
  if (typeof data !== 'object' || data === null) return 'invalid';
  const { sha256, size, importPath, target } = data as Partial<Record<keyof LinkCacheRecord, unknown>>;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return 'invalid';
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) return 'invalid';
  if (importPath !== key.importPath || target !== key.target) return 'invalid';
  return { sha256, size };
}

/**
 * The executable magic numbers go accepts at an existing -o path (cmd/go/internal/work/exec.go,
 * objectMagic); go refuses to replace any other file, so nothing else may be seeded.
 */
const OBJECT_MAGIC = [
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0xfe, 0xed, 0xfa, 0xce], // Mach-O
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00], // PE as go's linker writes it
  [0x00, 0x61, 0x73, 0x6d], // wasm
  [0x01, 0xdf], // XCOFF
  [0x01, 0xf7],
];

const looksLikeExecutable = (head: Uint8Array) =>
  OBJECT_MAGIC.some((magic) => head.length >= magic.length && magic.every((b, i) => head[i] === b));

export type SeedOutcome = 'seeded' | 'absent' | 'refused';

/**
 * Copies `from` to `to` only if `from` is a regular file (not a symbolic link: O_NOFOLLOW, the
 * lstat that cannot race; not a FIFO or device: openRegular never blocks) whose bytes hash to
 * `expected`. The bytes are hashed as they are copied from the one open descriptor, so what is
 * checked is exactly what go will find at `to`. `to` is created new with mode 0777 less the umask,
 * the mode go gives a binary it links. On any outcome but 'seeded', `to` does not exist.
 */
export async function seedVerified(
  from: string,
  to: string,
  expected: { sha256: string; size?: number },
): Promise<SeedOutcome> {
  let source: { handle: FileHandle; info: { size: number } };
  try {
    source = await openRegular(from, { follow: false });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'refused';
  }
  const { handle, info } = source;
  let target: FileHandle | null = null;
  try {
    if (expected.size !== undefined && info.size !== expected.size) return 'refused';
    target = await open(to, 'wx', 0o777);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      if (position === 0 && !looksLikeExecutable(chunk)) break;
      hash.update(chunk);
      await target.write(chunk, 0, bytesRead, position);
      position += bytesRead;
    }
    await target.close();
    target = null;
    if (position > 0 && hash.digest('hex') === expected.sha256) return 'seeded';
  } catch {
    // Unreadable, or `to` could not be written: build without a seed.
  } finally {
    await target?.close().catch(() => {});
    await handle.close();
  }
  await rm(to, { force: true }).catch(() => {});
  return 'refused';
}

/**
 * Seeds `to` from the cache entry for a package and target when the entry still holds the bytes
 * its record names. An entry that does not (edited, replaced by a link or a FIFO, its record
 * changed or gone) is removed with its record: both are crossgo's own files in crossgo's cache
 * folder, and the build stores a fresh entry after it.
 */
export async function seedFromLinkCache(
  entry: string,
  to: string,
  key: LinkCacheKey,
): Promise<{ outcome: 'seeded'; sha256: string } | { outcome: 'absent' | 'removed' }> {
  const record = await readRecord(entry, key);
  if (record === 'absent') {
    // No record: nothing to seed. An entry without one (an older crossgo's) is dropped quietly.
    await rm(entry, { force: true }).catch(() => {});
    return { outcome: 'absent' };
  }
  if (record !== 'invalid') {
    const outcome = await seedVerified(entry, to, record);
    if (outcome === 'seeded') return { outcome, sha256: record.sha256 };
    if (outcome === 'absent') return { outcome };
  }
  await Promise.all([entry, recordPathOf(entry)].map((file) => rm(file, { force: true }).catch(() => {})));
  return { outcome: 'removed' };
}

/**
 * Stores a finished artifact in the cache, atomically, with the record of the sha256 crossgo
 * computed for it; a failure here never fails the build. The entry is renamed into place before
 * its record: a reader between the two (or after a crash) finds bytes that do not match the record
 * and builds without them, so no order of events lets unrecorded bytes be seeded.
 */
export async function storeInLinkCache(
  artifact: string,
  entry: string,
  record: LinkCacheRecord,
): Promise<void> {
  const temp = tempPathFor(entry);
  try {
    await mkdir(path.dirname(entry), { recursive: true });
    await copyFile(artifact, temp, constants.COPYFILE_FICLONE);
    await rename(temp, entry);
    await writeFileAtomic(recordPathOf(entry), `${JSON.stringify(record)}\n`);
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
}
