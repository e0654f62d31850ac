import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../exec/run.js';
import { which } from '../exec/which.js';
import type { Runner } from '../runners/detect.js';
import { runnerArgv } from '../runners/run.js';
import type { Target } from '../targets/parse.js';

export interface StartupSample {
  /** Wall time of each run, milliseconds. */
  wallMs: number[];
  /** Peak resident set size of each run, KiB (the kernel's accounting of the child), or null without GNU time. */
  peakRssKiB: number[] | null;
  /** Exit code of the last run, and its output head, for the report. */
  exitCode: number | null;
}

/**
 * Starts the binary `runs` times (after one warm-up run that fills the page cache) and records
 * wall time and peak RSS. The RSS comes from GNU time (`/usr/bin/time -f %M`, wait4's ru_maxrss):
 * under qemu-user it is the emulator's, which is why emulated figures stay apart.
 */
export async function measureStartup(
  runner: Runner,
  target: Target,
  binary: string,
  args: readonly string[],
  opts: { runs: number; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal },
): Promise<StartupSample> {
  const argv = runnerArgv(runner, target, binary, args);
  const gnuTime = which('/usr/bin/time', opts.env);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-bench-'));
  try {
    const wallMs: number[] = [];
    const rss: number[] = [];
    let exitCode: number | null = null;
    for (let i = 0; i <= opts.runs; i++) {
      const out = path.join(scratch, `rss-${i}`);
      const [command, ...rest] = (gnuTime ? [gnuTime, '-f', '%M', '-o', out, ...argv] : argv) as [
        string,
        ...string[],
      ];
      const result = await run(command, rest, {
        env: opts.env,
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
      });
      exitCode = result.exitCode;
      if (i === 0) continue; // the warm-up run
      wallMs.push(result.durationMs);
      if (gnuTime) rss.push(Number((await readFile(out, 'utf8')).trim().split('\n').at(-1)));
    }
    return { wallMs, peakRssKiB: gnuTime ? rss : null, exitCode };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
