import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import type { OutputLoss } from '../../nn/loss.ts';
import { JsMlp } from '../../nn/js-mlp.ts';
import { mlpSpec, type NamedWeight } from '../../nn/mlp.ts';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { SharedMlp, sharedMlpSpec, type TaskBatch, type TaskTransitionBatch } from '../../nn/shared-mlp.ts';

/**
 * MT-DQN hyper-parameters (D'Eramo et al. 2020, docs/facts.md): per-task input Linear(n_t → 80),
 * shared 80 → 80 → 80, per-task head; Adam 1e-3; 100 transitions per task per update; the target
 * network copied every 100 updates; the smooth-L1 (Huber, δ = 1) TD loss of the authors' code,
 * averaged over each task's batch and summed over tasks; replay 5000 per task; ε from 1 to 0.01
 * over 5000 steps; updates start once 100 transitions (one batch) are stored (the authors' initial
 * replay size). `hidden` = [input width, shared widths…]. γ is set per environment in the paper;
 * 0.99 is ours.
 */
export const MtDqnHyperCodec = t.type({
  hidden: withDefault(t.array(PositiveInt), [80, 80, 80]),
  lr: withDefault(PositiveNumber, 1e-3),
  gamma: withDefault(Probability, 0.99),
  batchSize: withDefault(PositiveInt, 100),
  targetUpdate: withDefault(PositiveInt, 100),
  huberDelta: withDefault(PositiveNumber, 1),
  /** Per task: transitions kept (the oldest overwritten). */
  replayCapacity: withDefault(PositiveInt, 5000),
  /** Per task: transitions stored before the first update. */
  learningStarts: withDefault(PositiveInt, 100),
  /** ε of ε-greedy decays linearly from `epsilonStart` to `epsilonEnd` over `epsilonSteps` steps of each task. */
  epsilonStart: withDefault(Probability, 1),
  epsilonEnd: withDefault(Probability, 0.01),
  epsilonSteps: withDefault(PositiveInt, 5000),
});
export type MtDqnHyper = t.TypeOf<typeof MtDqnHyperCodec>;

/** The defaults, as the codec decodes them from {} (written once, in the codec). */
export const MT_DQN_DEFAULTS: MtDqnHyper = defaultsOf(MtDqnHyperCodec);

/** Each task's observation size and number of actions. */
export interface MtDqnTasks {
  readonly observationSizes: readonly number[];
  readonly actionCounts: readonly number[];
}

/** One task's batch of transitions, row-major. */
export type MtDqnBatch = TaskTransitionBatch;

/** Huber loss mean over the batch of Q(s, a) − y, and its gradient on the whole head output (zero off the taken action). */
export const huberTdLoss =
  (actions: ArrayLike<number>, targets: Float32Array, delta: number): OutputLoss<tf.Tensor2D> =>
  (q) => {
    const [b, n] = q.shape;
    const qs = q.dataSync();
    const grad = new Float32Array(b * n);
    let loss = 0;
    for (let r = 0; r < b; r++) {
      const i = r * n + actions[r];
      const d = qs[i] - targets[r];
      const ad = Math.abs(d);
      loss += ad <= delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
      grad[i] = (ad <= delta ? d : delta * Math.sign(d)) / b;
    }
    return { loss: tf.scalar(loss / b), grad: tf.tensor2d(grad, [b, n]) };
  };

/** The linearly decayed exploration rate after `step` steps of a task. */
export const epsilonAt = (hyper: MtDqnHyper, step: number): number =>
  hyper.epsilonEnd + (hyper.epsilonStart - hyper.epsilonEnd) * Math.max(0, 1 - step / hyper.epsilonSteps);

/**
 * Multi-task DQN on the shared architecture: one online and one target `SharedMlp`, one batch per
 * task per update, the tasks' losses summed. A single task is the single-task DQN baseline with
 * the same network. `trainShared: false` keeps the shared block fixed (the transfer experiment).
 */
export class MtDqn {
  readonly hyper: MtDqnHyper;
  readonly online: SharedMlp;
  readonly target: SharedMlp;
  readonly optimizer: Adam;
  private updates = 0;

  constructor(
    readonly tasks: MtDqnTasks,
    hyper: Partial<MtDqnHyper>,
    rng: Rng,
    options: { readonly trainShared?: boolean } = {},
  ) {
    this.hyper = { ...MT_DQN_DEFAULTS, ...hyper };
    if (this.hyper.hidden.length < 2) throw new Error(`MtDqn: hidden needs the input width and at least one shared layer, got [${this.hyper.hidden.join(', ')}]`);
    const spec = sharedMlpSpec(tasks.observationSizes, tasks.actionCounts, this.hyper.hidden, 'none', 'relu');
    this.online = SharedMlp.create(spec, rng.split('online'));
    this.target = SharedMlp.create(spec, rng.split('target'));
    this.target.copyFrom(this.online);
    // In `params` order, so that the gradients filtered in `update` line up with them.
    const shared = new Set<tf.Variable>(this.online.shared.params);
    const trainable = options.trainShared === false ? this.online.params.filter((p) => !shared.has(p)) : this.online.params;
    this.optimizer = new Adam(trainable, { lr: this.hyper.lr });
  }

