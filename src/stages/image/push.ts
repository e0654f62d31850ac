import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { ImageSet } from '../../image/build.js';
import type { Stage } from '../../pipeline/stage.js';
import { mountSources } from '../../registry/pull.js';
import { pushLayout } from '../../registry/push.js';
import { parseReference } from '../../registry/reference.js';
import type { PushResult } from '../../registry/types.js';
import { type ImageContext, LAYOUT_PREFIX, type PushTarget } from './context.js';
import { writeImageManifest } from './write.js';

/**
 * The --push references, checked before anything is read or written: REPO[:TAG], never a digest
 * (a digest names an image, not a place to put one). Several for one repository are one push
 * with all their tags; a REPO without a tag gets the plan's tags (image.tags, default {version}).
 */
export function pushTargets(refs: readonly string[]): PushTarget[] {
  const byRepo = new Map<string, PushTarget>();
  for (const text of refs) {
    const ref = parseReference(text);
    if (ref.digest) {
      throw new UsageError(`--push ${text}: a digest names an image, not where to push one: give REPO[:TAG]`);
    }
    const key = `${ref.registry}/${ref.repository}`;
    const target = byRepo.get(key) ?? {
      text,
      registry: ref.registry,
      repository: ref.repository,
      tags: [],
      planTags: false,
    };
    if (!ref.tag) target.planTags = true;
    else if (!target.tags.includes(ref.tag)) target.tags.push(ref.tag);
    byRepo.set(key, target);
  }
  return [...byRepo.values()];
}

/**
 * Pushes the layout in <out>/image to each --push repository (the registry client sends every
 * blob and manifest before the first tag, so a failed push leaves no tag on an incomplete image),
 * then records the repository and its tags on the index (and the repository on each manifest and
 * referrer) and writes the manifest again.
 */
export const pushStage: Stage<ImageContext> = {
  name: 'push',
  skip: (ctx) => (ctx.pushes.length > 0 ? false : 'no --push'),
  async run(ctx) {
    const made = ctx.made as ImageSet;
    const referrers = made.images.flatMap((i) => (i.referrer ? [i.referrer] : []));
    for (const push of ctx.pushes) {
      const mounts = mountSources(ctx.bases, push.registry);
      const result: PushResult = await pushLayout({
        layout: path.join(ctx.outDir, LAYOUT_PREFIX),
        root: { mediaType: made.index.mediaType, digest: made.index.digest, size: made.index.size },
        referrers,
        registry: push.registry,
        repository: push.repository,
        tags: push.tags,
        mountFrom: mounts,
        insecure: ctx.insecure,
        env: ctx.env,
        log: (line) => ctx.log.debug(line),
        signal: ctx.signal,
      });
      ctx.pushed.push({ target: push, result });
      const repository = `${push.registry}/${push.repository}`;
      for (const record of ctx.records) {
        record.pushed = record.pushed.filter((p) => p.repository !== repository);
        record.pushed.push({ repository, tags: record.role === 'index' ? push.tags : [] });
      }
      await writeImageManifest(ctx);
    }
  },
};
