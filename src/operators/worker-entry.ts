/**
 * Runs one job inside a worker thread: imports the job's module, calls its default export with
 * the input, forwards its reports, and posts the output (or one error) back.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { errorOf } from '../core/errors.ts';
import type { JobEvent } from '../core/job.ts';
import { JobCancelled, loadJob } from './run-job.ts';

interface WorkerInput {
  readonly module: string;
  readonly input: unknown;
  readonly cancelPort: MessagePort;
}

const port = parentPort!;
const { module, input, cancelPort } = workerData as WorkerInput;
// The parent asks a job to stop through cancelPort; the job's next report throws (see runInWorker).
let cancelled = false;
const isCancelled = (): boolean => (cancelled ||= receiveMessageOnPort(cancelPort) !== undefined);
try {
  const job = await loadJob(module);
  const output = await job(input, {
    report: (event: JobEvent) => {
      if (isCancelled()) throw new JobCancelled('cancelled');
      port.postMessage({ type: 'event', event });
    },
  });
  port.postMessage({ type: 'done', output });
} catch (e) {
  if (cancelled) port.postMessage({ type: 'cancelled' });
  else {
    const err = errorOf(e);
    port.postMessage({ type: 'error', error: { code: err.code, message: err.message } });
  }
} finally {
  cancelPort.close();
}
