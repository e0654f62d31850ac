import path from 'node:path';
import { silentLogger } from '../log.js';
import type { BuildContext } from '../pipeline/context.js';
import type { Manifest } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { compileTargets } from '../stages/build/compile.js';
import { type BuildOptions, type BuildPlan, planBuild } from '../stages/build/plan.js';
import { writeChecksums } from '../stages/checksum/sha256sums.js';
import { newManifest, writeManifest } from '../stages/manifest/write.js';
import { downloadModules } from '../stages/modules/download.js';
import { verifyArtifacts } from '../stages/verify/stage.js';
import { CROSSGO_VERSION } from '../version.js';

export interface BuildResult {
  /** True when every target built and every artifact passed verification. */
  ok: boolean;
  manifest: Manifest;
  /** Absolute output folder. */
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
];

/**
 * Cross-compiles the main package for every target. Resolves with the manifest even when
 * some targets failed (ok: false); rejects on bad input, and with InterruptedError after
 * recording what finished when the signal aborts.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const plan = await planBuild(options);
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const ctx: BuildContext = {
    plan,
    manifest: newManifest(plan, CROSSGO_VERSION, cwd),
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? silentLogger,
    emit: (event) => options.onEvent?.(event),
    interrupted: null,
  };
  await runStages(BUILD_STAGES, ctx);
  if (ctx.interrupted) throw ctx.interrupted;
  const verified = ctx.manifest.artifacts.every((a) => a.verification?.ok !== false);
  return {
    ok: ctx.manifest.failures.length === 0 && verified,
    manifest: ctx.manifest,
    outDir: plan.outDir,
    plan,
  };
}
