import type { InterruptedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BuildEvent } from './events.js';
import type { Manifest } from './manifest.js';
import type { HeldPlan } from './plan.js';

/** What every stage shares: the plan (read-only, its output folder held), the manifest being filled, the signal. */
export interface BuildContext {
  readonly plan: HeldPlan;
  readonly manifest: Manifest;
  readonly signal: AbortSignal;
  readonly log: Logger;
  emit(event: BuildEvent): void;
  /** Set when SIGINT/SIGTERM stopped the run; later stages only record what finished. */
  interrupted: InterruptedError | null;
}
