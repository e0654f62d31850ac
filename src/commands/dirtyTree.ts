import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Manifest } from '../pipeline/manifest.js';
import type { BuildPlan } from '../pipeline/plan.js';
import { dirtyTreeProblem, gitChanges, UNKNOWN_COMMIT, visibleToGit } from '../toolchain/vcs.js';

/*
 * Release hygiene: a release is made only of binaries go stamped vcs.modified=false, unless it
 * is a snapshot. go's definition of modified is `git status --porcelain` non-empty, untracked
 * files included (git describe --dirty ignores those: how a tree with an untracked file was once
 * packaged as a clean v1.2.3). An output folder inside the work tree and not ignored dirties the
 * tree by itself: crossgo's lock and journal are in it while go builds.
 */

/** `build --package`: refuses a dirty tree before anything is built (unless --snapshot). */
export async function refuseDirtyPlan(plan: BuildPlan): Promise<void> {
  const { version } = plan;
  if (version.snapshot) return;
  if (version.dirty) {
    const changes = await gitChanges(plan.moduleRoot, plan.discovery.env, plan.discovery.signal);
    throw new UsageError(dirtyTreeProblem(changes ?? [], version.version));
  }
  if (
    version.commit !== UNKNOWN_COMMIT &&
    (await plan.discovery.visibleToGit(plan.moduleRoot, plan.outDir))
  ) {
    throw new UsageError(outputFolderProblem(plan.shownOut, plan.moduleRoot, plan.outDir, version.version));
  }
}

export interface ManifestCheck {
  moduleRoot: string;
  outDir: string;
  /** The output folder as the user named it. */
  shown: string;
  /** --snapshot: package a dirty build anyway, under its own version, with a warning. */
  snapshot: boolean;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log: Logger;
}

/**
 * `package`: refuses a build whose manifest says its tree was dirty (or whose output folder
 * dirtied it) unless the build was a snapshot or --snapshot is given. With --snapshot the names
 * stay the build's version: release file names always follow the version stamped into the
 * binaries (snapshot names come from `build --snapshot`).
 */
export async function refuseDirtyManifest(manifest: Manifest, check: ManifestCheck): Promise<void> {
  const { source } = manifest;
  if (source.snapshot) return;
  const inTree =
    source.commit !== UNKNOWN_COMMIT && (await visibleToGit(check.moduleRoot, check.outDir, check.env));
  if (!source.dirty && !inTree) return;
  if (check.snapshot) {
    check.log.warn(
      `--snapshot: packaging a build of a dirty tree (vcs.modified=true) as ${source.version}: release file names follow the version stamped into the binaries; for snapshot names, build with --snapshot`,
    );
    return;
  }
  if (source.dirty) {
    const changes = (await gitChanges(check.moduleRoot, check.env, check.signal)) ?? [];
    throw new UsageError(dirtyTreeProblem(changes, source.version));
  }
  throw new UsageError(outputFolderProblem(check.shown, check.moduleRoot, check.outDir, source.version));
}

function outputFolderProblem(shown: string, moduleRoot: string, outDir: string, version: string): string {
  const rel = path.relative(moduleRoot, outDir).split(path.sep).join('/');
  return `${shown}/ is inside the git work tree and not ignored: crossgo's files there make the tree dirty while go builds, so go stamps the binaries vcs.modified=true and they are not a release of ${version}; add /${rel}/ to .gitignore, or pass --snapshot`;
}
