import { readRegular } from '../../fs/open.js';
import type { PackageContext } from '../../pipeline/release.js';
import { readVerified, releasedBinaries, sourcePath, writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { binaryNameInArchive, releaseBase } from '../../release/naming.js';
import { type ArchiveEntry, archiveBytes } from './write.js';

/** One archive per binary: <name>_<version>_<goos>_<goarch>.tar.gz (zip for windows), one top folder inside. */
export const archiveStage: Stage<PackageContext> = {
  name: 'archive',
  async run(ctx) {
    const { name } = ctx.manifest.project;
    const extras = await Promise.all(
      ctx.settings.extras.map(async (e) => ({
        name: e.name,
        data: await readRegular(e.file, { follow: false, shown: e.name }),
      })),
    );
    for (const binary of releasedBinaries(ctx)) {
      const format = ctx.settings.formatFor(binary.goos);
      if (format === 'binary') continue;
      const base = releaseBase(name, ctx.manifest.source.version, binary);
      const entries: ArchiveEntry[] = [
        {
          name: `${base}/${binaryNameInArchive(name, binary.goos, binary.goarch)}`,
          data: await readVerified(sourcePath(ctx, binary.path), binary.sha256, binary.path),
          mode: 0o755,
        },
        ...extras.map((e) => ({ name: `${base}/${e.name}`, data: e.data, mode: 0o644 })),
      ];
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const bytes = await archiveBytes(
        format,
        [{ name: base, data: null, mode: 0o755 }, ...entries],
        ctx.settings.mtime,
      );
      await writeRelease(ctx, `${base}.${format}`, bytes, {
        kind: 'archive',
        target: binary.target,
        from: [binary.path],
      });
    }
  },
};
