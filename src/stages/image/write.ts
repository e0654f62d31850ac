import { createHash } from 'node:crypto';
import { lstat, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { tempPathFor, writeFileAtomic } from '../../fs/atomic.js';
import { OWNERSHIP_FILE } from '../../fs/ownership.js';
import { isInside } from '../../fs/paths.js';
import type { ImageSet } from '../../image/build.js';
import { layoutIndex, OCI_LAYOUT_FILE, REF_NAME, writeLayout } from '../../image/layout.js';
import { platformText } from '../../image/platform.js';
import { imageTarball } from '../../image/tarball.js';
import { MANIFEST_FILE } from '../../pipeline/manifest.js';
import { openOutputFolder } from '../../pipeline/outputFolder.js';
import type { Stage } from '../../pipeline/stage.js';
import type { Descriptor } from '../../registry/types.js';
import { type ImageContext, LAYOUT_PREFIX } from './context.js';

/**
 * The layout's index.json entries: the image index under each tag (org.opencontainers.image.ref.name),
 * each platform's manifest under <tag>-<os>-<arch>[-<variant>] (umoci 0.4 and other tools that do
 * not pick a platform from an index unpack it by that name), then the SBOM referrers, unnamed, so
 * the layout holds everything a push sends.
 */
export function layoutEntries(made: ImageSet, tags: readonly string[]): Descriptor[] {
  const first = tags[0] ?? 'latest';
  return [
    ...tags.map((tag) => ({ ...made.index, annotations: { [REF_NAME]: tag } })),
    ...made.images.map((image) => ({
      ...image.manifest,
      annotations: { [REF_NAME]: `${first}-${platformText(image.platform).replaceAll('/', '-')}` },
    })),
    ...made.images.flatMap((image) => (image.referrer ? [image.referrer] : [])),
  ];
}

/**
 * The run's OCI layout in <out>/image/: each file recorded in the ownership journal before it is
 * renamed into place, then the files of an earlier layout this one no longer has (crossgo's own,
 * unchanged) removed.
 */
export const layoutStage: Stage<ImageContext> = {
  name: 'layout',
  async run(ctx) {
    const made = ctx.made as ImageSet;
    const index = layoutIndex(layoutEntries(made, ctx.plan.tags));
    const written = await writeLayout(
      {
        root: ctx.outDir,
        prefix: LAYOUT_PREFIX,
        shown: ctx.shown,
        record: (rel, sha256) => ctx.owned.record(rel, 'release', sha256),
      },
      made.blobs,
      index,
    );
    const kept = new Set(written);
    for (const rel of ctx.owned.paths('release')) {
      if (rel.startsWith(`${LAYOUT_PREFIX}/`) && !kept.has(rel))
        await ctx.owned.remove(rel, (m) => ctx.log.warn(m));
    }
  },
};

/** The manifest with the image records, written atomically (after the layout, and again after each push). */
export const recordStage: Stage<ImageContext> = {
  name: 'record',
  async run(ctx) {
    await writeImageManifest(ctx);
  },
};

export async function writeImageManifest(ctx: ImageContext): Promise<void> {
  await writeFileAtomic(path.join(ctx.outDir, MANIFEST_FILE), `${JSON.stringify(ctx.manifest, null, 2)}\n`);
}

/** --oci-layout DIR: the same layout in a folder of its own, which crossgo owns (its journal) or which is new or empty. */
export const ociLayoutStage: Stage<ImageContext> = {
  name: 'oci-layout',
  skip: (ctx) => (ctx.ociLayout ? false : 'no --oci-layout'),
  async run(ctx) {
    const { dir, shown } = ctx.ociLayout as { dir: string; shown: string };
    const made = ctx.made as ImageSet;
    if (isInside(ctx.outDir, dir) || isInside(dir, ctx.outDir)) {
      throw new UsageError(
        `--oci-layout ${shown}: inside (or around) the output folder ${ctx.shown}, which has its layout in ${ctx.shown}/${LAYOUT_PREFIX}: choose a folder elsewhere`,
      );
    }
    const fresh = await refuseForeignLayout(dir, shown);
    const folder = await openOutputFolder(dir, shown, {
      command: 'crossgo image',
      signal: ctx.signal,
      log: ctx.log,
    });
    try {
      if (!fresh && !folder.owned.has(OCI_LAYOUT_FILE)) throw foreignLayout(shown);
      const written = await writeLayout(
        {
          root: folder.dir,
          prefix: '',
          shown,
          record: (rel, sha256) => folder.owned.record(rel, 'release', sha256),
        },
        made.blobs,
        layoutIndex(layoutEntries(made, ctx.plan.tags)),
      );
      const kept = new Set(written);
      for (const rel of folder.owned.paths('release')) {
        if (!kept.has(rel)) await folder.owned.remove(rel, (m) => ctx.log.warn(m));
      }
      await folder.owned.compact();
    } finally {
      await folder.release();
    }
  },
};

/** True when the folder is new or empty; a folder with files but no crossgo journal is refused before anything is written. */
async function refuseForeignLayout(dir: string, shown: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => null);
  if (!info) return true;
  if (!info.isDirectory())
    throw new UsageError(`--oci-layout ${shown}: not a folder: name a new or empty folder`);
  const names = await readdir(dir);
  if (names.length === 0) return true;
  if (!names.includes(OWNERSHIP_FILE) || !names.includes(OCI_LAYOUT_FILE)) throw foreignLayout(shown);
  return false;
}

