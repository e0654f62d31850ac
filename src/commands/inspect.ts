import path from 'node:path';
import { type InspectJob, type InspectOutcome, inspectJob } from '../binary/inspect.js';
import { inspectInParallel, threadCount } from '../binary/inspectParallel.js';

export type { Inspection, InspectOutcome } from '../binary/inspect.js';

export interface InspectOptions {
  files: readonly string[];
  /** Keep the section lists (name, address, size, offset). */
  sections?: boolean;
  cwd?: string;
}

/**
 * Reads each file's facts with crossgo's own readers (no file, readelf, otool or go needed).
 * Many files are shared among worker threads, one per core; outcomes keep the files' order.
 */
export async function inspect(options: InspectOptions): Promise<InspectOutcome[]> {
  const cwd = options.cwd ?? process.cwd();
  const job: InspectJob = {
    files: options.files.map((file) => path.resolve(cwd, file)),
    shown: [...options.files],
    sections: options.sections === true,
  };
  return inspectInParallel(job, threadCount(job.files.length), inspectJob);
}
