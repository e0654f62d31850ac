import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import { silentLogger } from '../log.js';
import type { BuildContext } from '../pipeline/context.js';
import { binaries, type Manifest } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { compileTargets } from '../stages/build/compile.js';
import { type BuildOptions, type BuildPlan, planBuild, ToolchainsRequested } from '../stages/build/plan.js';
import { writeChecksums } from '../stages/checksum/sha256sums.js';
import { newManifest, writeManifest } from '../stages/manifest/write.js';
import { downloadModules } from '../stages/modules/download.js';
import { settleOutputFolder } from '../stages/settle/stage.js';
import { verifyArtifacts } from '../stages/verify/stage.js';
import { findGo } from '../toolchain/go.js';
import { resolveGoRelease } from '../toolchain/select.js';
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
  settleOutputFolder,
];

/**
 * Cross-compiles for every target once per requested Go release (--go 1.24.9,1.26, or the
 * config's `go`): each release's artifacts go to <out>/go1.X.Y/ when there are several, to <out>/
 * when there is one. Without a request, one build with the go on PATH.
 */
export async function buildAll(options: BuildOptions = {}): Promise<BuildResult[]> {
  try {
    return [await buildOne(options)];
  } catch (error) {
    if (!(error instanceof ToolchainsRequested)) throw error;
    const cwd = path.resolve(options.cwd ?? process.cwd());
    const env = options.environment ?? process.env;
    const go = await findGo({ cwd, env, signal: options.signal });
    const releases: string[] = [];
    for (const request of error.requests) {
      const release = await resolveGoRelease(request, {
        goBinary: go.binary,
        env,
        cwd,
        hostOs: go.env.GOHOSTOS,
        hostArch: go.env.GOHOSTARCH,
        signal: options.signal,
      });
      await checkObtainable(go.binary, release, request, { cwd, env, signal: options.signal });
      if (!releases.includes(release)) releases.push(release);
    }
    const results: BuildResult[] = [];
    for (const release of releases) {
      const outDir = releases.length > 1 ? path.join(error.outDir, release) : error.outDir;
      results.push(await buildOne({ ...options, goToolchain: release, outDir }));
    }
    return results;
  }
}

/** Fetches a release through go's toolchain switching (cached in GOMODCACHE), or says why it cannot. */
async function checkObtainable(
  goBinary: string,
  release: string,
  request: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<void> {
  const result = await run(goBinary, ['version'], { ...opts, env: { ...opts.env, GOTOOLCHAIN: release } });
  if (result.exitCode === 0 && result.stdout.includes(`${release} `)) return;
  const lines = result.stderr.trim().split('\n');
  // go's own reason: the proxy's "server response: …", else its last line.
  const response = lines.find((l) => l.trim().startsWith('server response:'));
  const why = (response?.trim().slice('server response:'.length) ?? lines.at(-1) ?? '')
    .trim()
    .replace(/^go: /, '');
  throw new EnvironmentError(
    `--go ${request}: go cannot get ${release} from the module proxy (${why || 'no such release'})`,
  );
}

/**
 * Cross-compiles the main package for every target, with one Go release (several: buildAll).
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const results = await buildAll(options);
  if (results.length !== 1) {
    throw new UsageError('several Go releases were requested: build them with buildAll');
  }
  return results[0] as BuildResult;
}

/**
 * One build with one toolchain. Resolves with the manifest even when
 * some targets failed (ok: false); rejects on bad input, and with InterruptedError after
 * recording what finished when the signal aborts.
 */
async function buildOne(options: BuildOptions): Promise<BuildResult> {
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
    outDir: plan.outDir,
    plan,
  };
}
