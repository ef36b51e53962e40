/**
 * Runs one job inside a worker thread: imports the job's module, calls its default export with
 * the input, forwards its reports, and posts the output (or one error) back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorOf } from '../core/errors.ts';
import type { JobEvent } from '../core/job.ts';
import { loadJob } from './run-job.ts';

interface WorkerInput {
  readonly module: string;
  readonly input: unknown;
}

const port = parentPort!;
const { module, input } = workerData as WorkerInput;
try {
  const job = await loadJob(module);
  const output = await job(input, { report: (event: JobEvent) => port.postMessage({ type: 'event', event }) });
  port.postMessage({ type: 'done', output });
} catch (e) {
  const err = errorOf(e);
  port.postMessage({ type: 'error', error: { code: err.code, message: err.message } });
}
