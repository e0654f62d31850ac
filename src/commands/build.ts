import path from 'node:path';
import { silentLogger } from '../log.js';
import type { BuildContext } from '../pipeline/context.js';
import { holdOutputFolder } from '../pipeline/holdFolder.js';
import { binaries, type Manifest } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { compileTargets } from '../stages/build/compile.js';
import { type RunRequest, recordRun, runFingerprint, unchangedRun } from '../stages/build/lastRun.js';
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
  /** The plan that ran; null when the last run's record answered (every target unchanged). */
  plan: BuildPlan | null;
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
  const last = await lastRunOf(options);
  if (last.unchanged) return [last.unchanged];
  const plans = await planBuilds(options);
  const results: BuildResult[] = [];
  for (const plan of plans) results.push(await runPlan(plan, options));
  if (results.length === 1) await last.record(results[0] as BuildResult);
  return results;
}

/**
 * Cross-compiles the main package for every target, with one Go release; several (--go or the
 * config's `go`) are refused before any work: buildAll builds them.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const last = await lastRunOf(options);
  if (last.unchanged) return last.unchanged;
  const result = await runPlan(await planBuild(options), options);
  await last.record(result);
  return result;
}

/**
 * The last run's answer when nothing it depended on changed (stages/build/lastRun.ts): then no
 * go, git or planning runs at all, and every target is reported `unchanged`. Otherwise a way to
 * record this run's result for the next one. --force builds (and records); a caller's own
 * discovery (a command that plans around the build) takes the ordinary path.
 */
async function lastRunOf(options: BuildOptions): Promise<{
  unchanged: BuildResult | null;
  record: (result: BuildResult) => Promise<void>;
}> {
  const none = { unchanged: null, record: async () => {} };
  if (options.discovery || options.goToolchain) return none;
  const { signal, log, onEvent, environment, cwd, discovery, force, ...rest } = options;
  const request: RunRequest = {
    cwd: path.resolve(cwd ?? process.cwd()),
    environment: environment ?? process.env,
    options: rest as Record<string, unknown>,
    crossgoVersion: CROSSGO_VERSION,
  };
  const fingerprint = await runFingerprint(request).catch(() => null);
  if (!fingerprint || 'doubt' in fingerprint) return none;
  // --force builds every target, and its result is the record for the next run.
  const last = force ? null : await unchangedRun(request, fingerprint);
  if (last) {
    for (const artifact of binaries(last.manifest)) {
      onEvent?.({ type: 'target-done', target: artifact.target, artifact, unchanged: true });
    }
    return {
      unchanged: { ok: true, manifest: last.manifest, out: last.out, outDir: last.out, plan: null },
      record: none.record,
    };
  }
  return {
    unchanged: null,
    record: async (result) => {
      const cgo = binaries(result.manifest).some((a) => a.cgo.enabled);
      if (result.ok && result.manifest.complete && result.manifest.verified && !cgo) {
        await recordRun(request, fingerprint, result.out);
      }
    },
  };
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
