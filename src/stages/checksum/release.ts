import { digestFile } from '../../fs/hash.js';
import type { PackageContext } from '../../pipeline/release.js';
import { sourcePath, writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';

/**
 * The checksums file (package.checksum.name, default <project>_<version>_checksums.txt) over what
 * the release publishes (package.checksum.covers: by default archives, bare binaries of format
 * binary, source archive, SBOMs and packages; the build's raw binaries are in its SHA256SUMS), in
 * the format `sha256sum -c` (or `sha512sum -c`) reads: "<hex>  <path>", sorted by path.
 */
export const releaseChecksumsStage: Stage<PackageContext> = {
  name: 'checksums',
  async run(ctx) {
    const paths = ctx.manifest.artifacts
      .filter((a) => ctx.settings.checksumKinds.has(a.kind))
      .map((a) => a.path)
      .sort();
    const lines: string[] = [];
    for (const rel of paths) {
      const { digest } = await digestFile(sourcePath(ctx, rel), ctx.settings.checksum, {
        follow: false,
        shown: rel,
      });
      lines.push(`${digest}  ${rel}\n`);
    }
    await writeRelease(ctx, ctx.layout.checksums, lines.join(''), { kind: 'checksums', from: paths });
  },
};
