import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { TEMP_MARKER } from '../../fs/atomic.js';
import { CHECKSUMS_FILE, MANIFEST_FILE, readManifest } from '../../pipeline/manifest.js';

/**
 * Makes sure the output folder is a folder crossgo can write, and returns the files in it
 * that crossgo made before (listed in its manifest): the only ones it may replace.
 */
export async function prepareOutputFolder(outDir: string, shown: string): Promise<Set<string>> {
  const stat = await lstat(outDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw unwritable(shown, error);
  });
  if (stat && !stat.isDirectory()) {
    throw new UsageError(
      `output folder ${shown} is a file, not a folder: choose a folder with -o (crossgo writes the binaries into it)`,
    );
  }
  try {
    await mkdir(outDir, { recursive: true });
    const probe = path.join(outDir, `${TEMP_MARKER}probe-${process.pid}`);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe);
  } catch (error) {
    throw unwritable(shown, error as NodeJS.ErrnoException);
  }
  const previous = await readManifest(path.join(outDir, MANIFEST_FILE), path.join(shown, MANIFEST_FILE));
  const owned = new Set<string>();
  if (previous) {
    owned.add(MANIFEST_FILE);
    owned.add(CHECKSUMS_FILE);
    for (const artifact of previous.artifacts) owned.add(artifact.path);
    // The previous release files (archives, SBOMs, signatures…) describe binaries this build
    // replaces: crossgo made them, and removes them rather than leave them stale and unlisted.
    for (const file of previous.release?.files ?? []) {
      if (file.path.split('/').includes('..') || path.isAbsolute(file.path)) continue;
      await rm(path.join(outDir, file.path), { force: true });
    }
  }
  for (const own of [MANIFEST_FILE, CHECKSUMS_FILE]) {
    await refuseForeign(outDir, own, owned, shown);
  }
  return owned;
}

/** Refuses to replace a file crossgo did not make. */
export async function refuseForeign(
  outDir: string,
  rel: string,
  owned: Set<string>,
  shown: string,
): Promise<void> {
  if (owned.has(rel)) return;
  const stat = await lstat(path.join(outDir, rel)).catch(() => null);
  if (stat) {
    throw new UsageError(
      `${path.join(shown, rel)} exists and was not made by crossgo (it is not in ${path.join(shown, MANIFEST_FILE)}): move it away or choose another -o`,
    );
  }
}

function unwritable(shown: string, error: NodeJS.ErrnoException): UsageError {
  return new UsageError(
    `output folder ${shown} is not writable (${error.code ?? error.message}): choose another with -o`,
  );
}
