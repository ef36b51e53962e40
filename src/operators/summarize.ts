import { concat, defer, last, map, reduce, type Observable } from 'rxjs';
import { DatasetSummaryAccumulator, type DatasetSummary } from '../data/index.ts';
import { studentTQuantile } from '../metrics/statistics.ts';
import { replay } from './replay.ts';

/** Replays files (in order) and emits one summary over all of them. */
export const summarizeDatasets = (paths: readonly string[], batchSize?: number): Observable<DatasetSummary> =>
  defer(() => {
    const acc = new DatasetSummaryAccumulator();
    return concat(...paths.map((p) => replay(p, batchSize ? { batchSize } : {}))).pipe(
      reduce((a, b) => (a.add(b), a), acc),
      last(undefined, acc),
      map((a) => a.result()),
    );
  });

export interface ReturnStats {
  readonly mean: number;
  /** Sample standard deviation over episodes (NaN below 2 episodes). */
  readonly std: number;
  /** Half-width of the 95% Student-t confidence interval of the mean. */
  readonly ci95: number;
  readonly episodes: number;
}

/** One task's complete-episode returns in dataset files, as a ReturnStats (NaN mean when there is none). */
export const datasetReturns = (paths: readonly string[], task: string): Observable<ReturnStats> =>
  summarizeDatasets(paths).pipe(
    map((s) => {
      const ts = s.tasks[task];
      // The return statistics cover the episodes with a finite return only.
      const n = (ts?.episodes ?? 0) - (ts?.nonFiniteReturns ?? 0);
      // The summary has the population std; the CI uses the sample std.
      const std = !ts || ts.return.std === null || n < 2 ? NaN : ts.return.std * Math.sqrt(n / (n - 1));
      return { mean: ts?.return.mean ?? NaN, std, ci95: n < 2 ? NaN : (studentTQuantile(0.975, n - 1) * std) / Math.sqrt(n), episodes: n };
    }),
  );
