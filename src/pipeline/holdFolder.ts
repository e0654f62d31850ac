import path from 'node:path';
import type { Logger } from '../log.js';
import { UNKNOWN_COMMIT } from '../toolchain/vcs.js';
import { binaries, CHECKSUMS_FILE, MANIFEST_FILE } from './manifest.js';
import { openOutputFolder, refuseForeign } from './outputFolder.js';
import type { BuildPlan, HeldPlan } from './plan.js';

export interface HoldOptions {
  /** How long to wait for another crossgo run writing the same output folder (ms); default 0: refuse. */
  waitMs?: number;
  signal?: AbortSignal;
  log: Logger;
  /**
   * --clean: the previous files are about to be removed (stages/clean), so none seeds or skips a
   * target: every target is built (force).
   */
  clean?: boolean;
}

/**
 * The first step of a build's run, after planning: takes the output folder (creates it, locks
 * it, reads what crossgo owns there and removes a killed run's temporary files) and refuses to
 * replace a file crossgo did not make. Planning never does any of this: a refused plan leaves
 * the folder as it was.
 */
export async function holdOutputFolder(plan: BuildPlan, options: HoldOptions): Promise<HeldPlan> {
  const folder = await openOutputFolder(plan.outDir, plan.shownOut, {
    command: 'crossgo build',
    waitMs: options.waitMs,
    signal: options.signal,
    log: options.log,
  });
  try {
    for (const own of [MANIFEST_FILE, CHECKSUMS_FILE]) await refuseForeign(folder, own, 'crossgo file');
    for (const b of plan.builds) await refuseForeign(folder, b.outputRel, 'output');
    if (
      plan.version.commit !== UNKNOWN_COMMIT &&
      (await plan.discovery.visibleToGit(plan.moduleRoot, plan.outDir))
    ) {
      options.log.warn(
        `${plan.shownOut}/ is inside the git work tree and not ignored: once it holds files, go stamps vcs.modified=true and the next build differs; add /${path.relative(plan.moduleRoot, plan.outDir)}/ to .gitignore`,
      );
    }
  } catch (error) {
    await folder.release();
    throw error;
  }
  const previous = folder.previous && !options.clean ? binaries(folder.previous) : [];
  const recorded = new Map(previous.map((a) => [a.path, a.sha256]));
  return { ...plan, force: plan.force || options.clean === true, folder, owned: folder.owned, recorded };
}
