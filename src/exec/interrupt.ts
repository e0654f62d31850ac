import { InterruptedError } from '../errors.js';

/**
 * After the first signal, how long a run has to stop on its own (children get SIGTERM, a build
 * records what finished) before crossgo exits anyway. A clean stop takes a few hundred
 * milliseconds; this only ends a run that something still holds (a file system call that does
 * not return, a child that ignores SIGTERM: run.ts kills its group with SIGKILL after 3 s).
 */
export const FORCE_EXIT_MS = 2000;

export type ForcedExit = 'again' | 'timeout';

/**
 * Turns SIGINT/SIGTERM/SIGHUP into the abort of one AbortSignal that flows through every
 * command. A second signal while stopping, or a stop that takes longer than `forceAfterMs`,
 * calls `force`, which ends the process.
 */
export function abortOnSignals(
  force: (signal: NodeJS.Signals, why: ForcedExit) => void,
  forceAfterMs = FORCE_EXIT_MS,
): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      force(sig, 'again');
      return;
    }
    controller.abort(new InterruptedError(sig));
    // Not cleared by dispose: if anything keeps the process alive after the run returned, the
    // timer still ends it. Unref'd, so a process that is done exits without waiting for it.
    setTimeout(() => force(sig, 'timeout'), forceAfterMs).unref();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}
