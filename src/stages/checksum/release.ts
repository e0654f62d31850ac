import { digestFile } from '../../fs/hash.js';
import type { PackageContext } from '../../pipeline/release.js';
import { sourcePath, writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { checksumsName } from '../../release/naming.js';

/**
 * <name>_<version>_checksums.txt over every binary, archive, SBOM and universal binary, in the format
 * `sha256sum -c` (or `sha512sum -c`) reads: "<hex>  <path>", sorted by path.
 */
export const releaseChecksumsStage: Stage<PackageContext> = {
  name: 'checksums',
  async run(ctx) {
    // Everything made so far but signatures (which sign this file), checksum files and the
    // changelog (release notes, not a published file: GoReleaser's checksums leave it out too).
    const paths = ctx.manifest.artifacts
      .filter((a) => a.kind !== 'signature' && a.kind !== 'checksums' && a.kind !== 'changelog')
      .map((a) => a.path)
      .sort();
    const lines: string[] = [];
    for (const rel of paths) {
      lines.push(
        `${(await digestFile(sourcePath(ctx, rel), ctx.settings.checksum, { follow: false, shown: rel })).digest}  ${rel}\n`,
      );
    }
    await writeRelease(
      ctx,
      checksumsName(ctx.manifest.project.name, ctx.manifest.source.version),
      lines.join(''),
      {
        kind: 'checksums',
        from: paths,
      },
    );
  },
};
