import path from 'node:path';
import { buildOfEvent } from '../pipeline/events.js';
import { binaries } from '../pipeline/manifest.js';
import { type RunRequest, recordRun, runFingerprint, unchangedRun } from '../stages/build/lastRun.js';
import type { BuildOptions } from '../stages/build/plan.js';
import { CROSSGO_VERSION } from '../version.js';
import type { BuildResult } from './buildResult.js';

/*
 * Kept apart from build.ts on purpose: an unchanged rebuild loads this module and the few below
 * it, not the stages, the planner and their dependencies (a third of such a run's time).
 */

/** The last run's answer (every target unchanged), or how to record this run for the next. */
export interface LastRun {
  unchanged: BuildResult | null;
  record: (result: BuildResult) => Promise<void>;
}

/**
 * The last run's answer when nothing it depended on changed (stages/build/lastRun.ts): then no
 * go, git or planning runs at all, and every target is reported `unchanged`. Otherwise a way to
 * record this run's result for the next one. --force builds (and records); a caller's own
 * discovery (a command that plans around the build) takes the ordinary path.
 */
export async function lastRunOf(options: BuildOptions): Promise<LastRun> {
  const none = { unchanged: null, record: async () => {} };
  // --costs names a file whose bytes decide a shard's part: not in the record's stamps.
  if (options.discovery || options.goToolchain || options.costs) return none;
  // clean and release change what runs around the build, not what it makes: not in the key.
  const { signal, log, onEvent, environment, cwd, discovery, force, clean, release, ...rest } = options;
  const request: RunRequest = {
    cwd: path.resolve(cwd ?? process.cwd()),
    environment: environment ?? process.env,
    options: rest as Record<string, unknown>,
    crossgoVersion: CROSSGO_VERSION,
  };
  const fingerprint = await runFingerprint(request).catch(() => null);
  if (!fingerprint || 'doubt' in fingerprint) return none;
  // --force builds every target, and its result is the record for the next run; --clean too.
  const last = force || clean ? null : await unchangedRun(request, fingerprint);
  if (last) {
    const built = binaries(last.manifest);
    for (const artifact of built) {
      const build = buildOfEvent(built, artifact.build);
      onEvent?.({ type: 'target-done', target: artifact.target, ...build, artifact, unchanged: true });
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
      // A run with before: hooks is never answered from its record: the hooks run every time
      // (they may regenerate sources), then each target's digest decides (compile.ts).
      if (result.plan && result.plan.hooks.before.commands.length > 0) return;
      if (result.ok && result.manifest.complete && result.manifest.verified && !cgo) {
        await recordRun(request, fingerprint, result.out);
      }
    },
  };
}
