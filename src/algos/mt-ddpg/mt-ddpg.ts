import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { mseLoss, type OutputLoss } from '../../nn/loss.ts';
import { SharedMlp, sharedMlpSpec, type TaskBatch } from '../../nn/shared-mlp.ts';

/**
 * MT-DDPG hyper-parameters (D'Eramo et al. 2020, docs/facts.md): per task an input layer to 600
 * units, a shared 600 → 500 layer, per task a head (tanh actions for the actor, one Q for the
 * critic); actor lr 1e-4, critic lr 1e-3, 64 transitions per task per update, soft target
 * updates τ = 1e-3. Ours (the paper does not give them here): γ = 0.99, replay 100000 per task,
 * updates from 1000 stored transitions, Gaussian exploration noise of std 0.1 on the [−1, 1]
 * action scale (the authors' MushroomRL DDPG used Ornstein–Uhlenbeck noise).
 * The critic reads [s, a] in its task's input layer; the authors' critic adds the action at the
 * shared layer through a per-task matrix instead.
 */
export const MtDdpgHyperCodec = t.type({
  hidden: withDefault(t.array(PositiveInt), [600, 500], 'input-block width, then the shared layers’ widths (actor and critic)'),
  actorLr: withDefault(PositiveNumber, 1e-4),
  criticLr: withDefault(PositiveNumber, 1e-3),
  gamma: withDefault(Probability, 0.99),
  tau: withDefault(Probability, 1e-3),
  batchSize: withDefault(PositiveInt, 64),
  replayCapacity: withDefault(PositiveInt, 100_000, 'per task'),
  learningStarts: withDefault(PositiveInt, 1000, 'per task: transitions stored before the first update'),
  explorationNoise: withDefault(PositiveNumber, 0.1, 'std of the Gaussian added to the [−1, 1] action while training'),
});
export type MtDdpgHyper = t.TypeOf<typeof MtDdpgHyperCodec>;
export const MT_DDPG_DEFAULTS: MtDdpgHyper = defaultsOf(MtDdpgHyperCodec);

export interface MtDdpgTasks {
  readonly observationSizes: readonly number[];
  readonly actionSizes: readonly number[];
}

/** One task's batch, row-major; actions on the [−1, 1] scale. */
export interface MtDdpgBatch {
  readonly task: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: ArrayLike<number>;
  readonly nextObservations: Float32Array;
  /** 1 where the transition ended in a terminal state (no bootstrap). */
  readonly terminated: ArrayLike<number>;
}

/**
 * Multi-task DDPG on the shared architecture: an actor μ_t = f_t(h(w_t(s))) with tanh heads and a
 * critic Q_t = g_t(k(v_t([s, a]))), each with a soft-updated target. One batch per task per
 * update; the critics' MSE losses and the actors' −Q losses are each summed over tasks, so the
 * shared blocks learn from every task. With one task it is single-task DDPG, same network.
 */
export class MtDdpg {
  readonly hyper: MtDdpgHyper;
  readonly actor: SharedMlp;
  readonly critic: SharedMlp;
  readonly actorTarget: SharedMlp;
  readonly criticTarget: SharedMlp;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;

  constructor(
    readonly tasks: MtDdpgTasks,
    hyper: Partial<MtDdpgHyper>,
    rng: Rng,
  ) {
    this.hyper = { ...MT_DDPG_DEFAULTS, ...hyper };
    const { hidden } = this.hyper;
    if (hidden.length < 2) throw new Error(`MtDdpg: hidden needs the input width and at least one shared layer, got [${hidden.join(', ')}]`);
    const actorSpec = sharedMlpSpec(tasks.observationSizes, tasks.actionSizes, hidden, 'tanh', 'relu');
    const criticSpec = sharedMlpSpec(tasks.observationSizes.map((n, i) => n + tasks.actionSizes[i]), tasks.actionSizes.map(() => 1), hidden, 'none', 'relu');
    this.actor = SharedMlp.create(actorSpec, rng.split('actor'));
    this.critic = SharedMlp.create(criticSpec, rng.split('critic'));
    this.actorTarget = SharedMlp.create(actorSpec, rng.split('actor-target'));
    this.criticTarget = SharedMlp.create(criticSpec, rng.split('critic-target'));
    this.actorTarget.copyFrom(this.actor);
    this.criticTarget.copyFrom(this.critic);
    this.actorOpt = new Adam(this.actor.params, { lr: this.hyper.actorLr });
    this.criticOpt = new Adam(this.critic.params, { lr: this.hyper.criticLr });
  }

