import { constants, readFileSync } from 'node:fs';
import { link, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InterruptedError, UsageError } from '../errors.js';
import { tempPathFor } from './atomic.js';

/**
 * One writer per output folder: `<dir>/.crossgo.lock`, created with O_EXCL, holding who holds it
 * (pid, the process's start time from /proc, the boot, the host, the command). A lock whose holder
 * is gone — the pid is dead, or it is another process now (another start time or boot) — is stale
 * and taken over with a warning; a live holder is waited for (`waitMs`) or named in a refusal.
 */
export const LOCK_FILE = '.crossgo.lock';

export interface LockHolder {
  pid: number;
  /** /proc/<pid>/stat field 22 (start time in clock ticks since boot): tells a reused pid apart. */
  startTicks: string;
  bootId: string;
  host: string;
  command: string;
  since: string;
}

export interface FolderLock {
  readonly file: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** What takes the lock, for the holder record and messages ("crossgo build"). */
  command: string;
  /** The folder as the user knows it. */
  shown: string;
  /** How long to wait for a live holder; 0 (default) refuses at once. */
  waitMs?: number;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

const POLL_MS = 200;
const MAX_LOCK_BYTES = 4096;

export async function lockFolder(dir: string, options: LockOptions): Promise<FolderLock> {
  const file = path.join(dir, LOCK_FILE);
  const me = selfHolder(options.command);
  const text = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
    if (await createExclusive(file, text)) return heldLock(file, text);
    const current = await readHolder(file);
    if (current === null) continue; // released between our two calls: try again
    const stale = staleReason(current.holder);
    if (stale) {
      // Remove it only if it still holds what we judged stale: another run may have taken it over.
      if ((await readHolder(file))?.text === current.text) {
        await rm(file, { force: true });
        options.warn?.(`${path.join(options.shown, LOCK_FILE)}: ${stale}; taking the lock over`);
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const h = current.holder;
      const who = h
        ? `${h.command} (pid ${h.pid}${h.host !== me.host ? ` on ${h.host}` : ''}, since ${h.since})`
        : `another crossgo run (${path.join(options.shown, LOCK_FILE)})`;
      throw new UsageError(
        `${options.shown} is being written by ${who}: wait for it to finish, or pass --wait 10m to wait`,
      );
    }
    await sleep(POLL_MS, options.signal);
  }
}

function heldLock(file: string, text: string): FolderLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      // Remove only our own lock: one taken over after a (wrongly) judged stale lock is not ours.
      const now = await readFile(file, 'utf8').catch(() => null);
      if (now === text) await rm(file, { force: true });
    },
  };
}

/**
 * Writes the record under a temporary name, then link(2)s it to the lock name, which fails with
 * EEXIST when a lock exists: the lock appears whole or not at all, so no reader sees it empty.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = tempPathFor(file);
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 });
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/** The lock's record, or null when there is no lock; an unreadable record is kept as text. */
async function readHolder(file: string): Promise<{ text: string; holder: LockHolder | null } | null> {
  let text: string;
  try {
    // Never blocks and never follows a link: the lock name may have been replaced by anything.
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(MAX_LOCK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, MAX_LOCK_BYTES, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') return { text: '', holder: null }; // a link where the lock should be
    throw error;
  }
  return { text, holder: parseHolder(text) };
}

function parseHolder(text: string): LockHolder | null {
  try {
    const data = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isSafeInteger(data.pid) &&
      (data.pid as number) > 0 &&
      typeof data.startTicks === 'string' &&
      typeof data.bootId === 'string' &&
      typeof data.host === 'string' &&
      typeof data.command === 'string' &&
      typeof data.since === 'string'
    ) {
      return data as LockHolder;
    }
  } catch {}
  return null;
}

/** Why a holder no longer holds the lock, or null while it may still be running. */
export function staleReason(holder: LockHolder | null): string | null {
  // Locks appear whole (createExclusive), so one that is not a record was not written by a holder.
  if (!holder) return 'the lock records no holder';
  const me = selfHolder('');
  if (holder.host !== me.host) return null; // another machine: no way to see its processes
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId)
    return `its holder (pid ${holder.pid}) ran before this machine restarted`;
  if (!alive(holder.pid)) return `its holder (pid ${holder.pid}) is no longer running`;
  const ticks = startTicks(holder.pid);
  if (ticks && holder.startTicks && ticks !== holder.startTicks)
    return `pid ${holder.pid} is another process now`;
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function selfHolder(command: string): LockHolder {
  return {
    pid: process.pid,
    startTicks: startTicks(process.pid),
    bootId: readSmall('/proc/sys/kernel/random/boot_id'),
    host: os.hostname(),
    command,
    since: new Date().toISOString(),
  };
}

/** Field 22 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces). */
function startTicks(pid: number): string {
  const stat = readSmall(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? '';
}

function readSmall(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
