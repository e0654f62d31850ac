import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { kindOf } from './confine.js';

/**
 * Opening a FIFO for reading blocks until a writer comes, and a device can be endless: crossgo
 * opens with O_NONBLOCK (which a regular file ignores, open(2)) and refuses anything that fstat
 * does not call a regular file, so no open can hang a run and SIGINT always ends it.
 * `follow: false` adds O_NOFOLLOW: a symbolic link as the last component is refused (ELOOP).
 */
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export interface OpenOptions {
  /** Follow a symbolic link at the last component (default true: a user may name a link). */
  follow?: boolean;
  /** How the file is named in a message; default its path. */
  shown?: string;
}

function flags(options: OpenOptions): number {
  return options.follow === false ? FLAGS | constants.O_NOFOLLOW : FLAGS;
}

function notRegular(shown: string, info: Stats): UsageError {
  return new UsageError(`${shown} is ${kindOf(info)}, not a regular file: crossgo reads only regular files`);
}

function refusedLink(shown: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code === 'ELOOP'
    ? new UsageError(`${shown} is a symbolic link: crossgo reads only real files here`)
    : error;
}

/** Opens a regular file for reading without ever blocking; refuses FIFOs, sockets, devices and folders. */
export async function openRegular(
  file: string,
  options: OpenOptions = {},
): Promise<{ handle: FileHandle; info: Stats }> {
  const shown = options.shown ?? file;
  let handle: FileHandle;
  try {
    handle = await open(file, flags(options));
  } catch (error) {
    throw refusedLink(shown, error);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw notRegular(shown, info);
  }
  return { handle, info };
}

/** The synchronous openRegular, for the readers' FileSource. */
export function openRegularSync(file: string, options: OpenOptions = {}): { fd: number; info: Stats } {
  const shown = options.shown ?? file;
  let fd: number;
  try {
    fd = openSync(file, flags(options));
  } catch (error) {
    throw refusedLink(shown, error);
  }
  const info = fstatSync(fd);
  if (!info.isFile()) {
    closeSync(fd);
    throw notRegular(shown, info);
  }
  return { fd, info };
}

/** Reads a whole regular file (refusing anything else), with a size limit. */
export async function readRegular(
  file: string,
  options: OpenOptions & { maxBytes?: number } = {},
): Promise<Buffer> {
  const { handle, info } = await openRegular(file, options);
  try {
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      throw new UsageError(
        `${options.shown ?? file} is ${info.size} bytes, over the limit of ${options.maxBytes}: crossgo does not read files this large here`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
