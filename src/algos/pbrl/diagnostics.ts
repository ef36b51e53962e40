import type { TransitionBatch } from '../../core/batch.ts';

/**
 * What a critic's estimate can be checked against on an offline dataset: the discounted
 * Monte-Carlo return of the data's own actions. Rows are grouped into episodes by their
 * `episode` column and ordered by `step`, so the dataset's row order does not matter.
 */
export interface ReturnsToGo {
  /** G_t = Σ_{k ≥ t} γ^{k−t} r_k within the row's episode, one per row. */
  readonly returns: Float32Array;
  /**
   * Transitions from this row to the end of its episode (1 for the last one). Where an episode
   * was truncated (time limit) the true value also counts what comes after: G_t misses at most
   * γ^{stepsLeft}·r_max/(1 − γ), so compare on rows with many steps left.
   */
  readonly stepsLeft: Int32Array;
}

/** Discounted returns-to-go of every row of `batch` (episodes by `episode`, order by `step`). */
export const discountedReturnsToGo = (batch: Pick<TransitionBatch, 'size' | 'episode' | 'step' | 'reward'>, gamma: number): ReturnsToGo => {
  const n = batch.size;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => batch.episode[a] - batch.episode[b] || batch.step[a] - batch.step[b]);
  const returns = new Float32Array(n);
  const stepsLeft = new Int32Array(n);
  let g = 0;
  let left = 0;
  for (let j = n - 1; j >= 0; j--) {
    const i = order[j];
    const endOfEpisode = j === n - 1 || batch.episode[order[j + 1]] !== batch.episode[i];
    g = batch.reward[i] + (endOfEpisode ? 0 : gamma * g);
    left = endOfEpisode ? 1 : left + 1;
    returns[i] = g;
    stepsLeft[i] = left;
  }
  return { returns, stepsLeft };
};
