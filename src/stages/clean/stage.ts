import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { confine } from '../../fs/confine.js';
import { sha256File } from '../../fs/hash.js';
import { Ownership } from '../../fs/ownership.js';
import { CHECKSUMS_FILE, MANIFEST_FILE, type Manifest } from '../../pipeline/manifest.js';
import type { Stage } from '../../pipeline/stage.js';

/**
 * `crossgo build --clean`, the first stage once the output folder is held: removes exactly what
 * the previous manifest lists (every artifact, SHA256SUMS, manifest.json) and crossgo's journal
 * says crossgo made, and nothing else. A user's file in the folder is never listed; a listed path
 * the journal does not know (a manifest edited to name someone's file) is left alone with a
 * warning; a file changed since crossgo wrote it is left in place by the journal's remove(). Each
 * removal goes through the journal (deleted, then forgotten), so an interrupted clean leaves it
 * consistent.
 */
export const cleanOutputFolder: Stage = {
  name: 'clean',
  async run(ctx) {
    const { folder, owned } = ctx.plan;
    if (!folder.previous) return;
    // The journal as written: folder.owned also adopted what the manifest lists (for folders
    // older than the journal), which proves nothing about who made those files.
    const journal = await Ownership.load(folder.dir, folder.shown);
    const warn = (message: string) => ctx.log.warn(message);
    let removed = 0;
    for (const rel of listedFiles(folder.previous)) {
      if (ctx.signal.aborted) return;
      if (!journal.has(rel)) {
        warn(
          `${path.join(folder.shown, rel)}: listed in ${MANIFEST_FILE} but not in crossgo's journal of the files it made: left in place`,
        );
        continue;
      }
      if (rel === MANIFEST_FILE || rel === CHECKSUMS_FILE) await vouchForState(folder.dir, rel, owned);
      const before = await present(folder.dir, rel);
      await owned.remove(rel, warn);
      if (before && !(await present(folder.dir, rel))) removed++;
    }
    ctx.log.info(`crossgo: --clean removed ${removed} file${removed === 1 ? '' : 's'} from ${folder.shown}/`);
  },
};

/**
 * What the manifest lists, its own two files first: no reader of an interrupted clean finds a
 * manifest naming files that are gone.
 */
function listedFiles(manifest: Manifest): string[] {
  return [...new Set([MANIFEST_FILE, CHECKSUMS_FILE, ...manifest.artifacts.map((a) => a.path)])];
}

/**
 * manifest.json and SHA256SUMS are journalled without a sha256 (they are rewritten by every run),
 * and remove() deletes nothing it cannot vouch for. Both are crossgo's by name (the build refuses
 * to replace either when the journal does not know it) and this build replaces them whatever
 * they hold, so their bytes now are recorded first: then remove() deletes them.
 */
async function vouchForState(dir: string, rel: string, owned: Ownership): Promise<void> {
  if (owned.get(rel)?.sha256 !== null) return;
  const file = await confine(dir, rel, { what: 'crossgo file', leaf: 'file' }).catch((error: unknown) => {
    if (error instanceof UsageError) return null; // a link or a folder: remove() leaves it, saying so
    throw error;
  });
  if (!file) return;
  const sha256 = await sha256File(file, { follow: false }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (sha256) await owned.record(rel, 'state', sha256);
}

/** Whether something is at `rel` (for the count of what was removed; a link counts). */
async function present(dir: string, rel: string): Promise<boolean> {
  const file = await confine(dir, rel, { what: 'crossgo file', leaf: 'any' }).catch(() => null);
  return file === null || (await lstat(file).catch(() => null)) !== null;
}
