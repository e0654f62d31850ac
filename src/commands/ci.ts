import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { GITHUB_WORKFLOW, githubWorkflow } from '../ci/github.js';
import { GITLAB_FILE, gitlabPipeline } from '../ci/gitlab.js';
import { markerState } from '../ci/marker.js';
import { type CiPlan, MAX_SHARDS, plainPath } from '../ci/plan.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { confine, makeParents } from '../fs/confine.js';
import { readRegular } from '../fs/open.js';
import { gitTopLevel } from '../repro/against.js';
import { planBuild } from '../stages/build/plan.js';
import { CROSSGO_VERSION } from '../version.js';

export type CiPlatform = 'github' | 'gitlab';

export interface CiOptions {
  platform: CiPlatform;
  /** Shard jobs, 1..targets; default one per 4 targets, rounded up. */
  shards?: number | string;
  /** Replace a file crossgo did not write, or one edited since. */
  force?: boolean;
  /** An explicit config file, relative to cwd; the workflow's commands name it too. */
  configFile?: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface CiResult {
  /** The file, absolute. */
  file: string;
  /** The file relative to the repository's top level. */
  path: string;
  /** created, replaced (crossgo's own, or --force), or unchanged (the same bytes were there). */
  outcome: 'created' | 'replaced' | 'unchanged';
  shards: number;
  targets: number;
  plan: CiPlan;
}

/** Targets per shard job when --shards is not given: about what a 4-core hosted runner builds at once. */
export const TARGETS_PER_SHARD = 4;

/**
 * `crossgo ci github|gitlab`: plans the build as CI will run it (the target count, the module
 * folder, the output folder), writes the generated file at the repository's top level, and
 * refuses to replace a file crossgo did not write or that was edited since, unless --force.
 */
export async function ci(options: CiOptions): Promise<CiResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const build = await planBuild({
    cwd,
    environment: env,
    signal: options.signal,
    configFile: options.configFile,
  });
  const targets = build.builds.length;
  const shards = shardCount(options.shards, targets);
  const moduleRoot = await realpath(build.moduleRoot);
  const topRaw = await gitTopLevel(moduleRoot, env);
  if (topRaw === null)
    throw new EnvironmentError(
      `${moduleRoot} is not in a git repository: a CI workflow lives in the repository (git init, or -C into one)`,
    );
  const top = await realpath(topRaw);
  const moduleDir = plainPath(
    path.relative(top, moduleRoot).split(path.sep).join('/') || '.',
    'the module folder',
  );
  const out = plainPath(
    path.relative(moduleRoot, build.outDir).split(path.sep).join('/'),
    'the output folder (relative to the module)',
  );
  // plainPath refused a path that climbs out; '.' would tar the module itself.
  if (out === '.')
    throw new UsageError(
      `the output folder ${build.shownOut} is not inside the module: crossgo ci needs it there`,
    );
  const configFile =
    options.configFile === undefined || build.config.file === null ? null : build.config.file;
  const config =
    configFile === null
      ? null
      : plainPath(
          path
            .relative(moduleRoot, await realpath(configFile))
            .split(path.sep)
            .join('/'),
          '--config (relative to the module)',
        );
  const plan: CiPlan = {
    shards,
    targets,
    crossgoVersion: CROSSGO_VERSION,
    moduleDir,
    out,
    config,
    goVersion: await goLine(path.join(moduleRoot, 'go.mod')),
  };
  const rel = options.platform === 'github' ? GITHUB_WORKFLOW : GITLAB_FILE;
  const text = options.platform === 'github' ? githubWorkflow(plan) : gitlabPipeline(plan);
  const what = 'the CI file';
  // Every existing component must be a real folder: a symbolic link could send the file anywhere.
  const file = await confine(top, rel, { what, shownRoot: top });
  const existing = await readRegular(file, { shown: rel, maxBytes: 1024 * 1024 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    },
  );
  let outcome: CiResult['outcome'] = 'created';
  if (existing !== null) {
    const old = existing.toString('utf8');
    if (old === text) return { file, path: rel, outcome: 'unchanged', shards, targets, plan };
    const state = markerState(old);
    if (state !== 'crossgo' && !options.force) {
      const why = state === 'edited' ? 'was edited since crossgo wrote it' : 'was not written by crossgo';
      throw new UsageError(
        `${rel} ${why}: crossgo ci ${options.platform} does not replace it (add --force to overwrite)`,
      );
    }
    outcome = 'replaced';
  }
  await makeParents(top, rel, { what, shownRoot: top });
  await confine(top, rel, { what, shownRoot: top });
  await writeFileAtomic(file, text);
  return { file, path: rel, outcome, shards, targets, plan };
}

/** --shards: a whole number from 1 to the target count (and the CI systems' job limit). */
export function shardCount(given: number | string | undefined, targets: number): number {
  const most = Math.min(targets, MAX_SHARDS);
  if (given === undefined || given === 'auto')
    return Math.max(1, Math.min(most, Math.ceil(targets / TARGETS_PER_SHARD)));
  const text = String(given);
  const n = /^[0-9]{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= most))
    throw new UsageError(
      `--shards ${JSON.stringify(text).slice(1, -1)}: give a whole number from 1 to ${most} (the build has ${targets} target${targets === 1 ? '' : 's'})`,
    );
  return n;
}

/** go.mod's `toolchain go1.X.Y`, else its `go 1.X[.Y]` line. */
async function goLine(goMod: string): Promise<string> {
  const text = (await readFile(goMod, 'utf8').catch(() => '')).slice(0, 1024 * 1024);
  const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1];
  const go = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1];
  return toolchain ?? go ?? '1.24';
}
