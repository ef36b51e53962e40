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
import { trajectoryOtOptions, type FeatureTrajectory, type UpdateProxyOptions } from './ot-update-proxy.ts';
import { otReward } from '../operators/ot-reward.ts';
import { pairTrajectories } from '../operators/pair-trajectories.ts';

/** When the proxy is computed: for the sampled batch at every update (the paper), or once when a trajectory ends (cheaper, frozen in the buffer). */
export type OtProxyTiming = 'update' | 'trajectory';
/**
 * Feature normalization: 'running' standardises with the statistics of every trajectory finished
 * so far (all tasks; the paper's "normalized" vectors with dataset statistics), 'pair' with the
 * two trajectories' own, 'none' leaves them raw.
 */
export type OtNormalize = 'running' | 'pair' | 'none';
/**
 * What a grid state is to the cost: 'xy' its cell's (column, row), so the Euclidean cost grows
 * with the distance between cells; 'observation' the network's input (one-hot cells: every pair
 * of different cells costs the same, nothing for OT to exploit).
 */
export type OtFeatures = 'xy' | 'observation';

/**
 * OT sharing parameters. The paper publishes none of σ, β, ε or the iteration count (it mentions
 * β ∈ {2, 5}); the pipelines' defaults say what we chose and why.
 */
export interface OtSharingOptions {
  /** Upper bound of the proxy reward, > 0. */
  readonly sigma: number;
  /** Decay rate of the proxy reward with the per-step transport cost, ≥ 0. */
  readonly beta: number;
  /** Sinkhorn regularization on the max-normalized cost. */
  readonly epsilon: number;
  readonly iterations: number;
  readonly normalize: OtNormalize;
  readonly features: OtFeatures;
  readonly proxy: OtProxyTiming;
  /** Number of discrete actions (fixes the one-hot width of the action part). */
  readonly actionCount: number;
}

/** A trajectory with its grid cells, its observations replaced by the OT features (for pairing and cost only; never stored). */
export const featureTrajectory = (t: Trajectory, cells: Int32Array, cols: number, features: OtFeatures): Trajectory & FeatureTrajectory => {
  if (features === 'observation') return { ...t, cells };
  const xy = new Float32Array(t.size * 2);
  for (let s = 0; s < t.size; s++) {
    const row = Math.floor(cells[s] / cols);
    xy[2 * s] = cells[s] - row * cols;
    xy[2 * s + 1] = row;
  }
  return { ...t, obsDim: 2, observation: xy, cells };
};

export interface OtSharingStream {
  /** A finished trajectory of some task; its augmented copy reaches `onAugmented` once it has a partner. */
  push(trajectory: Trajectory): void;
  /** Ends the stream; returns how many trajectories never found a partner. */
  end(): number;
}

/**
 * The once-per-trajectory OT sharing (`ot.proxy = 'trajectory'`) as the library's operators,
 * driven from a job's training loop:
 *
 *   trajectories ──pairTrajectories(rng, recent per task)──▶ [A, B] ──otReward──▶ A with r + σ·exp(−β·c_t)
 *
 * The partner is a random recent trajectory of another task (pairTrajectories' rule); a trajectory
 * that arrives before any other task has finished one waits for its partner. Everything runs
 * synchronously inside `push`, so the training loop sees the augmented trajectory before it
 * updates. Throws DistilleryFailure on bad parameters.
 */
export const otSharingStream = (
  o: UpdateProxyOptions,
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
      otReward({ ...trajectoryOtOptions(o), onSolve: (_task, _partner, r) => (solve = r) }),
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
