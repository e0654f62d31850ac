import { readRegular } from '../../fs/open.js';
import type { PackageContext } from '../../pipeline/release.js';
import type { PlannedArchive } from '../../pipeline/releaseLayout.js';
import {
  type ReleasedBinary,
  readVerified,
  releasedBinaries,
  sourcePath,
  writeRelease,
} from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { type ArchiveEntry, archiveBytes } from './write.js';

/**
 * One archive per target, named by package.name (default <project>_<version>_<os>_<arch>[_<variant>]),
 * holding every binary of that target and the extra files, under one top folder (package.wrap);
 * or, with format binary, each binary on its own under the template's name.
 */
export const archiveStage: Stage<PackageContext> = {
  name: 'archive',
  async run(ctx) {
    const extras = await Promise.all(
      ctx.settings.extras.map(async (e) => ({
        name: e.name,
        data: await readRegular(e.file, { follow: false, shown: e.name }),
      })),
    );
    // The universal binaries exist now: the layout named them before they were made.
    const released = new Map(releasedBinaries(ctx).map((b) => [b.path, b]));
    const find = (path: string): ReleasedBinary => {
      const binary = released.get(path);
      if (!binary) throw new Error(`bug: ${path} was planned for a release but is not in the manifest`);
      return binary;
    };
    for (const archive of ctx.layout.archives) {
      const from = archive.members.map((m) => m.binary.path);
      if (archive.format === 'binary') {
        const binary = find(from[0] as string);
        const data = await readVerified(sourcePath(ctx, binary.path), binary.sha256, binary.path);
        await writeRelease(ctx, archive.file, data, { kind: 'archive', target: archive.target, from }, 0o755);
        continue;
      }
      const bytes = await archiveBytes(
        archive.format,
        await entriesOf(ctx, archive, extras, find),
        ctx.settings.mtime,
      );
      await writeRelease(ctx, archive.file, bytes, { kind: 'archive', target: archive.target, from });
    }
  },
};

async function entriesOf(
  ctx: PackageContext,
  archive: PlannedArchive,
  extras: { name: string; data: Uint8Array }[],
  find: (path: string) => ReleasedBinary,
): Promise<ArchiveEntry[]> {
  const inside = (name: string) => (archive.top ? `${archive.top}/${name}` : name);
  const entries: ArchiveEntry[] = [];
  for (const member of archive.members) {
    const binary = find(member.binary.path);
    entries.push({
      name: inside(member.name),
      data: await readVerified(sourcePath(ctx, binary.path), binary.sha256, binary.path),
      mode: 0o755,
    });
  }
  for (const e of extras) entries.push({ name: inside(e.name), data: e.data, mode: 0o644 });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return archive.top ? [{ name: archive.top, data: null, mode: 0o755 }, ...entries] : entries;
}
