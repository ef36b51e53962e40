/**
 * The unit that flows through every stream: a columnar batch of transitions of ONE task.
 * Rows are transitions; vector columns are row-major (row r occupies [r*dim, (r+1)*dim)).
 * A batch holding exactly one whole episode in step order is a Trajectory.
 */
export interface TransitionBatch {
  readonly task: string;
  readonly size: number;
  readonly obsDim: number;
  /** Values per action: the box dimension, or 1 for a discrete action. */
  readonly actDim: number;
  readonly discreteActions: boolean;
  readonly episode: Int32Array;
  readonly step: Int32Array;
  readonly observation: Float32Array;
  readonly nextObservation: Float32Array;
  /** Float32Array for box actions, Int32Array for discrete ones. */
  readonly action: Float32Array | Int32Array;
  readonly reward: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Simulator state after reset/before the step (`physics`) and after it (`nextPhysics`), when stored. */
  readonly physics?: PhysicsColumn;
  /** `reward/<task>` columns added by relabeling, keyed by task. */
  readonly rewards?: Readonly<Record<string, Float32Array>>;
}

export interface PhysicsColumn {
  readonly dim: number;
  /** State before the transition, size*dim values. */
  readonly state: Float64Array;
  /** State after the transition, size*dim values. */
  readonly nextState: Float64Array;
}

/** A batch that holds exactly one whole episode, steps 0..T-1 in order. */
export type Trajectory = TransitionBatch;

export interface BatchShape {
  readonly task: string;
  readonly obsDim: number;
  readonly actDim: number;
  readonly discreteActions: boolean;
  readonly physicsDim?: number;
}

/** Growable builder used by producers (rollouts, readers that re-chunk, mixers). */
export class TransitionBatchBuilder {
  private n = 0;
  private cap: number;
  private episode: Int32Array;
  private step: Int32Array;
  private observation: Float32Array;
  private nextObservation: Float32Array;
  private action: Float32Array | Int32Array;
  private reward: Float32Array;
  private terminated: Uint8Array;
  private truncated: Uint8Array;
  private physState?: Float64Array;
  private physNext?: Float64Array;

  constructor(
    readonly shape: BatchShape,
    initialCapacity = 1024,
  ) {
    this.cap = Math.max(1, initialCapacity);
    this.episode = new Int32Array(this.cap);
    this.step = new Int32Array(this.cap);
    this.observation = new Float32Array(this.cap * shape.obsDim);
    this.nextObservation = new Float32Array(this.cap * shape.obsDim);
    this.action = shape.discreteActions ? new Int32Array(this.cap) : new Float32Array(this.cap * shape.actDim);
    this.reward = new Float32Array(this.cap);
    this.terminated = new Uint8Array(this.cap);
    this.truncated = new Uint8Array(this.cap);
    if (shape.physicsDim) {
      this.physState = new Float64Array(this.cap * shape.physicsDim);
      this.physNext = new Float64Array(this.cap * shape.physicsDim);
    }
  }

  get length(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Float32Array | Int32Array | Uint8Array | Float64Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    const { obsDim, actDim, physicsDim } = this.shape;
    this.episode = g(this.episode, 1);
    this.step = g(this.step, 1);
    this.observation = g(this.observation, obsDim);
    this.nextObservation = g(this.nextObservation, obsDim);
    this.action = g(this.action, this.shape.discreteActions ? 1 : actDim);
    this.reward = g(this.reward, 1);
    this.terminated = g(this.terminated, 1);
    this.truncated = g(this.truncated, 1);
    if (this.physState && this.physNext && physicsDim) {
      this.physState = g(this.physState, physicsDim);
      this.physNext = g(this.physNext, physicsDim);
    }
    this.cap = cap;
  }

  push(t: {
    episode: number;
    step: number;
    observation: ArrayLike<number>;
    action: ArrayLike<number> | number;
    reward: number;
    nextObservation: ArrayLike<number>;
    terminated: boolean;
    truncated: boolean;
    physics?: ArrayLike<number>;
    nextPhysics?: ArrayLike<number>;
  }): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const { obsDim, actDim, physicsDim } = this.shape;
    this.episode[i] = t.episode;
    this.step[i] = t.step;
    this.observation.set(t.observation, i * obsDim);
    this.nextObservation.set(t.nextObservation, i * obsDim);
    if (typeof t.action === 'number') this.action[i * actDim] = t.action;
    else this.action.set(t.action, i * actDim);
    this.reward[i] = t.reward;
    this.terminated[i] = t.terminated ? 1 : 0;
    this.truncated[i] = t.truncated ? 1 : 0;
    if (physicsDim && this.physState && this.physNext) {
      if (!t.physics || !t.nextPhysics) throw new Error('TransitionBatchBuilder: physics expected');
      this.physState.set(t.physics, i * physicsDim);
      this.physNext.set(t.nextPhysics, i * physicsDim);
    }
  }

  /** Returns the rows pushed so far as a batch (copied to exact size) and empties the builder. */
  flush(): TransitionBatch {
    const n = this.n;
    const { obsDim, actDim, physicsDim, task, discreteActions } = this.shape;
    const batch: TransitionBatch = {
      task,
      size: n,
      obsDim,
      actDim,
      discreteActions,
      episode: this.episode.slice(0, n),
      step: this.step.slice(0, n),
      observation: this.observation.slice(0, n * obsDim),
      nextObservation: this.nextObservation.slice(0, n * obsDim),
      action: this.action.slice(0, n * actDim),
      reward: this.reward.slice(0, n),
      terminated: this.terminated.slice(0, n),
      truncated: this.truncated.slice(0, n),
      ...(physicsDim && this.physState && this.physNext
        ? {
            physics: {
              dim: physicsDim,
              state: this.physState.slice(0, n * physicsDim),
              nextState: this.physNext.slice(0, n * physicsDim),
            },
          }
        : {}),
    };
    this.n = 0;
    return batch;
  }
}