  get updateCount(): number {
    return this.updates;
  }

  /**
   * Q_t(s, ·) for one observation of task t (a new array). Acting evaluates one observation at a
   * time, so this runs the online weights in plain typed arrays (JsMlp), copied after each update.
   */
  qValues(task: number, observation: ArrayLike<number>): Float32Array {
    const js = (this.js ??= this.copyForActing());
    const n = this.tasks.observationSizes[task];
    const a = js.inputs[task].forward1(observation.length === n ? observation : Array.prototype.slice.call(observation, 0, n));
    return Float32Array.from(js.heads[task].forward1(js.shared.forward1(a)));
  }

  private js?: { inputs: JsMlp[]; shared: JsMlp; heads: JsMlp[] };

  private copyForActing(): { inputs: JsMlp[]; shared: JsMlp; heads: JsMlp[] } {
    const w = this.online.weights();
    const { hidden } = this.hyper;
    const top = hidden[hidden.length - 1];
    return {
      inputs: this.tasks.observationSizes.map((n, i) => JsMlp.fromWeights(mlpSpec([n, hidden[0]], 'relu', 'relu'), w, `task${i}/input/`)),
      shared: JsMlp.fromWeights(mlpSpec(hidden, 'relu', 'relu'), w, 'shared/'),
      heads: this.tasks.actionCounts.map((n, i) => JsMlp.fromWeights(mlpSpec([top, n], 'none', 'relu'), w, `task${i}/head/`)),
    };
  }

  /** ε-greedy: uniform with probability ε, else the first action of highest Q (ties to the lowest index). */
  act(task: number, observation: ArrayLike<number>, epsilon: number, rng: Rng): number {
    const n = this.tasks.actionCounts[task];
    if (rng.uniform() < epsilon) return rng.int(n);
    const q = this.qValues(task, observation);
    let best = 0;
    for (let a = 1; a < n; a++) if (q[a] > q[best]) best = a;
    return best;
  }

  /** y = r + γ (1 − terminated) max_a' Q̄_t(s', a') from the target network. */
  targets(batch: MtDqnBatch): Float32Array {
    const b = batch.rewards.length;
    const width = batch.nextObservations.length / b;
    const next = tf.tidy(() => this.target.predict(batch.task, tf.tensor2d(batch.nextObservations, [b, width])).dataSync());
    const n = this.tasks.actionCounts[batch.task];
    const y = new Float32Array(b);
    for (let r = 0; r < b; r++) {
      let max = -Infinity;
      for (let a = 0; a < n; a++) max = Math.max(max, next[r * n + a]);
      y[r] = batch.rewards[r] + (batch.terminated[r] ? 0 : this.hyper.gamma * max);
    }
    return y;
  }

  /** The summed TD loss and its gradients (aligned with `online.params`); call inside tf.tidy or dispose them. */
  lossAndGrads(batches: readonly MtDqnBatch[]): { loss: tf.Scalar; losses: tf.Scalar[]; grads: tf.Tensor[] } {
    const taskBatches: TaskBatch[] = batches.map((batch) => {
      const b = batch.rewards.length;
      return {
        task: batch.task,
        x: tf.tensor2d(batch.observations, [b, batch.observations.length / b]),
        loss: huberTdLoss(batch.actions, this.targets(batch), this.hyper.huberDelta),
      };
    });
    return this.online.lossAndGrads(taskBatches);
  }

  /** One Adam step on the summed loss; copies the online network into the target every `targetUpdate` updates. Returns each task's loss. */
  update(batches: readonly MtDqnBatch[]): number[] {
    const losses = tf.tidy(() => {
      const { losses, grads } = this.lossAndGrads(batches);
      const trainable = new Set(this.optimizer.params);
      const params = this.online.params;
      this.optimizer.step(grads.filter((_, i) => trainable.has(params[i])));
      return losses.map((l) => l.dataSync()[0]);
    });
    this.updates++;
    this.js = undefined;
    if (this.updates % this.hyper.targetUpdate === 0) this.target.copyFrom(this.online);
    return losses;
  }

  /** The shared block's weights (`shared/layer<l>/…`): what the transfer experiment carries to a held-out task. */
  sharedWeights(): NamedWeight[] {
    return this.online.weights().filter((w) => w.name.startsWith('shared/'));
  }

  /** Loads shared-block weights from `sharedWeights()` of a network with the same `hidden` sizes, into the online and target networks. */
  loadSharedWeights(weights: readonly NamedWeight[]): void {
    const byName = new Map(weights.map((w) => [w.name, w]));
    const mine = this.online.shared.weights();
    for (const w of mine) {
      const given = byName.get(`shared/${w.name}`);
      if (!given || given.data.length !== w.data.length || given.shape.join() !== w.shape.join())
        throw new DistilleryFailure(distilleryError('bad-file', `MT-DQN: shared weight shared/${w.name} is ${given ? `[${given.shape.join(', ')}]` : 'missing'}, the network needs [${w.shape.join(', ')}]`));
    }
    this.online.shared.params.forEach((p, i) => p.assign(tf.tensor(byName.get(`shared/${mine[i].name}`)!.data, p.shape)));
    this.target.copyFrom(this.online);
    this.js = undefined;
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}
