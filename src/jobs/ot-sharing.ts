/**
 * The pieces of SAC+OT (Le & Ta, arXiv 2309.15603) that sit between the environment and the
 * replay buffers: the library's pairTrajectories → otReward operators run inside the job (the
 * one implementation of pairing and proxy rewards), and the per-cell average of the proxy reward
 * (for the heat maps). No tensors.
 */
import { Subject } from 'rxjs';
import type { Trajectory } from '../core/batch.ts';
import { fail } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { TrajectoryOtRewards } from '../ot/index.ts';
import { otReward } from '../operators/ot-reward.ts';
import { pairTrajectories } from '../operators/pair-trajectories.ts';

/**
 * OT sharing parameters. The paper publishes none of σ, β, ε or the iteration count (it mentions
 * β ∈ {2, 5}); see the defaults below for what we chose and why.
 */
export interface OtSharingOptions {
  /** Upper bound of the proxy reward, > 0. */
  readonly sigma: number;
  /** Decay rate of the proxy reward with the per-step transport cost, ≥ 0. */
  readonly beta: number;
  /** Sinkhorn regularization on the max-normalized cost. */
  readonly epsilon: number;
  readonly iterations: number;
  /**
   * 'none': raw state-action vectors (one-hot cell + one-hot action: every coordinate is already
   * 0/1, so distances are 0, √2 or 2); 'pair': standardize with the pair's statistics (the
   * paper's "normalized" vectors; with one-hot states it weighs cells by rarity).
   */
  readonly normalize: 'none' | 'pair';
  /** Number of discrete actions (fixes the one-hot width of the action part). */
  readonly actionCount: number;
}

/**
 * σ = 0.01 equals the grids' step cost: a positive per-step bonus larger than the step cost would
 * pay the agent for staying out of the goal (an episode ends there), so the augmented step reward
 * stays in (−0.01, 0]. β = 5 as the paper mentions and OTR uses; ε = 0.01 and 100 iterations as OTR.
 */
export const OT_SHARING_DEFAULTS = { sigma: 0.01, beta: 5, epsilon: 0.01, iterations: 100, normalize: 'none' } as const;

export interface OtSharingStream {
  /** A finished trajectory of some task; its augmented copy reaches `onAugmented` once it has a partner. */
  push(trajectory: Trajectory): void;
  /** Ends the stream; returns how many trajectories never found a partner. */
  end(): number;
}

/**
 * The OT sharing of one run as the library's operators, driven from a job's training loop:
 *
 *   trajectories ──pairTrajectories(rng, recent per task)──▶ [A, B] ──otReward──▶ A with r + σ·exp(−β·c_t)
 *
 * The partner is a random recent trajectory of another task (pairTrajectories' rule); a trajectory
 * that arrives before any other task has finished one waits for its partner. Everything runs
 * synchronously inside `push`, so the training loop sees the augmented trajectory before it
 * updates. Throws DistilleryFailure on bad parameters.
 */
export const otSharingStream = (
  o: OtSharingOptions & { readonly recent: number },
  rng: Rng,
  onAugmented: (augmented: Trajectory, solve: TrajectoryOtRewards) => void,
): OtSharingStream => {
  if (!(Number.isSafeInteger(o.recent) && o.recent > 0)) fail('invalid-input', `ot.recent must be a positive integer, got ${o.recent}`);
  const input = new Subject<Trajectory>();
  let unpaired = 0;
  let solve: TrajectoryOtRewards | undefined;
  let failure: unknown;
  const sub = input
    .pipe(
      pairTrajectories({ rng, bufferSize: o.recent, onUnpaired: (n) => (unpaired = n) }),
      otReward({
        sigma: o.sigma,
        beta: o.beta,
        epsilon: o.epsilon,
        maxIterations: o.iterations,
        featureStats: o.normalize,
        actionCount: o.actionCount,
        scale: 'rows',
        onSolve: (_task, _partner, r) => (solve = r),
      }),
    )
    .subscribe({ next: (t) => onAugmented(t, solve!), error: (e: unknown) => (failure = e) });
  return {
    push: (t) => {
      input.next(t);
      if (failure) throw failure;
    },
    end: () => {
      input.complete();
      sub.unsubscribe();
      return unpaired;
    },
  };
};

/** Running sum and count of a value per grid cell; the mean is NaN where nothing was added. */
export class CellAverage {
  readonly sum: Float64Array;
  readonly count: Float64Array;

  constructor(cells: number) {
    this.sum = new Float64Array(cells);
    this.count = new Float64Array(cells);
  }

  /** Adds values[t] at cells[t] for t < n. */
  add(cells: ArrayLike<number>, values: ArrayLike<number>, n: number): void {
    for (let t = 0; t < n; t++) {
      this.sum[cells[t]] += values[t];
      this.count[cells[t]] += 1;
    }
  }

  mean(): Float64Array {
    const m = new Float64Array(this.sum.length);
    for (let c = 0; c < m.length; c++) m[c] = this.count[c] > 0 ? this.sum[c] / this.count[c] : NaN;
    return m;
  }
}
