/**
 * The OT proxy reward computed when a minibatch is drawn (Le & Ta, arXiv 2309.15603: "at each
 * update, pair the task's trajectory with a random trajectory of another task"), not frozen when
 * the trajectory ends. The replay buffers hold env rewards only; for every trajectory that has a
 * row in the sampled batch, a partner is drawn afresh (pairTrajectories' rule, `choosePartner`),
 * Sinkhorn matches the two with the feature statistics of that moment, and each sampled row gets
 * its step's proxy σ·exp(−β·c_t) added to its reward for this update only.
 *
 * Rows are tracked by mirroring the replay buffer's ring (same capacity, same order of appends),
 * so a row index of the buffer names its trajectory and step. No tensors, no RxJS.
 */
import { fail } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { trajectoryOtRewards, type NormalizationStats, type StateActionSource, type TrajectoryOtOptions, type TrajectoryOtRewards } from '../ot/index.ts';
import { choosePartner } from '../operators/pair-trajectories.ts';

/** A finished trajectory as the OT cost sees it: its feature vectors' source and the cell of every step. */
export interface FeatureTrajectory extends StateActionSource {
  readonly task: string;
  readonly cells: Int32Array;
}

export interface UpdateProxyOptions {
  readonly sigma: number;
  readonly beta: number;
  readonly epsilon: number;
  readonly iterations: number;
  readonly actionCount: number;
  /** Partner candidates kept per task (the most recent trajectories). */
  readonly recent: number;
  /** Feature statistics at solve time (running), or 'pair' / 'none'. */
  readonly featureStats: 'pair' | 'none' | (() => NormalizationStats);
}

/** The OT solve of one trajectory pair under these options (cost scaled per row), as both the update-time proxy and the sharing stream run it. */
export const trajectoryOtOptions = (o: UpdateProxyOptions): TrajectoryOtOptions => ({
  sigma: o.sigma,
  beta: o.beta,
  epsilon: o.epsilon,
  maxIterations: o.iterations,
  featureStats: o.featureStats,
  actionCount: o.actionCount,
  scale: 'rows',
});

/** Which trajectory and step each row of one replay buffer holds, appended in the buffer's order. */
class RowIndex {
  private readonly trajectory: (FeatureTrajectory | undefined)[];
  private readonly step: Int32Array;
  private head = 0;

  constructor(readonly capacity: number) {
    this.trajectory = new Array<FeatureTrajectory | undefined>(capacity);
    this.step = new Int32Array(capacity);
  }

  /** Mirrors ReplayBuffer.addBatch: only the last `capacity` rows of an oversized trajectory survive. */
  add(t: FeatureTrajectory): void {
    for (let r = Math.max(0, t.size - this.capacity); r < t.size; r++) {
      this.trajectory[this.head] = t;
      this.step[this.head] = r;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  at(row: number): { readonly trajectory: FeatureTrajectory; readonly step: number } {
    const t = this.trajectory[row];
    if (!t) throw new Error(`update-time proxy: buffer row ${row} was never written`);
    return { trajectory: t, step: this.step[row] };
  }
}

export interface BatchProxy {
  /** Proxy reward of every sampled row (0 for rows whose trajectory found no partner). */
  readonly rewards: Float32Array;
  /** Cell of every sampled row (for the heat map). */
  readonly cells: Int32Array;
  /** 1 where the row's trajectory was paired (its proxy is a Sinkhorn result), 0 where it had no partner. */
  readonly paired: Uint8Array;
  /** Sinkhorn solves made for this batch (one per distinct trajectory with a partner). */
  readonly solves: readonly TrajectoryOtRewards[];
  readonly unpairedRows: number;
}

export class UpdateTimeProxy {
  private readonly rows: RowIndex[];
  private readonly pools = new Map<string, FeatureTrajectory[]>();

  constructor(
    readonly tasks: readonly string[],
    bufferCapacity: number,
    private readonly options: UpdateProxyOptions,
    private readonly rng: Rng,
  ) {
    if (!(Number.isSafeInteger(options.recent) && options.recent > 0)) fail('invalid-input', `ot.recent must be a positive integer, got ${options.recent}`);
    this.rows = tasks.map(() => new RowIndex(bufferCapacity));
  }

  /** A finished trajectory of task `i`, appended to its replay buffer at the same time. */
  add(i: number, t: FeatureTrajectory): void {
    this.rows[i].add(t);
    const pool = this.pools.get(t.task) ?? [];
    pool.push(t);
    if (pool.length > this.options.recent) pool.shift();
    this.pools.set(t.task, pool);
  }

  /** Proxy rewards for the rows `indices` of task i's buffer, pairing each of their trajectories afresh. */
  forBatch(i: number, indices: ArrayLike<number>): BatchProxy {
    const o = this.options;
    const n = indices.length;
    const rewards = new Float32Array(n);
    const cells = new Int32Array(n);
    const paired = new Uint8Array(n);
    // Distinct trajectories in order of first appearance (deterministic partner draws).
    const byTrajectory = new Map<FeatureTrajectory, number[]>();
    const steps = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const { trajectory, step } = this.rows[i].at(indices[j]);
      steps[j] = step;
      cells[j] = trajectory.cells[step];
      const js = byTrajectory.get(trajectory);
      if (js) js.push(j);
      else byTrajectory.set(trajectory, [j]);
    }
    const solves: TrajectoryOtRewards[] = [];
    let unpairedRows = 0;
    for (const [trajectory, js] of byTrajectory) {
      const partner = choosePartner(this.rng, this.pools, trajectory.task);
      if (!partner) {
        unpairedRows += js.length;
        continue;
      }
      const r = trajectoryOtRewards(trajectory, partner, trajectoryOtOptions(o));
      solves.push(r);
      for (const j of js) {
        rewards[j] = r.rewards[steps[j]];
        paired[j] = 1;
      }
    }
    return { rewards, cells, paired, solves, unpairedRows };
  }
}
