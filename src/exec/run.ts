import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ProcessError, ToolMissingError, UsageError } from '../errors.js';
import { checkUmask, childUmask, startFailure, umaskArgv } from './umask.js';

/**
 * The one place crossgo starts processes. Always an argument array, never a shell string.
 * Each child leads its own process group so that cancellation reaches the whole tree
 * (`go build` runs compile, asm and link as children of its own).
 */

export interface RunOptions {
  cwd?: string;
  /** The complete environment of the child; built explicitly by the caller. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** After SIGTERM, how long the group has before SIGKILL. */
  killGraceMs?: number;
  /** Hint shown when the command is not installed. */
  missingHint?: string;
  /** Cap on captured stdout/stderr, each; the tail is kept. */
  maxOutputBytes?: number;
  /** Written to the child's stdin, which is then closed (a passphrase: never in argv or env). */
  input?: string | Uint8Array;
  /**
   * The child's umask (e.g. 0o077), for the child only: crossgo's own stays as it is. Default:
   * the one of an enclosing withChildUmask (umask.ts), else crossgo's, inherited as usual.
   */
  umask?: number;
  /** Called with each chunk of output as it arrives (a hook's log), besides capturing it. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;
const live = new Set<number>();

/**
 * What execve(2) accepts. Linux refuses (E2BIG) any one argument or environment string of
 * MAX_ARG_STRLEN bytes or more, its NUL included (32 pages: include/uapi/linux/binfmts.h), and
 * all strings plus their pointers beyond a quarter of the stack limit (fs/exec.c
 * bprm_stack_limits): 2 MiB under the usual 8 MiB stack, which crossgo takes as its budget.
 * macOS has no per-string limit but ARG_MAX is 1 MiB in all.
 */
export const MAX_ARG_STRLEN = 131072;
const LINUX_BUDGET = 2 * 1024 * 1024;
const OTHER_BUDGET = 1024 * 1024;
const POINTER = 8;

export interface ArgumentLimits {
  /** Largest size of one string, NUL included; Infinity when the system has no such limit. */
  perString: number;
  /** Largest size of all argument and environment strings together, NULs and pointers included. */
  total: number;
}

export function argumentLimits(platform: NodeJS.Platform = process.platform): ArgumentLimits {
  return platform === 'linux'
    ? { perString: MAX_ARG_STRLEN, total: LINUX_BUDGET }
    : { perString: Number.POSITIVE_INFINITY, total: OTHER_BUDGET };
}

/** How many bytes execve counts for one string: its UTF-8 bytes and the NUL. */
export function argumentBytes(value: string): number {
  return Buffer.byteLength(value) + 1;
}

/** "128 KiB", "2 MiB": limits as people say them. */
export function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** The name of argument i for a message: its flag (-ldflags=…, or the flag before it), else its position. */
function argumentName(args: readonly string[], i: number): string {
  const arg = args[i] as string;
  const flag = /^(--?[A-Za-z][\w.-]*)=/.exec(arg)?.[1];
  if (flag) return flag;
  const previous = args[i - 1];
  if (previous !== undefined && /^--?[A-Za-z][\w.-]*$/.test(previous)) return `the value of ${previous}`;
  return `argument ${i + 1}`;
}

/**
 * Refuses, before spawning, what execve would refuse with a bare E2BIG: names the command and
 * the argument or variable that is too long, or the total when only all together are.
 */
export function checkArgumentSizes(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  limits: ArgumentLimits = argumentLimits(),
): void {
  const name = command.split('/').at(-1) ?? command;
  const strings = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ({ key, text: `${key}=${value}` }));
  let total = argumentBytes(command) + POINTER;
  for (const [i, arg] of args.entries()) {
    const bytes = argumentBytes(arg);
    if (bytes > limits.perString) {
      throw new UsageError(
        `cannot run ${name}: ${argumentName(args, i)} is ${bytes - 1} bytes: ${name}'s arguments may be at most ${formatLimit(limits.perString)} each`,
      );
    }
    total += bytes + POINTER;
  }
  for (const { key, text } of strings) {
    const bytes = argumentBytes(text);
    if (bytes > limits.perString) {
      throw new UsageError(
        `cannot run ${name}: the environment variable ${key} is ${bytes - 1} bytes: each variable may be at most ${formatLimit(limits.perString)}`,
      );
    }
    total += bytes + POINTER;
  }
  if (total > limits.total) {
    throw new UsageError(
      `cannot run ${name}: its ${args.length} arguments and ${strings.length} environment variables are ${total} bytes together, over the ${formatLimit(limits.total)} a program may be given: shorten the flags or the environment`,
    );
  }
}

