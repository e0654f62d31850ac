import path from 'node:path';
import { startCacheService } from '../cache/service.js';
import { checkHooks, prepareHooks } from '../hooks/prepare.js';
import { runHooks } from '../hooks/run.js';
import { type Logger, silentLogger } from '../log.js';
import type { BuildContext } from '../pipeline/context.js';
import { holdOutputFolder } from '../pipeline/holdFolder.js';
import { binaries } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { compileTargets } from '../stages/build/compile.js';
import { type BuildOptions, type BuildPlan, planBuild, planBuilds } from '../stages/build/plan.js';
import { writeChecksums } from '../stages/checksum/sha256sums.js';
import { cleanOutputFolder } from '../stages/clean/stage.js';
import { newManifest, writeManifest } from '../stages/manifest/write.js';
import { downloadModules } from '../stages/modules/download.js';
import { settleOutputFolder } from '../stages/settle/stage.js';
import { verifyArtifacts } from '../stages/verify/stage.js';
import { CROSSGO_VERSION } from '../version.js';
import type { BuildResult } from './buildResult.js';
import { refuseDirtyPlan } from './dirtyTree.js';
import { type LastRun, lastRunOf } from './lastRun.js';

export type { BuildResult };

/** Options of a build run: the plan's, and whether the config's hooks run. */
export interface BuildRunOptions extends BuildOptions {
  /** Run none of the config's hooks (before, pre, post; and after with --package). */
  skipHooks?: boolean;
}

/** The stages of `crossgo build`, in order. */
export const BUILD_STAGES: readonly Stage[] = [
  downloadModules,
  compileTargets,
  verifyArtifacts,
  writeChecksums,
  writeManifest,
  settleOutputFolder,
];

/**
 * Cross-compiles for every target once per requested Go release (--go 1.24.9,1.26, or the
 * config's `go`): each release's artifacts go to <out>/go1.X.Y/ when there are several, to <out>/
 * when there is one. Without a request, one build with the go on PATH. All releases are planned
 * (and every input checked) before the first one builds; one result per release.
 */
export async function buildAll(
  options: BuildRunOptions = {},
  /** The last run's answer, when the caller already asked (lastRunOf); default: asked here. */
  given?: LastRun,
): Promise<BuildResult[]> {
  const last = given ?? (await lastRunOf(options));
  if (last.unchanged) return [last.unchanged];
  const plans = (await planBuilds(options)).map((plan) => (options.skipHooks ? withoutHooks(plan) : plan));
  // A release of a dirty tree is refused before anything runs, hooks included.
  if (options.release) for (const plan of plans) await refuseDirtyPlan(plan);
  // Once per run, not per Go release: the releases build the same sources.
  await runBeforeHooks(plans, options);
  const results: BuildResult[] = [];
  for (const plan of plans) results.push(await runPlan(plan, options));
  if (results.length === 1) await last.record(results[0] as BuildResult);
  return results;
}

/**
 * Cross-compiles the main package for every target, with one Go release; several (--go or the
 * config's `go`) are refused before any work: buildAll builds them.
 */
export async function build(options: BuildRunOptions = {}): Promise<BuildResult> {
  const last = await lastRunOf(options);
  if (last.unchanged) return last.unchanged;
  const planned = await planBuild(options);
  const plan = options.skipHooks ? withoutHooks(planned) : planned;
  if (options.release) await refuseDirtyPlan(plan);
  await runBeforeHooks([plan], options);
  const result = await runPlan(plan, options);
  await last.record(result);
  return result;
}

/**
 * Runs one plan: takes the output folder first, then the stages. Resolves with the manifest even
 * when some targets failed (ok: false); rejects on bad input, and with InterruptedError after
 * recording what finished when the signal aborts.
 */