function foreignLayout(shown: string): UsageError {
  return new UsageError(
    `--oci-layout ${shown}: the folder has files and is not an OCI layout crossgo wrote: name a new or empty folder (crossgo never replaces what it did not make)`,
  );
}

/**
 * --tarball FILE: the layout and docker's manifest.json in one tar. docker load tags one image:
 * linux/amd64 when there is one (the platform of most docker hosts; a fixed rule, not this
 * machine's, so the tar is the same wherever it is made), else the first.
 */
export const tarballStage: Stage<ImageContext> = {
  name: 'tarball',
  skip: (ctx) => (ctx.tarball ? false : 'no --tarball'),
  async run(ctx) {
    const { file, shown } = ctx.tarball as { file: string; shown: string };
    const made = ctx.made as ImageSet;
    const loaded =
      made.images.find((i) => platformText(i.platform) === 'linux/amd64') ??
      (made.images[0] as ImageSet['images'][0]);
    const bytes = await imageTarball(
      made.blobs,
      layoutIndex(layoutEntries(made, ctx.plan.tags)),
      loaded.manifest,
      repoTags(ctx),
      new Date(ctx.plan.created),
    );
    const inOut = isInside(ctx.outDir, file);
    const rel = inOut ? path.relative(ctx.outDir, file).split(path.sep).join('/') : null;
    const info = await lstat(file).catch(() => null);
    if (info && !(rel !== null && ctx.owned.has(rel) && info.isFile())) {
      throw new UsageError(
        `--tarball ${shown} exists and was not made by crossgo: move it away or name a new file`,
      );
    }
    if (rel !== null) {
      await ctx.owned.record(rel, 'release', createHash('sha256').update(bytes).digest('hex'));
    }
    const temp = tempPathFor(file);
    try {
      await writeFile(temp, bytes, { mode: 0o644, flag: 'wx' });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  },
};

/** The names docker load gives the image: the first --push repository's tags, else <project>:<tag>. */
function repoTags(ctx: ImageContext): string[] {
  const push = ctx.pushes[0];
  if (push) return push.tags.map((tag) => `${push.registry}/${push.repository}:${tag}`);
  const name =
    ctx.manifest.project.name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'image';
  return ctx.plan.tags.map((tag) => `${name}:${tag}`);
}
