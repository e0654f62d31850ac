import path from 'node:path';
import { silentLogger } from '../log.js';
import type { BuildContext } from '../pipeline/context.js';
import { holdOutputFolder } from '../pipeline/holdFolder.js';
import { binaries, type Manifest } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { compileTargets } from '../stages/build/compile.js';
import { type BuildOptions, type BuildPlan, planBuild, planBuilds } from '../stages/build/plan.js';
import { writeChecksums } from '../stages/checksum/sha256sums.js';
import { newManifest, writeManifest } from '../stages/manifest/write.js';
import { downloadModules } from '../stages/modules/download.js';
import { settleOutputFolder } from '../stages/settle/stage.js';
import { verifyArtifacts } from '../stages/verify/stage.js';
import { CROSSGO_VERSION } from '../version.js';

export interface BuildResult {
  /** True when every target built and every artifact passed verification. */
  ok: boolean;
  manifest: Manifest;
  /** Absolute output folder. */
  out: string;
  /** The output folder under its old name (the same as `out`). */
  outDir: string;
  plan: BuildPlan;
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
export async function buildAll(options: BuildOptions = {}): Promise<BuildResult[]> {
  const plans = await planBuilds(options);
  const results: BuildResult[] = [];
  for (const plan of plans) results.push(await runPlan(plan, options));
  return results;
}

/**
 * Cross-compiles the main package for every target, with one Go release; several (--go or the
 * config's `go`) are refused before any work: buildAll builds them.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  return runPlan(await planBuild(options), options);
}

/**
 * Runs one plan: takes the output folder first, then the stages. Resolves with the manifest even
 * when some targets failed (ok: false); rejects on bad input, and with InterruptedError after
 * recording what finished when the signal aborts.
 */
async function runPlan(planned: BuildPlan, options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? silentLogger;
  const plan = await holdOutputFolder(planned, { waitMs: options.waitMs, signal: options.signal, log });
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const ctx: BuildContext = {
    plan,
    manifest: newManifest(plan, CROSSGO_VERSION, cwd),
    signal: options.signal ?? new AbortController().signal,
    log,
    emit: (event) => options.onEvent?.(event),
    interrupted: null,
  };
  try {
    await runStages(BUILD_STAGES, ctx);
  } finally {
    await plan.folder.release();
  }
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