async function runPlan(planned: BuildPlan, options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? silentLogger;
  const hold = { waitMs: options.waitMs, signal: options.signal, log, clean: options.clean };
  const held = await holdOutputFolder(planned, hold);
  const cwd = path.resolve(options.cwd ?? process.cwd());
  let ctx: BuildContext;
  let cache: RunCache | null = null;
  try {
    const started = await startRunCache(held, log, options.signal);
    cache = started.cache;
    const plan = started.plan;
    ctx = {
      plan,
      manifest: newManifest(plan, CROSSGO_VERSION, cwd),
      signal: options.signal ?? new AbortController().signal,
      log,
      emit: (event) => options.onEvent?.(event),
      interrupted: null,
    };
    await runStages(options.clean ? [cleanOutputFolder, ...BUILD_STAGES] : BUILD_STAGES, ctx);
  } finally {
    try {
      await cache?.finish(log);
    } finally {
      await held.folder.release();
    }
  }
  const plan = ctx.plan;
  if (ctx.interrupted) throw ctx.interrupted;
  const verified = binaries(ctx.manifest).every((a) => a.verification?.ok !== false);
  return {
    ok: ctx.manifest.failures.length === 0 && verified,
    manifest: ctx.manifest,
    out: plan.outDir,
    outDir: plan.outDir,
    plan: planned,
  };
}

interface RunCache {
  finish(log: Logger): Promise<void>;
}

/**
 * With a remote cache: the run's cache service, whose GOCACHEPROG replaces the stand-alone
 * cache-prog in the context's plan; `finish` flushes its uploads and logs what it served.
 */
async function startRunCache<P extends BuildPlan>(plan: P, log: Logger, signal: AbortSignal | undefined) {
  if (!plan.cache) return { plan, cache: null };
  const fallback = plan.baseEnv.GOCACHEPROG as string;
  const service = await startCacheService({
    store: plan.cache.store,
    readonly: plan.cache.readonly,
    go: plan.go.binary,
    goVersion: plan.go.env.GOVERSION,
    env: plan.baseEnv,
    fallback,
    warn: (line) => log.warn(line),
    signal,
  });
  const cache: RunCache = {
    async finish(log: Logger) {
      const s = await service.close();
      log.info(
        `cache: ${s.localHits} local, ${s.remoteHits} remote hit${s.remoteHits === 1 ? '' : 's'}, ${s.misses} miss${s.misses === 1 ? '' : 'es'}, ${s.uploads} uploaded${s.uploadFailures ? `, ${s.uploadFailures} upload${s.uploadFailures === 1 ? '' : 's'} failed` : ''}${s.remoteMismatches ? `, ${s.remoteMismatches} rejected (SHA-256)` : ''}`,
      );
    },
  };
  return { plan: { ...plan, baseEnv: { ...plan.baseEnv, GOCACHEPROG: service.goCacheProg } }, cache };
}

/**
 * Checks every hook of the run (a bad placeholder fails before anything runs), then runs the
 * config's before: commands in the module root, with the project's templates: they may
 * regenerate sources, so each target's inputs digest is taken after them (compile.ts).
 */
async function runBeforeHooks(plans: readonly BuildPlan[], options: BuildOptions): Promise<void> {
  checkHooks(plans);
  const plan = plans[0];
  if (!plan || plan.hooks.before.commands.length === 0) return;
  await runHooks(prepareHooks(plan.hooks.before, 'project'), {
    root: plan.moduleRoot,
    env: plan.baseEnv,
    values: plan.values,
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? silentLogger,
    consequence: 'nothing was built',
  });
}

/** The plan with none of the config's hooks (--skip-hooks). */
function withoutHooks(plan: BuildPlan): BuildPlan {
  const none = (list: BuildPlan['hooks']['before']) => ({ ...list, commands: [] });
  const units = new Map(
    plan.units.map((unit) => [
      unit,
      { ...unit, hooks: { pre: none(unit.hooks.pre), post: none(unit.hooks.post) } },
    ]),
  );
  return {
    ...plan,
    hooks: { before: none(plan.hooks.before), after: none(plan.hooks.after) },
    units: [...units.values()],
    builds: plan.builds.map((b) => ({ ...b, unit: units.get(b.unit) ?? b.unit })),
  };
}
