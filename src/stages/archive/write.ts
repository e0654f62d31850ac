import yazl from 'yazl';
import { deterministicGzip, tarBytes } from '../../fs/deterministic.js';

/** One member of an archive; folders have no data. */
export interface ArchiveEntry {
  /** Path inside the archive, forward slashes; folders end without a slash. */
  name: string;
  data: Uint8Array | null;
  mode: number;
}

import type { ArchiveFormat } from '../../pipeline/releaseLayout.js';

export type { ArchiveFormat };

/**
 * Archive bytes that depend only on the entries and the mtime: entries in the order given
 * (callers sort them), uid/gid 0 and no user names, the given modes, one mtime for all, and a
 * gzip header without name or time. Nothing comes from the machine: not the umask, not the
 * time zone, not the file system's order or owners, not the CPU (fs/deterministic.ts).
 */
export async function archiveBytes(
  format: ArchiveFormat,
  entries: readonly ArchiveEntry[],
  mtime: Date,
): Promise<Buffer> {
  return format === 'zip' ? zipBytes(entries, mtime) : tarGzBytes(entries, mtime);
}

async function tarGzBytes(entries: readonly ArchiveEntry[], mtime: Date): Promise<Buffer> {
  return deterministicGzip(await tarBytes(entries, mtime));
}

/** Zip times are DOS local time: the earliest is 1980-01-01. */
const DOS_EPOCH = Date.UTC(1980, 0, 1);

async function zipBytes(entries: readonly ArchiveEntry[], mtime: Date): Promise<Buffer> {
  const utc = new Date(Math.max(mtime.getTime(), DOS_EPOCH));
  // yazl writes the DOS time from the Date's local fields: give it a Date whose local fields are
  // the UTC time, so the archive is the same in every time zone; and no extended-timestamp field
  // (forceDosTimestamp), which would carry the shifted instant.
  const local = new Date(
    utc.getUTCFullYear(),
    utc.getUTCMonth(),
    utc.getUTCDate(),
    utc.getUTCHours(),
    utc.getUTCMinutes(),
    utc.getUTCSeconds(),
  );
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    // Zip keeps the whole st_mode: the file type bits too, or unzip shows "?rwxr-xr-x".
    const mode = entry.mode | (entry.data ? 0o100000 : 0o040000);
    const options = { mtime: local, mode, forceDosTimestamp: true };
    if (entry.data)
      zip.addBuffer(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length), entry.name, {
        ...options,
        compress: true,
      });
    else zip.addEmptyDirectory(entry.name, options);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
