import path from 'node:path';
import { asIoError } from '../../errors.js';
import { batchFor, previousKept } from '../../fs/atomic.js';
import { type Artifact, binaries, CHECKSUMS_FILE, MANIFEST_FILE } from '../../pipeline/manifest.js';
import type { Stage } from '../../pipeline/stage.js';

/** The text of a checksum file in the format `sha256sum -c` reads: "<hex>  <path>", sorted by path. */
export function formatSha256Sums(artifacts: readonly Pick<Artifact, 'path' | 'sha256'>[]): string {
  return [...artifacts]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((a) => `${a.sha256}  ${a.path}\n`)
    .join('');
}

/**
 * Writes <out>/SHA256SUMS over every binary of the run, under a temporary name: the manifest
 * stage renames it into place together with manifest.json, so the two never disagree.
 */
export const writeChecksums: Stage = {
  name: 'checksums',
  runsAfterInterrupt: true,
  async run(ctx) {
    await ctx.plan.owned.record(CHECKSUMS_FILE, 'state', null);
    const file = path.join(ctx.plan.outDir, CHECKSUMS_FILE);
    try {
      await batchFor(ctx.manifest).add(file, formatSha256Sums(binaries(ctx.manifest)));
    } catch (error) {
      await batchFor(ctx.manifest).discard();
      const kept = await previousKept([path.join(ctx.plan.outDir, MANIFEST_FILE), file]);
      const n = binaries(ctx.manifest).length;
      const built =
        n === 0
          ? ''
          : `; the ${n === 1 ? 'binary' : `${n} binaries`} built now ${n === 1 ? 'is' : 'are'} not recorded: build again once the folder can be written`;
      throw asIoError(error, 'write', file, `${kept}${built}`);
    }
  },
};
