import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CrossgoError } from '../errors.js';
import type { InspectJob, InspectOutcome } from './inspect.js';

/** Below this many files a worker's start-up (~40 ms of module loading) costs more than it saves. */
const MIN_FILES_PER_WORKER = 48;

/**
 * The worker module's path, when it exists beside this one: it does once compiled to dist/,
 * not when the TypeScript sources run directly (vitest), where inspection stays on one thread.
 */
function workerModule(): string | null {
  const file = fileURLToPath(new URL('./inspectWorker.js', import.meta.url));
  return existsSync(file) ? file : null;
}

/** How many threads share `count` files: one per core, none idle for a handful of files. */
export function threadCount(count: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(count / MIN_FILES_PER_WORKER)));
}

/**
 * Inspects the job's files on `threads` threads (this one included) and returns the outcomes in
 * the job's order. Files are dealt round-robin so a run of large signed Mach-O files (hashed page
 * by page) spreads over every thread instead of landing on one.
 */
export async function inspectInParallel(
  job: InspectJob,
  threads: number,
  inspectHere: (job: InspectJob) => InspectOutcome[],
): Promise<InspectOutcome[]> {
  const module = threads > 1 ? workerModule() : null;
  if (!module) return inspectHere(job);
  const parts = Array.from(
    { length: threads },
    (): InspectJob => ({
      files: [],
      shown: [],
      sections: job.sections,
    }),
  );
  job.files.forEach((file, i) => {
    const part = parts[i % threads] as InspectJob;
    part.files.push(file);
    part.shown.push(job.shown[i] as string);
  });
  const [own, ...others] = parts as [InspectJob, ...InspectJob[]];
  const pending = others.map((part) => runWorker(module, part));
  const results = [inspectHere(own), ...(await Promise.all(pending))];
  return job.files.map(
    (_, i) => (results[i % threads] as InspectOutcome[])[Math.floor(i / threads)] as InspectOutcome,
  );
}

/** What a worker sends back: its share's outcomes, or the one line of what stopped it. */
export type WorkerReply = { outcomes: InspectOutcome[] } | { failure: string };

function runWorker(module: string, job: InspectJob): Promise<InspectOutcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(module, { workerData: job });
    worker.once('message', (reply: WorkerReply) =>
      'outcomes' in reply ? resolve(reply.outcomes) : reject(new CrossgoError(reply.failure)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`inspect worker exited with code ${code}`));
    });
  });
}
