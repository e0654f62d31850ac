import os from 'node:os';

/**
 * How many targets build at once by default: cores + 1, capped by free memory.
 *
 * Measured with bench/build.mjs --jobs-sweep (2 cores, 24 GiB, go1.26.8, the 8 first-class
 * ports of examples/hello, one cold run and the median of three warm runs):
 *
 *   -j 1: cold 80.2 s, warm 1.79 s    -j 3: cold 64.3 s, warm 1.08 s
 *   -j 2: cold 66.5 s, warm 1.40 s    -j 4: cold 70.6 s, warm 1.19 s
 *   (the plain sequential go build loop: cold 74.8 s, warm 1.28 s)
 *
 * One `go build` already compiles packages in parallel, but its dependency graph has
 * serial stretches (runtime, then the packages that wait on it) and the link runs mostly
 * on one thread; one build more than there are cores fills those gaps. A fourth build on
 * two cores only adds contention. Each build in flight can take ~600 MiB in the linker on a
 * large program, so free memory caps the default too.
 */
export const MEMORY_PER_BUILD = 600 * 1024 * 1024;

export function defaultJobs(targetCount: number): number {
  const cpus = os.availableParallelism();
  const byMemory = Math.max(1, Math.floor(os.freemem() / MEMORY_PER_BUILD));
  return Math.max(1, Math.min(targetCount, cpus + 1, byMemory));
}
