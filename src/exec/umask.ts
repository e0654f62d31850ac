import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';

/**
 * A umask for child processes only, never for crossgo's own process (see umaskChild.ts for how).
 * run() takes it as its `umask` option; `withChildUmask` gives it to every process run() starts
 * inside one piece of async work — a whole `build()` with its go env, go list, go build and git —
 * without threading an option through every stage, and without touching any other work that
 * runs meanwhile (AsyncLocalStorage follows the promises of that work only).
 */

const scope = new AsyncLocalStorage<number>();

/** Runs `work` so that every child run() starts inside it gets `mask` as its umask. */
export function withChildUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  checkUmask(mask);
  return scope.run(mask, work);
}

/** The umask for a child started now: run()'s own option, else the one of withChildUmask, else none. */
export function childUmask(explicit: number | undefined): number | undefined {
  return explicit ?? scope.getStore();
}

export function checkUmask(mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0o777) {
    throw new RangeError(`umask ${mask}: expected a whole number from 0 to 0o777`);
  }
}

/** How umaskChild.js says that it could not start the command (a shell's 127 for "not found"). */
export const START_FAILED_EXIT = 127;
export const START_FAILED_PREFIX = 'crossgo-umask-child: cannot start: ';

/** The helper script, built beside this module (dist/exec/umaskChild.js). */
export const UMASK_CHILD_SCRIPT = fileURLToPath(new URL('./umaskChild.js', import.meta.url));

/** The argv that runs `command args…` with `mask` through the helper, under this very node. */
export function umaskArgv(mask: number, command: string, args: readonly string[]): [string, string[]] {
  return [process.execPath, [UMASK_CHILD_SCRIPT, mask.toString(8).padStart(4, '0'), command, ...args]];
}

/** When the helper could not start the command: the errno code and message it reported, else null. */
export function startFailure(
  exitCode: number | null,
  stderr: string,
): { code: string; message: string } | null {
  if (exitCode !== START_FAILED_EXIT) return null;
  const line = stderr.split('\n').find((l) => l.startsWith(START_FAILED_PREFIX));
  if (!line) return null;
  try {
    const parsed = JSON.parse(line.slice(START_FAILED_PREFIX.length)) as {
      code?: unknown;
      message?: unknown;
    };
    return { code: String(parsed.code), message: String(parsed.message) };
  } catch {
    return null;
  }
}
