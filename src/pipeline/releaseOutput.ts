import { createHash } from 'node:crypto';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IntegrityError, UsageError } from '../errors.js';
import { tempPathFor } from '../fs/atomic.js';
import { checkRelativePath, confine } from '../fs/confine.js';
import { hashFile } from '../fs/hash.js';
import { readRegular } from '../fs/open.js';
import {
  type Artifact,
  artifactsOfKind,
  binaries,
  binaryOrigin,
  type ReleaseArtifact,
  type ReleaseKind,
} from './manifest.js';
import type { PackageContext } from './release.js';
import type { PlannedBinary } from './releaseLayout.js';

/**
 * Release files are staged: each stage writes under a temporary name beside the final one, and
 * nothing replaces a file of the previous release until every stage (signing included) has
 * succeeded — commitRelease then renames them all into place. A failure anywhere leaves the
 * previous release as it was, and discardStaged removes the temporary files.
 */

/** Claims a release file name and returns the temporary path to write it at. */
export async function stagePath(ctx: PackageContext, name: string): Promise<string> {
  const rel = checkRelativePath(name, 'release file name');
  if (ctx.staged.has(rel)) throw new UsageError(`release file ${rel} would be made twice`);
  const final = await confine(ctx.outDir, rel, { what: 'release file', shownRoot: ctx.shown, leaf: 'any' });
  if (!ctx.owned.has(rel) && (await exists(final))) {
    throw new UsageError(
      `${path.join(ctx.shown, rel)} exists and was not made by crossgo: move it away before packaging`,
    );
  }
  const temp = tempPathFor(final);
  ctx.staged.set(rel, temp);
  return temp;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** Where the bytes of a release input are now: a file staged by this run, else the output folder's. */
export function sourcePath(ctx: PackageContext, rel: string): string {
  return ctx.staged.get(rel) ?? path.join(ctx.outDir, rel);
}

/** The whole of a file, checked against the sha256 the manifest records before it is used. */
export async function readVerified(file: string, sha256: string, shown: string): Promise<Buffer> {
  const bytes = await readRegular(file, { follow: false, shown });
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== sha256) {
    throw new IntegrityError(
      `${shown} has sha256 ${got.slice(0, 12)}…, not the ${sha256.slice(0, 12)}… its manifest records: it changed after crossgo built it; rebuild it`,
    );
  }
  return bytes;
}

/** What a stage says of a file it made; the path, size and sha256 come from the file. */
export interface ReleaseFacts {
  kind: ReleaseKind;
  target?: string;
  /** The paths of the artifacts it is made from, describes or signs. */
  from: string[];
}

/** Writes a release file (staged) and records it; `mode` 0o755 for a bare binary. */
export async function writeRelease(
  ctx: PackageContext,
  name: string,
  data: string | Uint8Array,
  record: ReleaseFacts,
  mode = 0o644,
): Promise<ReleaseArtifact> {
  const temp = await stagePath(ctx, name);
  await writeFile(temp, data, { mode, flag: 'wx' });
  return recordFile(ctx, name, record);
}

/**
 * Records a staged file (written by writeRelease or by another tool: a signature, the universal
 * binary) in the manifest's artifact list, where the later stages find it.
 */
export async function recordFile(
  ctx: PackageContext,
  rel: string,
  record: ReleaseFacts,
): Promise<ReleaseArtifact> {
  const temp = ctx.staged.get(rel);
  if (!temp) throw new Error(`bug: ${rel} was not staged`);
  const { sha256, size } = await hashFile(temp, { follow: false, shown: rel });
  const entry: ReleaseArtifact = {
    kind: record.kind,
    path: rel,
    size,
    sha256,
    ...(record.target ? { target: record.target } : {}),
    from: record.from,
  };
  ctx.manifest.artifacts.push(entry);
  return entry;
}

/** The folder of the output folder's OCI layout, which `crossgo image` writes and `package` keeps. */
export const IMAGE_LAYOUT = 'image';

/** The records this run made (staged, or committed by commitRelease): every artifact but the binaries and images. */
export function madeByRelease(ctx: PackageContext): Artifact[] {
  return ctx.manifest.artifacts.filter((a) => a.kind !== 'binary' && a.kind !== 'image');
}

/**
 * The images an earlier `crossgo image` made from these same binaries stay valid when the release
 * is made again (they hold the binaries, not the release files): package keeps their records and
 * their layout. A referrer made from an SBOM this release no longer has now names the binary
 * it describes (the SBOM is derived from it), so no record points at a file that is gone.
 */
function keepImages(ctx: PackageContext): void {
  const present = new Set(ctx.manifest.artifacts.filter((a) => a.kind !== 'image').map((a) => a.path));
  const binaryOf = new Map(binaries(ctx.manifest).map((b) => [b.target, b.path]));
  for (const image of artifactsOfKind(ctx.manifest, 'image')) {
    const fallback = image.target ? binaryOf.get(image.target) : undefined;
    image.from = image.from.map((from) => (present.has(from) || !fallback ? from : fallback));
  }
}

/**
 * Every stage succeeded: each staged file is recorded as crossgo's, then renamed into place
 * (checked once more at this moment: no link may have appeared in its path); then the previous
 * release's files that this one did not make again are deleted (crossgo's own, unchanged ones).
 */
export async function commitRelease(ctx: PackageContext): Promise<void> {
  const made = madeByRelease(ctx);
  for (const file of made) {
    const temp = ctx.staged.get(file.path);
    if (!temp) continue;
    await ctx.owned.record(file.path, 'release', file.sha256);
    const final = await confine(ctx.outDir, file.path, {
      what: 'release file',
      shownRoot: ctx.shown,
      leaf: 'file',
    });
    await rename(temp, final);
    ctx.staged.delete(file.path);
  }
  keepImages(ctx);
  const kept = new Set(made.map((f) => f.path));
  for (const rel of ctx.owned.paths('release')) {
    if (!kept.has(rel) && !rel.startsWith(`${IMAGE_LAYOUT}/`))
      await ctx.owned.remove(rel, (m) => ctx.log.warn(m));
  }
}

/** Removes what a failed or interrupted run staged. */
export async function discardStaged(ctx: PackageContext): Promise<void> {
  for (const temp of ctx.staged.values()) await rm(temp, { force: true }).catch(() => {});
  ctx.staged.clear();
}

/** A binary a release ships: a build's artifact or the universal darwin one, with its sha256. */
export interface ReleasedBinary extends PlannedBinary {
  sha256: string;
}

/** What a release ships per target: each binary, and the universal ones when made. */
export function releasedBinaries(ctx: Pick<PackageContext, 'manifest'>): ReleasedBinary[] {
  const built: ReleasedBinary[] = binaries(ctx.manifest).map((a) => {
    const { name } = binaryOrigin(ctx.manifest, a);
    return {
      path: a.path,
      target: a.target,
      goos: a.goos,
      goarch: a.goarch,
      variant: a.variant,
      sha256: a.sha256,
      name,
      id: a.build ?? name,
    };
  });
  const universal = artifactsOfKind(ctx.manifest, 'universal').map((f) => {
    // Named after its slices' binary (the universal stage merges one name's two slices).
    const slice = built.find((b) => b.path === f.from[0]);
    const name = slice?.name ?? ctx.manifest.project.name;
    return {
      path: f.path,
      target: f.target ?? 'darwin/universal',
      goos: 'darwin',
      goarch: 'universal',
      variant: null,
      sha256: f.sha256,
      name,
      id: slice?.id ?? name,
    };
  });
  return [...built, ...universal];
}
