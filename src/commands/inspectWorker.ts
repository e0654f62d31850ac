import { parentPort, workerData } from 'node:worker_threads';
import { inspectJob } from './inspect.js';
import type { InspectJob } from './inspectParallel.js';

// One share of a large `crossgo inspect`: the outcomes go back in the order of the share's files.
parentPort?.postMessage(inspectJob(workerData as InspectJob));
