import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../../errors.js';
import type { Discovery } from '../../../pipeline/discovery.js';
import { type MainPackage, resolveMainPackage, startingRootOf } from '../../../toolchain/module.js';

/** Where crossgo runs (like `go -C`): an existing folder, absolute. */
export function planCwd(cwd: string | undefined): string {
  const dir = path.resolve(cwd ?? process.cwd());
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`cwd ${cwd ?? dir}: no such folder`);
  }
  return dir;
}

/** The module and main package of a build, as go resolves them. */
export interface ModulePlan {
  /** cwd's module root (or the workspace's folder): where the config is looked for first. */
  startingRoot: string;
  pkg: MainPackage;
  /** The package's module root: in a workspace it may be another module than cwd's. */
  moduleRoot: string;
}

/** Where to look first (cwd's module, or the workspace), before `go list` names the package's module. */
export function startingRoot(discovery: Discovery): string {
  return startingRootOf(discovery.go, discovery.cwd);
}

/** Resolves the main package (`go list`); refuses a folder outside any module or a non-main package. */
export async function planModule(discovery: Discovery, pattern: string | undefined): Promise<ModulePlan> {
  const root = startingRoot(discovery);
  const pkg = await resolveMainPackage(discovery.go, pattern ?? '.', {
    cwd: discovery.cwd,
    env: discovery.env,
    signal: discovery.signal,
  });
  return { startingRoot: root, pkg, moduleRoot: pkg.module.dir };
}
