import { MessageChannel, Worker } from 'node:worker_threads';
import { Observable } from 'rxjs';
import { trackCleanup } from '../core/cleanup.ts';
import { DistilleryFailure, distilleryError, errorOf, toDistilleryError, type ErrorCode } from '../core/errors.ts';
import type { Job, JobEvent, JobRef } from '../core/job.ts';

export type JobMessage<O> = { readonly type: 'event'; readonly event: JobEvent } | { readonly type: 'done'; readonly output: O };

/** What a remote executor is told about a job beside its input. */
export interface RemoteJobOptions {
  /** What the job is for, as the run shows it (`TD3BC teacher left`): its failures start with it. */
  readonly label?: string;
}

/**
 * Runs jobs somewhere other than this process (a cluster: `slurmExecutor` in slurm-executor.ts).
 * `run` has the contract of `runJob`: reports, then the output; unsubscribing stops the job.
 * An executor may hold jobs that arrive together for a moment and submit them as one batch (SLURM:
 * one job array), so callers hand it every job that is ready at once rather than a few at a time.
 */
export interface RemoteExecutor {
  readonly kind: string;
  readonly run: <I, O>(job: JobRef<I, O>, input: I, options?: RemoteJobOptions) => Observable<JobMessage<O>>;
  /**
   * Runs `first`, then `then`, handing both to the cluster at once: `then` waits there until
   * `first` has succeeded (SLURM: `--dependency=afterok`), not in this process. `then`'s input
   * cannot depend on `first`'s output, only on files `first` writes where its input says.
   * Messages are tagged with the job they come from (0: first, 1: then).
   */
  readonly runAfter?: <I1, O1, I2, O2>(first: RemoteJob<I1, O1>, then: RemoteJob<I2, O2>) => Observable<ChainMessage<O1, O2>>;
}

/** A job for `runAfter`: its module, input and label. */
export interface RemoteJob<I, O> extends RemoteJobOptions {
  readonly job: JobRef<I, O>;
  readonly input: I;
}

export type ChainMessage<O1, O2> = { readonly job: 0; readonly message: JobMessage<O1> } | { readonly job: 1; readonly message: JobMessage<O2> };

/** Where a job runs: a worker thread (default), this thread (tests, debugging), or an executor. */
export type JobExecutor = 'worker' | 'main' | RemoteExecutor;

export interface RunJobOptions {
  /** Where the job runs (the name is historical: it also takes an executor such as SLURM). */
  readonly thread?: JobExecutor;
  /** What the job is for (a remote executor names it in failures). */
  readonly label?: string;
}

/**
 * Runs a job and streams its reports, ending with its output. In a worker thread by default, so
 * independent jobs (one teacher per task) use every core; unsubscribing terminates the worker.
 * Jobs get their seeds in their input, so results do not depend on which thread runs them or in
 * which order they finish.
 *
 *   runJob(trainTeacher, input): --e--e--e--(d|)     e: {type:'event'}, d: {type:'done', output}
 */
export const runJob = <I, O>(job: JobRef<I, O>, input: I, options: RunJobOptions = {}): Observable<JobMessage<O>> =>
  options.thread === 'main' ? runInThisThread(job, input) : typeof options.thread === 'object' ? options.thread.run(job, input, options.label === undefined ? {} : { label: options.label }) : runInWorker(job, input);

/** Loads the default export of a job module (what a worker does too). */
export const loadJob = async <I, O>(module: string): Promise<Job<I, O>> => {
  const job = ((await import(module)) as { default?: unknown }).default;
  if (typeof job !== 'function') throw new DistilleryFailure(distilleryError('internal', `${module} has no job as its default export`));
  return job as Job<I, O>;
};

/** Thrown into a job (in this thread or a worker) at its next report once its subscriber has gone. */
export class JobCancelled extends Error {}

