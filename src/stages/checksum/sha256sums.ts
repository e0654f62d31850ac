import path from 'node:path';
import { writeFileAtomic } from '../../fs/atomic.js';
import { type ArtifactRecord, CHECKSUMS_FILE } from '../../pipeline/manifest.js';
import type { Stage } from '../../pipeline/stage.js';

/** The text of a checksum file in the format `sha256sum -c` reads: "<hex>  <path>", sorted by path. */
export function formatSha256Sums(artifacts: readonly Pick<ArtifactRecord, 'path' | 'sha256'>[]): string {
  return [...artifacts]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((a) => `${a.sha256}  ${a.path}\n`)
    .join('');
}

/** Writes <out>/SHA256SUMS over every artifact of the run. */
export const writeChecksums: Stage = {
  name: 'checksums',
  runsAfterInterrupt: true,
  async run(ctx) {
    await ctx.plan.owned.record(CHECKSUMS_FILE, 'state', null);
    await writeFileAtomic(
      path.join(ctx.plan.outDir, CHECKSUMS_FILE),
      formatSha256Sums(ctx.manifest.artifacts),
    );
  },
};
