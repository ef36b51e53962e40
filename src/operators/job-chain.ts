import { ignoreElements, last, map, mergeMap, of, type OperatorFunction } from 'rxjs';
import type { JobRef } from '../core/job.ts';
import type { RunContext } from './context.ts';
import { reportJob, type JobDisplay } from './job-stage.ts';
import { runJob, type ChainMessage } from './run-job.ts';

export interface JobChainOptions<V, I1, O1, I2, O2, R> {
  readonly first: { readonly job: JobRef<I1, O1>; readonly input: (v: V) => I1; readonly display: (v: V) => JobDisplay };
  /** Its input is known before `first` has run: it may name files `first` writes where `first`'s input says. */
  readonly then: { readonly job: JobRef<I2, O2>; readonly input: (v: V, first: I1) => I2; readonly display: (v: V) => JobDisplay };
  readonly output: (v: V, first: O1, then: O2) => R;
  /** Chains at once in worker threads (default 2); no limit for a remote executor. */
  readonly workers?: number;
}

/**
 * Two jobs per value where the second needs only files the first writes (not its output value):
 * on an executor that can hold a job until another has succeeded (SLURM, `runAfter`:
 * `--dependency=afterok`), both are submitted at once and the cluster starts the second; elsewhere
 * the second starts when the first has finished. Either way the second never starts unless the first
 * succeeded, and a failure of either fails the stage (the other is cancelled).
 *
 *   source:  --a-----------|
 *   chain:   ---------A----|      A = output(a, first(a), then(a, input of first(a)))
 */
export const jobChain = <V, I1, O1, I2, O2, R>(ctx: Pick<RunContext, 'emit' | 'jobThread'>, o: JobChainOptions<V, I1, O1, I2, O2, R>): OperatorFunction<V, R> => {
  const executor = ctx.jobThread ?? 'worker';
  const remote = typeof executor === 'object';
  return mergeMap((v: V) => {
    const i1 = o.first.input(v);
    const i2 = o.then.input(v, i1);
    const d1 = o.first.display(v);
    const d2 = o.then.display(v);
    if (typeof executor === 'object' && executor.runAfter) {
      let o1: O1 | undefined;
      return executor.runAfter({ job: o.first.job, input: i1, label: d1.label }, { job: o.then.job, input: i2, label: d2.label }).pipe(
        mergeMap((m: ChainMessage<O1, O2>) => {
          if (m.job === 0) {
            if (m.message.type === 'done') o1 = m.message.output;
            return of(m.message).pipe(reportJob<O1>(ctx, d1), ignoreElements());
          }
          return of(m.message).pipe(reportJob<O2>(ctx, d2));
        }),
        last(),
        map((o2) => o.output(v, o1 as O1, o2)),
      );
    }
    const run = <I, O>(job: JobRef<I, O>, input: I, display: JobDisplay) => runJob(job, input, { thread: executor, label: display.label }).pipe(reportJob<O>(ctx, display));
    return run(o.first.job, i1, d1).pipe(mergeMap((o1) => run(o.then.job, i2, d2).pipe(map((o2) => o.output(v, o1, o2)))));
  }, remote ? Infinity : (o.workers ?? 2));
};
