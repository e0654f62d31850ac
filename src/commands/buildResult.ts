import type { Manifest } from '../pipeline/manifest.js';
import type { BuildPlan } from '../stages/build/plan.js';

/** What `build` gives back, per Go release. */
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