const runInThisThread = <I, O>(ref: JobRef<I, O>, input: I): Observable<JobMessage<O>> =>
  new Observable<JobMessage<O>>((subscriber) => {
    let cancelled = false;
    const run = (async () => {
      const job = await loadJob<I, O>(ref.module);
      const output = await job(input, {
        report: (event) => {
          // A job reports often: its next report after unsubscription unwinds it (its finally blocks run).
          if (cancelled) throw new JobCancelled('cancelled');
          subscriber.next({ type: 'event', event });
        },
      });
      if (!cancelled) {
        subscriber.next({ type: 'done', output });
        subscriber.complete();
      }
    })().catch((e: unknown) => {
      if (!cancelled) subscriber.error(e instanceof DistilleryFailure ? e : new DistilleryFailure(errorOf(e)));
    });
    return () => {
      cancelled = true;
      trackCleanup(run);
    };
  });

type WorkerReply<O> =
  | { type: 'event'; event: JobEvent }
  | { type: 'done'; output: O }
  | { type: 'error'; error: { code: ErrorCode; message: string } }
  | { type: 'cancelled' };

/** How long a cancelled worker job may take to reach its next report before its worker is terminated. */
const WORKER_CANCEL_GRACE_MS = 60_000;

const runInWorker = <I, O>(ref: JobRef<I, O>, input: I): Observable<JobMessage<O>> =>
  new Observable<JobMessage<O>>((subscriber) => {
    const entry = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.ts' : './worker-entry.js', import.meta.url).href;
    // TypeScript (ours from a clone, or a user's job) needs the tsx loader registered in the worker first.
    const needsLoader = entry.endsWith('.ts') || ref.module.endsWith('.ts');
    // The job reads this port synchronously at each report (receiveMessageOnPort): a cancel is seen
    // at the next report even while the job computes without yielding to its event loop.
    const cancel = new MessageChannel();
    const worker = new Worker(needsLoader ? new URL('./worker-bootstrap.mjs', import.meta.url) : new URL(entry), {
      workerData: { module: ref.module, input, entry, cancelPort: cancel.port2 },
      transferList: [cancel.port2],
    });
    let settled = false;
    // Resolves when the job has stopped running: it finished, failed, unwound after a cancel, or its worker exited.
    let stopped!: () => void;
    const jobStopped = new Promise<void>((resolve) => (stopped = resolve));
    let finished = false;
    worker.on('message', (m: WorkerReply<O>) => {
      if (m.type === 'event') return subscriber.next(m);
      stopped();
      finished = true;
      if (m.type === 'cancelled') return;
      settled = true;
      if (m.type === 'done') {
        subscriber.next(m);
        subscriber.complete();
      } else subscriber.error(new DistilleryFailure(distilleryError(m.error.code, m.error.message)));
    });
    worker.on('error', (e) => {
      settled = true;
      subscriber.error(new DistilleryFailure(toDistilleryError(e, 'internal', 'worker failed')));
    });
    worker.on('exit', (code) => {
      stopped();
      cancel.port1.close();
      if (!settled) subscriber.error(new DistilleryFailure(distilleryError('internal', `worker exited with code ${code} before finishing`)));
    });
    return () => {
      settled = true;
      if (finished) {
        trackCleanup(worker.terminate());
        return;
      }
      // A running job is asked to stop and unwinds at its next report (its finally blocks run, as in
      // this thread); then its worker is terminated. worker.terminate() while ONNX Runtime's native
      // addon runs in the worker aborts the whole process ("terminate called after throwing an
      // instance of 'Napi::Error'"), so terminating a running job is only the fallback for one
      // that stops reporting.
      cancel.port1.postMessage('cancel');
      const fallback = setTimeout(() => void worker.terminate(), WORKER_CANCEL_GRACE_MS);
      trackCleanup(
        jobStopped.then(() => {
          clearTimeout(fallback);
          return worker.terminate();
        }),
      );
    };
  });