/** Rows [start, end) of a batch, as views (no copy). */
export type BatchColumn = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Every column of `b` mapped with `f(column, valuesPerRow)` into a batch of `size` rows: the one
 * place that lists a batch's columns (slicing, copying, reordering and the writer build on it).
 */
export const mapBatchColumns = (b: TransitionBatch, size: number, f: <T extends BatchColumn>(a: T, per: number) => T): TransitionBatch => ({
  task: b.task,
  size,
  obsDim: b.obsDim,
  actDim: b.actDim,
  discreteActions: b.discreteActions,
  episode: f(b.episode, 1),
  step: f(b.step, 1),
  observation: f(b.observation, b.obsDim),
  nextObservation: f(b.nextObservation, b.obsDim),
  action: f(b.action, b.actDim),
  reward: f(b.reward, 1),
  terminated: f(b.terminated, 1),
  truncated: f(b.truncated, 1),
  ...(b.physics ? { physics: { dim: b.physics.dim, state: f(b.physics.state, b.physics.dim), nextState: f(b.physics.nextState, b.physics.dim) } } : {}),
  ...(b.rewards ? { rewards: Object.fromEntries(Object.entries(b.rewards).map(([k, r]) => [k, f(r, 1)])) } : {}),
});

/** Rows [start, end) of `b` as views (no copy), clamped to the batch. */
export const sliceBatch = (b: TransitionBatch, start: number, end: number): TransitionBatch => {
  const s = Math.max(0, start);
  const e = Math.min(b.size, end);
  return mapBatchColumns(b, e - s, <T extends BatchColumn>(a: T, per: number): T => a.subarray(s * per, e * per) as T);
};

/** Concatenates batches of the same task and shape into one (copies). */
export const concatBatches = (bs: readonly TransitionBatch[]): TransitionBatch => {
  if (bs.length === 0) throw new Error('concatBatches: no batches');
  if (bs.length === 1) return bs[0];
  const f = bs[0];
  for (const b of bs) {
    if (b.task !== f.task || b.obsDim !== f.obsDim || b.actDim !== f.actDim || b.discreteActions !== f.discreteActions)
      throw new Error('concatBatches: batches differ in task or shape');
  }
  const cat = <T extends Float32Array | Int32Array | Uint8Array | Float64Array>(parts: T[]): T => {
    const total = parts.reduce((s, p) => s + p.length, 0);
    const out = new (parts[0].constructor as new (n: number) => T)(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const rewardKeys = f.rewards ? Object.keys(f.rewards) : [];
  const allHaveRewards = rewardKeys.filter((k) => bs.every((b) => b.rewards && k in b.rewards));
  return {
    task: f.task,
    size: bs.reduce((s, b) => s + b.size, 0),
    obsDim: f.obsDim,
    actDim: f.actDim,
    discreteActions: f.discreteActions,
    episode: cat(bs.map((b) => b.episode)),
    step: cat(bs.map((b) => b.step)),
    observation: cat(bs.map((b) => b.observation)),
    nextObservation: cat(bs.map((b) => b.nextObservation)),
    action: cat(bs.map((b) => b.action) as Float32Array[]),
    reward: cat(bs.map((b) => b.reward)),
    terminated: cat(bs.map((b) => b.terminated)),
    truncated: cat(bs.map((b) => b.truncated)),
    ...(bs.every((b) => b.physics)
      ? {
          physics: {
            dim: f.physics!.dim,
            state: cat(bs.map((b) => b.physics!.state)),
            nextState: cat(bs.map((b) => b.physics!.nextState)),
          },
        }
      : {}),
    ...(allHaveRewards.length
      ? { rewards: Object.fromEntries(allHaveRewards.map((k) => [k, cat(bs.map((b) => b.rewards![k]))])) }
      : {}),
  };
};

/** Observation row r as a view. */
export const obsRow = (b: TransitionBatch, r: number): Float32Array =>
  b.observation.subarray(r * b.obsDim, (r + 1) * b.obsDim);

/** Undiscounted return of a trajectory (the env reward column). */
export const trajectoryReturn = (t: Trajectory): number => {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.reward[i];
  return s;
};
