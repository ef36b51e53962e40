import { filter, map, mergeMap, type Observable, type OperatorFunction } from 'rxjs';
import { log, metric, progress } from '../core/events.ts';
import type { JobRef } from '../core/job.ts';
import type { RunContext } from './context.ts';
import { runJob, type JobMessage, type RunJobOptions } from './run-job.ts';
import { cachedStage } from './stage-cache.ts';

/** How a job's reports appear in the run: one progress bar, metric tags. */
export interface JobDisplay {
  /** Stable id of the progress bar. */
  readonly id: string;
  readonly label: string;
  /** Tags added to every metric of the job (e.g. `{ task: 'left' }`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Sends a job's progress, metrics and logs to the run and emits its output alone. */
export const reportJob =
  <O>(ctx: Pick<RunContext, 'emit'>, display: JobDisplay): OperatorFunction<JobMessage<O>, O> =>
  (messages: Observable<JobMessage<O>>) =>
    messages.pipe(
      filter((m): m is { readonly type: 'done'; readonly output: O } => {
        if (m.type === 'done') return true;
        const e = m.event;
        if (e.kind === 'progress') ctx.emit(progress(display.id, display.label, e.done, e.total, 'steps'));
        else if (e.kind === 'metric') ctx.emit(metric(e.name, e.step, e.value, { ...(display.tags ?? {}), ...(e.tags ?? {}) }));
        else ctx.emit(log(`${display.label}: ${e.message}`, 'warn'));
        return false;
      }),
      map((m) => m.output),
    );

export interface JobStageOptions<V, I, O, R> extends Omit<RunJobOptions, 'label'> {
  readonly job: JobRef<I, O>;
  /** The job's input for one value of the stream. */
  readonly input: (v: V) => I;
  /** What goes downstream: usually the value with the job's output added. */
  readonly output: (v: V, o: O) => R;
  readonly display: (v: V) => JobDisplay;
  /** Jobs at once in worker threads (default 2: one per core of the machines we target); no limit for a remote executor. */
  readonly workers?: number;
  /**
   * Record the finished job so `--resume` can reuse it: the files its output names (checkpoints,
   * datasets) must still exist. The job's input is the key (it holds seeds, parameters and paths).
   */
  readonly cache?: (o: O) => readonly string[];
}

/**
 * A stage backed by a job: one job per value, at most `workers` at once, each in a worker thread;
 * outputs arrive in completion order. Unsubscribing terminates the running workers.
 *
 *   source:  --a--b----------|
 *   stage:   ---------A--B---|      A = output(a, job(input(a)))
 */
export const jobStage = <V, I, O, R>(ctx: Pick<RunContext, 'emit' | 'jobThread' | 'stageCache' | 'jobSlots'>, o: JobStageOptions<V, I, O, R>): OperatorFunction<V, R> => {
  const executor = o.thread ?? ctx.jobThread ?? 'worker';
  // A remote executor gets every ready job at once: the cluster queues them, and SLURM submits
  // the jobs that arrive together as one array (`workers` bounds this machine's threads only).
  const concurrency = typeof executor === 'object' ? Infinity : (o.workers ?? 2);
  return mergeMap((v: V) => {
    const input = o.input(v);
    const display = o.display(v);
    const job = () => runJob(o.job, input, { thread: executor, label: display.label }).pipe(reportJob<O>(ctx, display));
    const run = () => (ctx.jobSlots ? ctx.jobSlots.run(job) : job());
    return (o.cache ? cachedStage(ctx, display.id, { module: o.job.module.replace(/^.*\//, '').replace(/\.[cm]?[jt]s$/, ''), input }, o.cache, run) : run()).pipe(map((out) => o.output(v, out)));
  }, concurrency);
};
