import type { InterruptedError } from '../errors.js';
import type { BuildContext } from './context.js';
import type { BuildEvent } from './events.js';

/** What the stage runner needs of a context: events and the interrupt mark. */
export interface StageContext {
  emit(event: BuildEvent): void;
  interrupted: InterruptedError | null;
}

/**
 * A stage of the pipeline (GoReleaser's "pipe"): a name, an optional reason to skip, and run().
 * Stages never call each other; they share the context and its manifest.
 */
export interface Stage<C extends StageContext = BuildContext> {
  name: string;
  /** A reason to skip this stage, or false to run it. A skip is not a failure. */
  skip?(ctx: C): string | false;
  run(ctx: C): Promise<void>;
  /** Runs even after an interrupt, so that what was finished is recorded. */
  runsAfterInterrupt?: boolean;
}

export async function runStages<C extends StageContext>(stages: readonly Stage<C>[], ctx: C): Promise<void> {
  for (const stage of stages) {
    if (ctx.interrupted && !stage.runsAfterInterrupt) continue;
    const reason = stage.skip?.(ctx);
    if (reason) {
      ctx.emit({ type: 'stage-skipped', stage: stage.name, reason });
      continue;
    }
    ctx.emit({ type: 'stage', stage: stage.name });
    await stage.run(ctx);
  }
}