  /** μ_t(s) on the [−1, 1] scale for one observation, plus Gaussian noise (clipped to [−1, 1]) when `noise` is given. */
  act(task: number, observation: Float32Array, noise?: Rng): Float32Array {
    const a = tf.tidy(() => this.actor.predict(task, tf.tensor2d(observation, [1, observation.length])).dataSync()) as Float32Array;
    const out = Float32Array.from(a);
    if (noise) for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i] + this.hyper.explorationNoise * noise.normal()));
    return out;
  }

  /** y = r + γ (1 − terminated) Q̄_t(s', μ̄_t(s')). */
  targets(batch: MtDdpgBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const b = batch.rewards.length;
      const next = tf.tensor2d(batch.nextObservations, [b, batch.nextObservations.length / b]);
      const q = this.criticTarget.predict(batch.task, tf.concat([next, this.actorTarget.predict(batch.task, next)], 1));
      const notDone = tf.tensor2d(Float32Array.from(batch.terminated, (d) => (d ? 0 : this.hyper.gamma)), [b, 1]);
      return tf.add(tf.tensor2d(Float32Array.from(batch.rewards), [b, 1]), tf.mul(notDone, q)) as tf.Tensor2D;
    });
  }

  /** The critics' summed MSE and its gradients (aligned with critic.params); inside tf.tidy. */
  criticLossAndGrads(batches: readonly MtDdpgBatch[]): { losses: tf.Scalar[]; grads: tf.Tensor[] } {
    const taskBatches: TaskBatch[] = batches.map((batch) => {
      const b = batch.rewards.length;
      const s = tf.tensor2d(batch.observations, [b, batch.observations.length / b]);
      const a = tf.tensor2d(batch.actions, [b, batch.actions.length / b]);
      return { task: batch.task, x: tf.concat([s, a], 1), loss: mseLoss(this.targets(batch)) };
    });
    return this.critic.lossAndGrads(taskBatches);
  }

  /**
   * The actors' summed loss −mean Q_t(s, μ_t(s)) and its gradients (aligned with actor.params):
   * dL/dμ = −(1/B) ∂Q/∂a from the critic's input gradient; inside tf.tidy.
   */
  actorLossAndGrads(batches: readonly MtDdpgBatch[]): { losses: tf.Scalar[]; grads: tf.Tensor[] } {
    const taskBatches: TaskBatch[] = batches.map((batch) => {
      const b = batch.rewards.length;
      const obsDim = batch.observations.length / b;
      const s = tf.tensor2d(batch.observations, [b, obsDim]);
      const loss: OutputLoss<tf.Tensor2D> = (mu) => {
        const { y, dx } = this.critic.outputAndInputGrad(batch.task, tf.concat([s, mu], 1), (q) => tf.fill(q.shape, -1 / b));
        return { loss: tf.neg(tf.mean(y)) as tf.Scalar, grad: tf.slice(dx, [0, obsDim], [b, mu.shape[1]]) };
      };
      return { task: batch.task, x: s, loss };
    });
    return this.actor.lossAndGrads(taskBatches);
  }

  /** One critic step, one actor step (on the updated critic), soft target updates. Returns per-task critic and actor losses. */
  update(batches: readonly MtDdpgBatch[]): { critic: number[]; actor: number[] } {
    const critic = tf.tidy(() => {
      const { losses, grads } = this.criticLossAndGrads(batches);
      this.criticOpt.step(grads);
      return losses.map((l) => l.dataSync()[0]);
    });
    const actor = tf.tidy(() => {
      const { losses, grads } = this.actorLossAndGrads(batches);
      this.actorOpt.step(grads);
      return losses.map((l) => l.dataSync()[0]);
    });
    this.actorTarget.softUpdateFrom(this.actor, this.hyper.tau);
    this.criticTarget.softUpdateFrom(this.critic, this.hyper.tau);
    return { critic, actor };
  }

  dispose(): void {
    for (const n of [this.actor, this.critic, this.actorTarget, this.criticTarget]) n.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
  }
}
