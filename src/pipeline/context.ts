import type { InterruptedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BuildEvent } from './events.js';
import type { Manifest } from './manifest.js';
import type { BuildPlan } from './plan.js';

/** What every stage shares: the plan (read-only), the manifest being filled, the signal. */
export interface BuildContext {
  readonly plan: BuildPlan;
  readonly manifest: Manifest;
  readonly signal: AbortSignal;
  readonly log: Logger;
  emit(event: BuildEvent): void;
  /** Set when SIGINT/SIGTERM stopped the run; later stages only record what finished. */
  interrupted: InterruptedError | null;
}
