import type { Rng } from '../core/rng.ts';
import { mean } from './statistics.ts';

export interface BootstrapInterval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly resamples: number;
}

/**
 * Percentile bootstrap interval of the mean (Efron): `resamples` means of n values drawn with
 * replacement from xs, every draw from `rng`; the interval is their (1 − level)/2 and
 * (1 + level)/2 quantiles (linear interpolation between order statistics, numpy's default). With
 * few values it is narrower than the t interval (it cannot see beyond the sample), so report both.
 */
export const bootstrapMeanInterval = (xs: readonly number[], rng: Rng, options: { readonly resamples?: number; readonly level?: number } = {}): BootstrapInterval => {
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`confidence level must be in (0, 1), got ${level}`);
  if (!(Number.isSafeInteger(resamples) && resamples > 0)) throw new Error(`resamples must be a positive integer, got ${resamples}`);
  const n = xs.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN, level, resamples };
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += xs[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  return { mean: mean(xs), low: quantile(means, (1 - level) / 2), high: quantile(means, (1 + level) / 2), level, resamples };
};

/** The q-quantile of sorted values, interpolating linearly between order statistics. */
export const quantile = (sorted: ArrayLike<number>, q: number): number => {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
};
