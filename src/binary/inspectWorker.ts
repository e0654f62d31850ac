import { parentPort, workerData } from 'node:worker_threads';
import type { InspectJob } from './inspect.js';
import { inspectJob } from './inspect.js';
import type { WorkerReply } from './inspectParallel.js';

// One share of a large `crossgo inspect`: the outcomes go back in the order of the share's
// files. A failure that stops the run (too many open files) goes back as its one line.
let reply: WorkerReply;
try {
  reply = { outcomes: inspectJob(workerData as InspectJob) };
} catch (error) {
  reply = { failure: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
