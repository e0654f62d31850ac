import { debianSysroot } from '../cgo/triples.js';
import { type RunResult, run } from '../exec/run.js';
import type { Target } from '../targets/parse.js';
import type { Runner } from './detect.js';

export interface RunUnderOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The argv that runs `binary` on this machine with a runner. */
export function runnerArgv(
  runner: Runner,
  target: Target,
  binary: string,
  args: readonly string[],
): string[] {
  if (runner.kind === 'native') return [binary, ...args];
  if (runner.kind === 'qemu-user') {
    // A dynamically linked (cgo) binary needs the target's libc: Debian's cross sysroot.
    const sysroot = debianSysroot(target);
    return [...runner.command, ...(sysroot ? ['-L', sysroot] : []), binary, ...args];
  }
  return [...runner.command, binary, ...args];
}

/**
 * Runs a target's binary natively or under its emulator. A timeout or a cancel reaches the
 * whole process tree: the runner leads its own process group (src/exec/run.ts).
 */
export function runUnder(
  runner: Runner,
  target: Target,
  binary: string,
  args: readonly string[],
  options: RunUnderOptions,
): Promise<RunResult> {
  const [command, ...rest] = runnerArgv(runner, target, binary, args) as [string, ...string[]];
  const env =
    runner.kind === 'wine' ? { ...options.env, WINEDEBUG: options.env.WINEDEBUG ?? '-all' } : options.env;
  return run(command, rest, { cwd: options.cwd, env, timeoutMs: options.timeoutMs, signal: options.signal });
}