/** Runs a command to completion. Rejects only when it cannot start or is aborted; a non-zero exit resolves. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, timeoutMs, killGraceMs = 3000, maxOutputBytes = DEFAULT_MAX_OUTPUT } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const env = options.env ?? process.env;
  try {
    checkArgumentSizes(command, args, env);
  } catch (error) {
    return Promise.reject(error);
  }
  const umask = childUmask(options.umask);
  if (umask !== undefined) {
    try {
      checkUmask(umask);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  // With a umask the child is started by a small node script of ours that sets it first (umaskChild.ts).
  const [file, argv] = umask === undefined ? [command, args] : umaskArgv(umask, command, args);
  const started = performance.now();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] as const,
      detached: true,
    });
    if (options.input !== undefined && child.stdin) {
      // A child that exits without reading its stdin makes the write fail with EPIPE: not an error here.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    const stdout = new OutputBuffer(maxOutputBytes);
    const stderr = new OutputBuffer(maxOutputBytes);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onOutput?.(chunk, 'stderr');
    });

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    const onAbort = () => terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            terminate();
          }, timeoutMs);
    if (child.pid !== undefined) live.add(child.pid);

    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (child.pid !== undefined) live.delete(child.pid);
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      reject(startError(error, command, args, options));
    });
    child.on('close', (exitCode, exitSignal) => {
      finish();
      // The group leader is gone; make sure no grandchild outlives it after a cancel or timeout.
      if (killTimer && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const failed = umask === undefined ? null : startFailure(exitCode, stderr.text());
      if (failed) {
        const error = Object.assign(new Error(failed.message), { code: failed.code });
        reject(startError(error, command, args, options));
        return;
      }
      resolve({
        command,
        args,
        exitCode,
        signal: exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: performance.now() - started,
        timedOut,
      });
    });
  });
}

/** The error for a command that could not be started: not installed, no such folder, or another errno. */
function startError(
  error: NodeJS.ErrnoException,
  command: string,
  args: readonly string[],
  options: RunOptions,
): Error {
  if (error.code === 'ENOENT' && options.cwd !== undefined && !existsSync(options.cwd)) {
    return new ProcessError(
      `cannot run ${command}: its folder ${options.cwd} does not exist`,
      command,
      args,
      null,
      null,
      '',
    );
  }
  if (error.code === 'ENOENT') {
    return new ToolMissingError(command, options.missingHint ?? `install ${command} or put it on PATH`);
  }
  return new ProcessError(`cannot run ${command}: ${error.message}`, command, args, null, null, '', {
    cause: error,
  });
}

/** Runs a command and rejects with a ProcessError unless it exits 0. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.exitCode !== 0) {
    const what = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.exitCode}`;
    const excerpt = lastLines(result.stderr || result.stdout, 8);
    throw new ProcessError(
      `${command} ${args.join(' ')} ${what}${excerpt ? `:\n${excerpt}` : ''}`,
      command,
      args,
      result.exitCode,
      result.signal,
      result.stderr,
    );
  }
  return result;
}

/** Kills every process group crossgo started and that is still running: for exit paths. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of live) killGroup(pid, signal);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** The last n non-empty lines of a text. */
export function lastLines(text: string, n: number): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-n).join('\n');
}

/** Keeps at most `limit` bytes of output: the tail, which is where errors are. */
class OutputBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Drop whole chunks from the front only while what remains still covers the limit.
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
