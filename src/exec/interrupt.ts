import { InterruptedError } from '../errors.js';

/**
 * Turns SIGINT/SIGTERM into the abort of one AbortSignal that flows through every
 * command. A second signal while stopping forces the exit.
 */
export function abortOnSignals(onSecond: (signal: NodeJS.Signals) => void): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) onSecond(sig);
    else controller.abort(new InterruptedError(sig));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
