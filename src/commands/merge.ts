import { copyFile, link, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { asIoError, UsageError } from '../errors.js';
import { batchFor, tempPathFor } from '../fs/atomic.js';
import { confine, makeParents } from '../fs/confine.js';
import { checkRecordedSha256 } from '../fs/hash.js';
import { type Logger, silentLogger } from '../log.js';
import { CHECKSUMS_FILE, MANIFEST_FILE, type Manifest } from '../pipeline/manifest.js';
import { type MergedBinary, planMerge, type ShardInput } from '../pipeline/mergeShards.js';
import { openOutputFolder, refuseForeign } from '../pipeline/outputFolder.js';
import { readManifest } from '../pipeline/readManifest.js';
import { formatSha256Sums } from '../stages/checksum/sha256sums.js';

export interface MergeOptions {
  /** The shard folders (each holds a `crossgo build --shard` manifest.json), relative to cwd. */
  dirs: string[];
  /** The merged folder, relative to cwd; default dist. */
  out?: string;
  cwd?: string;
  /** How long to wait for another crossgo run writing the output folder (ms); default 0: refuse. */
  waitMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

export interface MergeResult {
  manifest: Manifest;
  out: string;
  /** How many binaries were hard-linked, and how many copied (another file system). */
  linked: number;
  copied: number;
}

/**
 * `crossgo merge DIR… -o dist`: checks that the folders are all the shards of one run (merge
 * planning, pipeline/mergeShards.ts), checks every binary against its recorded sha256, then
 * writes the binaries (hard links when on the same file system, else copies, checked again),
 * one manifest.json in the whole plan's order and SHA256SUMS: what a one-machine build writes.
 * The shard folders are only read.
 */
export async function merge(options: MergeOptions): Promise<MergeResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const log = options.log ?? silentLogger;
  const inputs: ShardInput[] = [];
  for (const dir of options.dirs) {
    const shown = dir.replace(/\/+$/, '') || dir;
    const manifest = await readManifest(path.resolve(cwd, dir, MANIFEST_FILE), `${shown}/${MANIFEST_FILE}`);
    if (!manifest)
      throw new UsageError(
        `${shown}/${MANIFEST_FILE}: no such file: name a folder crossgo build --shard wrote`,
      );
    inputs.push({ shown, manifest });
  }
  const plan = planMerge(inputs);
  const shownOut = options.out ?? 'dist';
  const outDir = path.resolve(cwd, shownOut);
  const real = await realpath(outDir).catch(() => outDir);
  for (const dir of options.dirs) {
    if ((await realpath(path.resolve(cwd, dir)).catch(() => null)) === real) {
      throw new UsageError(`-o ${shownOut} is the shard folder ${dir}: merge into another folder`);
    }
  }
  // Every binary's bytes are what its shard recorded, before anything is written.
  const sources = new Map<MergedBinary, string>();
  for (const item of plan.binaries) {
    const root = path.resolve(cwd, item.from.shown);
    const what = `artifact path in ${item.from.shown}/${MANIFEST_FILE}`;
    const file = await confine(root, item.binary.path, { what, shownRoot: item.from.shown });
    await checkRecordedSha256(file, item.binary.sha256, `${item.from.shown}/${item.binary.path}`);
    sources.set(item, file);
  }
  const folder = await openOutputFolder(outDir, shownOut, {
    command: 'crossgo merge',
    waitMs: options.waitMs,
    signal: options.signal,
    log,
  });
  let linked = 0;
  let copied = 0;
  try {
    for (const own of [MANIFEST_FILE, CHECKSUMS_FILE]) await refuseForeign(folder, own, 'crossgo file');
    for (const item of plan.binaries) await refuseForeign(folder, item.binary.path, 'output');
    for (const item of plan.binaries) {
      const rel = item.binary.path;
      const what = 'output';
      await makeParents(folder.dir, rel, { what, shownRoot: shownOut });
      const final = await confine(folder.dir, rel, { what, shownRoot: shownOut });
      const temp = tempPathFor(final);
      const source = sources.get(item) as string;
      try {
        if (
          await link(source, temp).then(
            () => true,
            () => false,
          )
        )
          linked++;
        else {
          await copyFile(source, temp);
          copied++;
        }
        // What landed is what the shard recorded (a copy, or a file swapped since the check).
        await checkRecordedSha256(temp, item.binary.sha256, `${shownOut}/${rel}`);
        await folder.owned.record(rel, 'binary', item.binary.sha256);
        await rename(temp, final);
      } catch (error) {
        await rm(temp, { force: true });
        throw asIoError(error, 'write', path.join(shownOut, rel), 'the shard folders are unchanged');
      }
    }
    await writeState(plan.manifest, folder.dir, shownOut, folder.owned);
  } finally {
    await folder.release();
  }
  return { manifest: plan.manifest, out: folder.dir, linked, copied };
}

/** SHA256SUMS and manifest.json, renamed into place together (as a build writes them). */
async function writeState(
  manifest: Manifest,
  dir: string,
  shown: string,
  owned: { record(rel: string, kind: 'state', sha256: null): Promise<void> },
): Promise<void> {
  await owned.record(CHECKSUMS_FILE, 'state', null);
  await owned.record(MANIFEST_FILE, 'state', null);
  const batch = batchFor(manifest);
  try {
    await batch.add(path.join(dir, CHECKSUMS_FILE), formatSha256Sums(manifest.artifacts));
    await batch.add(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await batch.commit();
  } catch (error) {
    await batch.discard();
    throw asIoError(error, 'write', path.join(shown, MANIFEST_FILE), 'run crossgo merge again');
  }
}
