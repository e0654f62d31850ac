import os from 'node:os';

/**
 * How many targets build at once by default.
 *
 * Measured on 2 cores / 24 GiB (bench/build.mjs, 3 and 8 targets, cold and warm cache):
 * one `go build` keeps the cores busy while compiling but runs the linker and the final
 * steps on one thread, so a second build in flight fills the gaps. See README "Choosing -j"
 * for the figures. Beyond cores+1 the gain stops and memory grows.
 * Each build in flight can take ~600 MiB in the linker on large programs, so the default
 * is also capped by free memory.
 */
export const MEMORY_PER_BUILD = 600 * 1024 * 1024;

export function defaultJobs(targetCount: number): number {
  const cpus = os.availableParallelism();
  const byMemory = Math.max(1, Math.floor(os.freemem() / MEMORY_PER_BUILD));
  return Math.max(1, Math.min(targetCount, cpus + 1, byMemory));
}
