import { existsSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { BuildEvent } from '../pipeline/events.js';
import { artifactsOfKind, type ImageArtifact, MANIFEST_FILE, type Manifest } from '../pipeline/manifest.js';
import { openOutputFolder } from '../pipeline/outputFolder.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import type { ImageContext } from '../stages/image/context.js';
import { pushStage, pushTargets } from '../stages/image/push.js';
import { planImages } from '../stages/image/settings.js';
import { imageStage } from '../stages/image/stage.js';
import { layoutStage, ociLayoutStage, recordStage, tarballStage } from '../stages/image/write.js';

export interface ImageOptions {
  cwd?: string;
  /** The output folder the build wrote (relative to cwd); default dist. Its manifest is read, the layout goes to <out>/image. */
  out?: string;
  configFile?: string;
  /** Target ids of the manifest's linux binaries; default image.targets, else every linux binary. */
  targets?: string[];
  /** REPO[:TAG] references to push to; a REPO without a tag gets image.tags (default {version}). */
  push?: string[];
  /** Also write the layout into this folder (new, empty, or one crossgo wrote). */
  ociLayout?: string;
  /** Also write a tar that docker load and podman load accept. */
  tarball?: string;
  /** A base image reference (over image.base); scratch by default. */
  base?: string;
  /** Registry hosts allowed over plain HTTP besides localhost. */
  insecureRegistries?: string[];
  /** How long to wait for another crossgo run writing the output folder (ms); default 0: refuse. */
  waitMs?: number;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (event: BuildEvent) => void;
}

export interface ImageResult {
  manifest: Manifest;
  outDir: string;
  /** The records of this run's images: the index, then each platform's manifest and referrer. */
  images: ImageArtifact[];
  /** Per digest of an index, manifest or referrer: the bytes it stands for (itself and every blob below it, each once). */
  totals: Record<string, number>;
  /** Each push: where, the tags, and what the registry already had. */
  pushed: ImageContext['pushed'];
}

/** The image stages, in order: make, lay out, record, export, push (each push recorded). */
export const IMAGE_STAGES: readonly Stage<ImageContext>[] = [
  imageStage,
  layoutStage,
  recordStage,
  ociLayoutStage,
  tarballStage,
  pushStage,
];

/**
 * One OCI image per linux binary of the build, under one image index, kept as an OCI layout in
 * <out>/image and recorded in the manifest; optionally copied to --oci-layout, packed as
 * --tarball and pushed. Works from the manifest only, like crossgo package.
 */
export async function image(options: ImageOptions = {}): Promise<ImageResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const log = options.log ?? silentLogger;
  const signal = options.signal ?? new AbortController().signal;
  const manifestArg = path.join(options.out ?? 'dist', MANIFEST_FILE);
  const manifestFile = path.resolve(cwd, manifestArg);
  if (!(await lstat(manifestFile).catch(() => null))) {
    throw new UsageError(
      `${manifestArg}: no such file: run crossgo build first (with linux targets), or name the folder with -o`,
    );
  }
  const outDir = path.dirname(manifestFile);
  const shown = path.relative(cwd, outDir) || '.';
  // Checked before the folder is locked: a bad flag costs nothing.
  const pushes = pushTargets(options.push ?? []);
  const folder = await openOutputFolder(outDir, shown, {
    command: 'crossgo image',
    waitMs: options.waitMs,
    signal,
    log,
  });
  try {
    const built = folder.previous;
    if (!built) throw new UsageError(`${manifestArg}: not a crossgo manifest: run crossgo build first`);
    const moduleRoot = findModuleRoot(cwd) ?? cwd;
    const configFile = options.configFile ? path.resolve(cwd, options.configFile) : undefined;
    const loaded = await loadConfig(moduleRoot, configFile);
    const file = loaded.file ? path.basename(loaded.file) : 'config';
    const plan = planImages({
      manifest: built,
      manifestShown: manifestArg,
      config: loaded.config.image ?? {},
      file,
      targets: options.targets,
      base: options.base,
      env,
    });
    // The previous images' records are replaced by this run's; everything else is kept.
    const manifest: Manifest = { ...built, artifacts: built.artifacts.filter((a) => a.kind !== 'image') };
    const ctx: ImageContext = {
      outDir: folder.dir,
      shown,
      manifest,
      plan,
      previousImages: artifactsOfKind(built, 'image'),
      owned: folder.owned,
      pushes: pushes.map((p) => ({
        ...p,
        tags: [...new Set([...(p.planTags ? plan.tags : []), ...p.tags])],
      })),
      ociLayout: options.ociLayout
        ? { dir: path.resolve(cwd, options.ociLayout), shown: options.ociLayout }
        : null,
      tarball: options.tarball ? { file: path.resolve(cwd, options.tarball), shown: options.tarball } : null,
      insecure: options.insecureRegistries ?? [],
      cwd,
      env,
      signal,
      log,
      bases: [],
      pushed: [],
      made: null,
      records: [],
      emit: (event) => options.onEvent?.(event),
      interrupted: null,
    };
    try {
      await runStages(IMAGE_STAGES, ctx);
    } finally {
      await folder.owned.compact();
    }
    return { manifest, outDir: folder.dir, images: ctx.records, totals: totalSizes(ctx), pushed: ctx.pushed };
  } finally {
    await folder.release();
  }
}

function totalSizes(ctx: ImageContext): Record<string, number> {
  const totals: Record<string, number> = {};
  const blobs = ctx.made?.blobs;
  if (!blobs) return totals;
  const below = (digest: string, seen: Set<string>): void => {
    const blob = blobs.get(digest);
    if (!blob || seen.has(digest)) return;
    seen.add(digest);
    const json = blob.descriptor.mediaType.endsWith('+json') ? safeJson(blob.bytes) : null;
    for (const d of [json?.config, ...(json?.layers ?? []), ...(json?.manifests ?? [])])
      if (d) below(d.digest, seen);
  };
  for (const record of ctx.records) {
    const seen = new Set<string>();
    below(record.digest, seen);
    totals[record.digest] = [...seen].reduce((sum, d) => sum + (blobs.get(d)?.bytes.length ?? 0), 0);
  }
  return totals;
}

interface Linked {
  config?: { digest: string };
  layers?: { digest: string }[];
  manifests?: { digest: string }[];
}

function safeJson(bytes: Buffer): Linked | null {
  try {
    return JSON.parse(bytes.toString('utf8')) as Linked;
  } catch {
    return null;
  }
}

/** The nearest folder at or above `dir` with a go.mod (where the config is). */
function findModuleRoot(dir: string): string | null {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'go.mod'))) return current;
    if (path.dirname(current) === current) return null;
  }
}
