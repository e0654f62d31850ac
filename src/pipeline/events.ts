import type { ArtifactRecord, CheckResult, FailureRecord } from './manifest.js';

/** What a run reports as it goes; the CLI turns these into progress lines. */
export type BuildEvent =
  | { type: 'stage'; stage: string }
  | { type: 'stage-skipped'; stage: string; reason: string }
  | { type: 'target-start'; target: string }
  /** `unchanged`: its inputs digest and bytes are the last build's, so go did not run. */
  | { type: 'target-done'; target: string; artifact: ArtifactRecord; unchanged?: boolean }
  | { type: 'target-failed'; target: string; failure: FailureRecord }
  | { type: 'target-verified'; target: string; ok: boolean; checks: CheckResult[] };
