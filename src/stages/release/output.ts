import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/atomic.js';
import { sha256File } from '../../fs/hash.js';
import { resolveInside, toPortable } from '../../fs/paths.js';
import type { ReleaseFile, ReleaseFileKind } from '../../pipeline/manifest.js';
import type { PackageContext } from './context.js';

/** The absolute path of a release file, refused when it leaves the output folder or is someone else's. */
export async function releasePath(ctx: PackageContext, name: string): Promise<string> {
  const file = resolveInside(ctx.outDir, name, 'release file name');
  const rel = toPortable(ctx.outDir, file);
  if (!ctx.owned.has(rel) && (await lstat(file).catch(() => null))) {
    throw new UsageError(
      `${path.join(path.basename(ctx.outDir), rel)} exists and was not made by crossgo: move it away before packaging`,
    );
  }
  return file;
}

/** Writes a release file atomically and records it. */
export async function writeRelease(
  ctx: PackageContext,
  name: string,
  data: string | Uint8Array,
  record: { kind: ReleaseFileKind; target?: string; of: string[] },
): Promise<ReleaseFile> {
  const file = await releasePath(ctx, name);
  await writeFileAtomic(file, data);
  return recordFile(ctx, file, record);
}

/** Records a file already in place (written by another tool). */
export async function recordFile(
  ctx: PackageContext,
  file: string,
  record: { kind: ReleaseFileKind; target?: string; of: string[] },
): Promise<ReleaseFile> {
  const [sha256, info] = await Promise.all([sha256File(file), lstat(file)]);
  const entry: ReleaseFile = {
    kind: record.kind,
    path: toPortable(ctx.outDir, file),
    size: info.size,
    sha256,
    ...(record.target ? { target: record.target } : {}),
    of: record.of,
  };
  ctx.files.push(entry);
  return entry;
}
