import { DistilleryFailure, distilleryError } from '../core/errors.ts';

/**
 * Which Kendall τ: `a` = (C − D) / (n(n − 1)/2), the thesis' definition (docs/facts.md, "Shared
 * computation"); `b` = tie-corrected, scipy.stats.kendalltau's default; `c` = Stuart's τ-c, scipy's
 * `variant='c'`. They differ only when there are ties, and ReLU layers tie a lot (every inactive
 * neuron is 0), so the choice matters for activation vectors.
 */
export type KendallVariant = 'a' | 'b' | 'c';

export interface KendallOptions {
  readonly variant?: KendallVariant;
}

/**
 * Kendall's rank correlation of two equal-length samples, in O(n log n) (Knight 1966): sort the
 * pairs by (x, y), count the discordant pairs as the swaps a stable merge sort on y makes, and
 * the tied pairs from runs of equal values. NaN where τ is undefined, as scipy returns it: fewer
 * than two pairs, an input that is constant (every pair tied), or a NaN anywhere. We apply that
 * rule to τ-a too (its formula would give 0 for a constant input, which would read as "no
 * association" when there is nothing to rank).
 *
 * Lengths that differ are the caller's input error: a DistilleryFailure (`invalid-input`).
 */
export const kendallTau = (x: ArrayLike<number>, y: ArrayLike<number>, options: KendallOptions = {}): number => {
  const variant = options.variant ?? 'b';
  const n = x.length;
  if (y.length !== n) throw new DistilleryFailure(distilleryError('invalid-input', `kendallTau: inputs of different lengths (${n} and ${y.length})`));
  if (variant !== 'a' && variant !== 'b' && variant !== 'c')
    throw new DistilleryFailure(distilleryError('invalid-input', `kendallTau: unknown variant ${String(variant)} (expected a, b or c)`));
  if (n < 2) return NaN;
  for (let i = 0; i < n; i++) if (Number.isNaN(x[i]) || Number.isNaN(y[i])) return NaN;

  // Order by x, ties by y: pairs tied in x are then never counted as discordant by the merge.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => x[i] - x[j] || y[i] - y[j]);

  const total = (n * (n - 1)) / 2;
  let xTies = 0; // pairs tied in x
  let xyTies = 0; // pairs tied in both
  let xClasses = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && x[order[j]] === x[order[i]]) j++;
    xTies += ((j - i) * (j - i - 1)) / 2;
    xClasses++;
    for (let k = i; k < j; ) {
      let l = k + 1;
      while (l < j && y[order[l]] === y[order[k]]) l++;
      xyTies += ((l - k) * (l - k - 1)) / 2;
      k = l;
    }
    i = j;
  }

  // Bottom-up stable merge sort of y in that order; every time an element of the right run is
  // taken before remaining left elements, each of those is a discordant pair (strictly greater y).
  let a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = y[order[i]];
  let b = new Float64Array(n);
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (a[i] <= a[j]) b[k++] = a[i++];
        else {
          swaps += mid - i;
          b[k++] = a[j++];
        }
      }
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    [a, b] = [b, a];
  }

  let yTies = 0;
  let yClasses = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && a[j] === a[i]) j++;
    yTies += ((j - i) * (j - i - 1)) / 2;
    yClasses++;
    i = j;
  }

  if (xTies === total || yTies === total) return NaN;
  // C − D over the pairs tied in neither: all pairs, minus those tied in x or in y (the pairs tied
  // in both were subtracted twice), minus twice the discordant ones.
  const concordantMinusDiscordant = total - xTies - yTies + xyTies - 2 * swaps;
  if (variant === 'a') return concordantMinusDiscordant / total;
  if (variant === 'b') return concordantMinusDiscordant / Math.sqrt((total - xTies) * (total - yTies));
  // Stuart's τ-c, as scipy computes it: 2(C − D) / (n² (m − 1) / m), m = the fewer distinct values.
  const m = Math.min(xClasses, yClasses);
  return (2 * concordantMinusDiscordant) / ((n * n * (m - 1)) / m);
};
