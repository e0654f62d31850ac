import { lstat, mkdir, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asIoError, UsageError } from '../errors.js';
import { TEMP_MARKER } from '../fs/atomic.js';
import { confine } from '../fs/confine.js';
import { type FolderLock, LOCK_FILE, lockFolder } from '../fs/lock.js';
import { OWNERSHIP_FILE, Ownership } from '../fs/ownership.js';
import type { Logger } from '../log.js';
import { CHECKSUMS_FILE, MANIFEST_FILE, type Manifest } from './manifest.js';
import { readManifest } from './readManifest.js';

/** crossgo's own bookkeeping files in an output folder: never artifacts, never packed. */
export const STATE_FILES: readonly string[] = [MANIFEST_FILE, CHECKSUMS_FILE, OWNERSHIP_FILE, LOCK_FILE];

/**
 * An output folder held by one run: locked against other writers, with what crossgo made there
 * before (its journal, and the files the previous manifest lists) and that manifest.
 */
export interface OutputFolder {
  /** The real folder (a link given as -o is resolved once, here). */
  readonly dir: string;
  /** As the user named it, for messages. */
  readonly shown: string;
  readonly owned: Ownership;
  /** The manifest found there (validated), or null. */
  readonly previous: Manifest | null;
  release(): Promise<void>;
}

export interface OpenFolderOptions {
  command: string;
  /** How long to wait for another run that holds the folder (ms); default 0: refuse. */
  waitMs?: number;
  signal?: AbortSignal;
  log: Logger;
}

/** Makes sure `dir` is a folder crossgo can write, takes its lock and reads what crossgo owns there. */
export async function openOutputFolder(
  dir: string,
  shown: string,
  options: OpenFolderOptions,
): Promise<OutputFolder> {
  const real = await prepareFolder(dir, shown);
  const lock = await lockFolder(real, {
    command: options.command,
    shown,
    waitMs: options.waitMs,
    signal: options.signal,
    warn: (m) => options.log.warn(m),
  }).catch((error) => {
    throw asIoError(error, 'lock', path.join(shown, LOCK_FILE), 'nothing was written');
  });
  try {
    const previous = await readManifest(path.join(real, MANIFEST_FILE), path.join(shown, MANIFEST_FILE));
    const journalled = (await lstat(path.join(real, OWNERSHIP_FILE)).catch(() => null)) !== null;
    const owned = await Ownership.load(real, shown);
    // Only a folder older than the journal is taken at its manifest's word: with a journal, a path
    // only the manifest names (a manifest edited to list someone's file) is not crossgo's to delete.
    if (previous && !journalled) adoptManifest(owned, previous);
    await removeLeftovers(real, owned);
    return { dir: real, shown, owned, previous, release: () => releaseLock(lock) };
  } catch (error) {
    await releaseLock(lock);
    throw error;
  }
}

async function releaseLock(lock: FolderLock): Promise<void> {
  await lock.release().catch(() => {});
}

/** Folders written before the journal existed: what their manifest lists is crossgo's. */
function adoptManifest(owned: Ownership, manifest: Manifest): void {
  owned.adopt(MANIFEST_FILE, { kind: 'state', sha256: null });
  owned.adopt(CHECKSUMS_FILE, { kind: 'state', sha256: null });
  for (const a of manifest.artifacts) {
    owned.adopt(a.path, { kind: a.kind === 'binary' ? 'binary' : 'release', sha256: a.sha256 });
  }
}

/**
 * Temporary files of an earlier run that was killed (SIGKILL leaves them: nothing runs after it).
 * With the lock held no other crossgo writes here, so every file with crossgo's temporary marker
 * — a name only crossgo makes (fs/atomic.ts) — is a leftover: removed, in the folder and in the
 * subfolders where crossgo's files are.
 */
async function removeLeftovers(dir: string, owned: Ownership): Promise<void> {
  const folders = new Set([
    '',
    ...owned
      .paths()
      .map((p) => path.posix.dirname(p))
      .filter((d) => d !== '.'),
  ]);
  for (const sub of folders) {
    const folder =
      sub === '' ? dir : await confine(dir, sub, { what: 'folder', leaf: 'folder' }).catch(() => null);
    if (!folder) continue;
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      // Not a lock candidate: another run may be about to link(2) its own (fs/lock.ts).
      if (!LEFTOVER.test(name) || name.startsWith(`.${LOCK_FILE}`)) continue;
      const file = path.join(folder, name);
      if ((await lstat(file).catch(() => null))?.isFile()) await rm(file, { force: true });
    }
  }
}

const LEFTOVER = new RegExp(`^\\..+${TEMP_MARKER.replaceAll('.', '\\.')}\\d+-[0-9a-f]{8}$`);

async function prepareFolder(dir: string, shown: string): Promise<string> {
  const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw unwritable(shown, error);
  });
  let real = dir;
  if (info?.isSymbolicLink()) {
    // A link named on the command line is the user's choice of folder: follow it, once.
    const target = await stat(dir).catch(() => null);
    if (!target?.isDirectory()) {
      throw new UsageError(
        `output folder ${shown} is a symbolic link to ${target ? 'something that is not a folder' : 'nothing'}: choose a folder with -o`,
      );
    }
    real = await realpath(dir);
  } else if (info && !info.isDirectory()) {
    throw new UsageError(
      `output folder ${shown} is ${info.isFile() ? 'a file, not a folder' : 'not a folder'}: choose a folder with -o (crossgo writes the binaries into it)`,
    );
  }
  try {
    await mkdir(real, { recursive: true });
    const probe = path.join(real, `${TEMP_MARKER}probe-${process.pid}`);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe);
  } catch (error) {
    throw unwritable(shown, error as NodeJS.ErrnoException);
  }
  return real;
}

/** Refuses to replace a file crossgo did not make (or a link, or anything but a regular file). */
export async function refuseForeign(folder: OutputFolder, rel: string, what: string): Promise<void> {
  const file = await confine(folder.dir, rel, { what, shownRoot: folder.shown, leaf: 'any' });
  if (folder.owned.has(rel)) {
    await confine(folder.dir, rel, { what, shownRoot: folder.shown, leaf: 'file' });
    return;
  }
  if (await lstat(file).catch(() => null)) {
    throw new UsageError(
      `${path.join(folder.shown, rel)} exists and was not made by crossgo (it is not in ${path.join(folder.shown, MANIFEST_FILE)}): move it away or choose another -o`,
    );
  }
}

function unwritable(shown: string, error: NodeJS.ErrnoException): UsageError {
  return new UsageError(
    `output folder ${shown} is not writable (${error.code ?? error.message}): choose another with -o`,
  );
}
