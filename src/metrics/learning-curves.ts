/**
 * Learning-curve statistics for MultiTaskRun records: runs end their rounds at different step
 * counts, so each is put on a common grid of environment steps before averaging over seeds.
 */
import { summarize, type Summary } from './statistics.ts';

/** Learning record of one multi-task run: tasks trained round-robin, one episode each per round. */
export interface MultiTaskRun {
  readonly tasks: readonly string[];
  /** Environment steps over all tasks at the end of each round. */
  readonly steps: Float64Array;
  /** Undiscounted environment return (no proxy reward), returns[round * tasks.length + task]. */
  readonly returns: Float64Array;
  /** The grid (row-major cells, 1 = free), for heat maps. */
  readonly grid: { readonly rows: number; readonly cols: number; readonly free: Uint8Array };
  readonly seconds: number;
}


/** Mean return over tasks of every round. */
export const roundMeans = (run: Pick<MultiTaskRun, 'tasks' | 'steps' | 'returns'>): Float64Array => {
  const m = run.tasks.length;
  const out = new Float64Array(run.steps.length);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += run.returns[r * m + i];
    out[r] = s / m;
  }
  return out;
};

/**
 * The run on the grid edges[k] = (k + 1)·budget/points: point k is the mean of the round means of
 * the rounds ending in (edges[k−1], edges[k]] (the last point also takes rounds past the budget);
 * a bin without a round repeats the previous point (or takes the next round's value at the start).
 */
export const binnedCurve = (run: Pick<MultiTaskRun, 'tasks' | 'steps' | 'returns'>, budget: number, points: number): { x: number[]; y: number[] } => {
  const means = roundMeans(run);
  const x = Array.from({ length: points }, (_, k) => ((k + 1) * budget) / points);
  const sum = new Float64Array(points);
  const count = new Float64Array(points);
  for (let r = 0; r < means.length; r++) {
    const k = Math.min(points - 1, Math.max(0, Math.ceil((run.steps[r] * points) / budget) - 1));
    sum[k] += means[r];
    count[k] += 1;
  }
  const y = new Array<number>(points).fill(NaN);
  for (let k = 0; k < points; k++) y[k] = count[k] > 0 ? sum[k] / count[k] : k > 0 ? y[k - 1] : NaN;
  const firstFilled = y.findIndex(Number.isFinite);
  for (let k = 0; k < firstFilled; k++) y[k] = y[firstFilled];
  return { x, y };
};

/** Mean return over tasks and over the rounds that end after `fraction` of the budget. */
export const finalReturn = (run: Pick<MultiTaskRun, 'tasks' | 'steps' | 'returns'>, budget: number, fraction = 0.9): number => {
  const means = roundMeans(run);
  let s = 0;
  let n = 0;
  for (let r = 0; r < means.length; r++)
    if (run.steps[r] > fraction * budget) {
      s += means[r];
      n++;
    }
  return n > 0 ? s / n : means[means.length - 1];
};

/** Environment steps at the first point of the binned curve at or above `threshold`, or null. */
export const stepsToThreshold = (curve: { x: readonly number[]; y: readonly number[] }, threshold: number): number | null => {
  const k = curve.y.findIndex((v) => v >= threshold);
  return k < 0 ? null : curve.x[k];
};

/** Mean and 95% CI over seeds at every point of their binned curves (same grid). */
export const curveBand = (curves: readonly { x: readonly number[]; y: readonly number[] }[]): { x: number[]; mean: number[]; low: number[]; high: number[]; summaries: Summary[] } => {
  const x = [...curves[0].x];
  const summaries = x.map((_, k) => summarize(curves.map((c) => c.y[k])));
  return {
    x,
    summaries,
    mean: summaries.map((s) => s.mean),
    low: summaries.map((s) => (Number.isFinite(s.low) ? s.low : s.mean)),
    high: summaries.map((s) => (Number.isFinite(s.high) ? s.high : s.mean)),
  };
};

/** Pooled mean per cell of several runs' per-cell means weighted by their counts (NaN where no run has data). */
export const pooledCellMeans = (runs: readonly { readonly mean: Float64Array; readonly count: Float64Array }[]): Float64Array => {
  const n = runs[0].mean.length;
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let s = 0;
    let w = 0;
    for (const r of runs)
      if (r.count[c] > 0) {
        s += r.mean[c] * r.count[c];
        w += r.count[c];
      }
    out[c] = w > 0 ? s / w : NaN;
  }
  return out;
};
