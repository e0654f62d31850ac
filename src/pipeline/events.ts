import type { ArtifactRecord, CheckResult, FailureRecord } from './manifest.js';

/**
 * What a run reports as it goes; the CLI turns these into progress lines. A target's events
 * carry `build`, the config's build id, when the run has several builds (two may share a target).
 */
export type BuildEvent =
  | { type: 'stage'; stage: string }
  | { type: 'stage-skipped'; stage: string; reason: string }
  | { type: 'target-start'; target: string; build?: string }
  /** `unchanged`: its inputs digest and bytes are the last build's, so go did not run. */
  | { type: 'target-done'; target: string; build?: string; artifact: ArtifactRecord; unchanged?: boolean }
  | { type: 'target-failed'; target: string; build?: string; failure: FailureRecord }
  | { type: 'target-verified'; target: string; build?: string; ok: boolean; checks: CheckResult[] };

/** { build } for a target's events when a run has several builds, else nothing. */
export function buildOfEvent(
  binaries: readonly { build?: string }[],
  build: string | undefined,
): { build?: string } {
  const ids = new Set(binaries.map((b) => b.build));
  return ids.size > 1 && build !== undefined ? { build } : {};
}

/** How progress names a target: "linux/amd64", or "cli linux/amd64" when the run has several builds. */
export function eventLabel(event: { target: string; build?: string }): string {
  return event.build ? `${event.build} ${event.target}` : event.target;
}
