import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { MlpEnsemble } from '../../nn/ensemble.ts';
import { Mlp, mlpSpec, type NamedWeight } from '../../nn/mlp.ts';
import { batchTensors, clippedDoubleQTarget, clippedNoise, smoothTargetAction, softUpdate, stateAction, type BatchTensors } from '../actor-critic.ts';
import { memberBackward, memberForward, memberOutputs, memberValues } from '../member-ops.ts';
import { onlineLearner, prefixWeights, type ActOptions, type BatchLearner, type Metrics, type OnlineLearner } from '../learner.ts';
import { ReplayBuffer, type SampledBatch } from '../replay-buffer.ts';
import { cloneEnsemble, restoreNetworks } from '../weights.ts';

/**
 * TD3 hyper-parameters. Defaults are the MOP thesis' behavior-policy settings (docs/facts.md: hidden
 * 1024, lr 1e-4, exploration noise 0.3, actor every 2 critic updates, τ 0.01) and TD3's own
 * (γ 0.99, target smoothing noise 0.2 clipped 0.5). `hidden` is the list of hidden widths: pass
 * [256, 256] or smaller for laptop budgets. `learningStarts` (not published in the thesis) is the
 * number of stored transitions before updates begin; `batchSize` 256 as in the TD3 paper.
 */
export const Td3HyperCodec = t.type({
  hidden: withDefault(t.array(PositiveInt), [1024, 1024]),
  actorLr: withDefault(PositiveNumber, 1e-4),
  criticLr: withDefault(PositiveNumber, 1e-4),
  gamma: withDefault(Probability, 0.99),
  tau: withDefault(Probability, 0.01),
  policyNoise: withDefault(PositiveNumber, 0.2),
  noiseClip: withDefault(PositiveNumber, 0.5),
  explorationNoise: withDefault(PositiveNumber, 0.3),
  policyDelay: withDefault(PositiveInt, 2),
  batchSize: withDefault(PositiveInt, 256),
  learningStarts: withDefault(PositiveInt, 10_000),
  bufferCapacity: withDefault(PositiveInt, 1_000_000),
});
export type Td3Hyper = t.TypeOf<typeof Td3HyperCodec>;

/** The defaults, as the codec decodes them from {} (written once, in the codec). */
export const TD3_DEFAULTS: Td3Hyper = defaultsOf(Td3HyperCodec);

export interface ContinuousDims {
  readonly obsDim: number;
  readonly actDim: number;
}

/** The actor's objective at a = π(s): its value and dL/da [B, d] (network-free pieces). */
export interface ActorObjective {
  readonly loss: tf.Scalar;
  readonly grad: tf.Tensor2D;
}

/**
 * TD3's exploration, in place: a_i ← clip(a_i + N(0, σ²), −1, 1), one draw per entry in order (the
 * ORT engine's acting draws through this too, so both engines consume the run's RNG alike).
 */
export const addExplorationNoise = (a: Float32Array, sigma: number, rng: Rng): Float32Array => {
  for (let i = 0; i < a.length; i++) a[i] = Math.max(-1, Math.min(1, a[i] + rng.normal(0, sigma)));
  return a;
};

/**
 * TD3 (Fujimoto et al. 2018) for actions in [−1, 1]^d: tanh actor, twin critics as one K = 2
 * ensemble on [state | action], target networks with Polyak τ, target policy smoothing, delayed
 * actor and target updates. The actor maximises Q_1 (member 0), as in the paper.
 */
export class Td3 implements BatchLearner {
  readonly hyper: Td3Hyper;
  readonly actor: Mlp;
  readonly actorTarget: Mlp;
  readonly critic: MlpEnsemble;
  readonly criticTarget: MlpEnsemble;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private updates = 0;

  constructor(
    readonly dims: ContinuousDims,
    hyper: Partial<Td3Hyper>,
    rng: Rng,
  ) {
    this.hyper = { ...TD3_DEFAULTS, ...hyper };
    const h = this.hyper.hidden;
    this.actor = Mlp.create(mlpSpec([dims.obsDim, ...h, dims.actDim], 'tanh'), rng.split('actor'));
    this.actorTarget = this.actor.clone();
    this.critic = MlpEnsemble.create(mlpSpec([dims.obsDim + dims.actDim, ...h, 1]), 2, rng.split('critic'));
    this.criticTarget = cloneEnsemble(this.critic);
    this.actorOpt = new Adam(this.actor.params, { lr: this.hyper.actorLr });
    this.criticOpt = new Adam(this.critic.params, { lr: this.hyper.criticLr });
  }

  /** Critic updates done so far. */
  get updateCount(): number {
    return this.updates;
  }

  act(states: Float32Array, n: number, options: ActOptions = {}): Float32Array {
    const a = tf.tidy(() => this.actor.predict(tf.tensor2d(states, [n, this.dims.obsDim])).dataSync() as Float32Array).slice();
    if (options.explore) {
      if (!options.rng) throw new Error('TD3.act: exploration needs an rng');
      addExplorationNoise(a, this.hyper.explorationNoise, options.rng);
    }
    return a;
  }

  /** States as the networks see them (TD3+BC normalises them). */
  protected prepareStates(s: tf.Tensor2D): tf.Tensor2D {
    return s;
  }

  /** TD3: maximise Q_1, L = −mean_b Q_1(s, π(s)). `dq1da` is d(Σ_b Q_1)/da. */
  protected actorObjective(q1: tf.Tensor1D, dq1da: tf.Tensor2D, _a: tf.Tensor2D, _b: BatchTensors): ActorObjective {
    const n = q1.shape[0];
    return { loss: tf.neg(tf.mean(q1)) as tf.Scalar, grad: tf.mul(dq1da, -1 / n) as tf.Tensor2D };
  }

  update(batch: SampledBatch, rng: Rng): Metrics {
    const { gamma, policyNoise, noiseClip, tau, policyDelay } = this.hyper;
    const B = batch.size;
    const d = this.dims.actDim;
    const noise = clippedNoise(rng, B * d, policyNoise, noiseClip);
    const metrics: Metrics = {};
    tf.tidy(() => {
      const raw = batchTensors(batch);
      const b: BatchTensors = { ...raw, obs: this.prepareStates(raw.obs), nextObs: this.prepareStates(raw.nextObs) };

      // Critics: y = r + γ(1 − done) min_k Q'_k(s', clip(π'(s') + ε, −1, 1)).
      const aNext = smoothTargetAction(this.actorTarget.predict(b.nextObs), tf.tensor2d(noise, [B, d]), noiseClip);
      const qNext = memberValues(memberForward(this.criticTarget, stateAction(b.nextObs, aNext)));
      const y = clippedDoubleQTarget(qNext, b.reward, b.done, gamma);
      const acts = memberForward(this.critic, stateAction(b.obs, b.action));
      const q = memberOutputs(acts);
      // Σ_k MSE(Q_k, y): each member's own loss, as the reference's MSE(Q1) + MSE(Q2).
      const diff = tf.sub(q, tf.reshape(y, [1, B, 1]));
      const criticLoss = tf.div(tf.sum(tf.square(diff)), B);
      this.criticOpt.step(memberBackward(this.critic, acts, tf.mul(diff, 2 / B) as tf.Tensor3D, { params: true }).grads!);
      metrics.criticLoss = criticLoss.dataSync()[0];
      metrics.q = tf.mean(q).dataSync()[0];
      this.updates += 1;

      if (this.updates % policyDelay === 0) {
        metrics.actorLoss = this.actorStep(b);
        softUpdate(this.actorTarget.params, this.actor.params, tau);
        softUpdate(this.criticTarget.params, this.critic.params, tau);
      }
    });
    return metrics;
  }

  private actorStep(b: BatchTensors): number {
    return tf.tidy(() => {
      const B = b.obs.shape[0];
      const aOuts = this.actor.forwardAll(b.obs);
      const a = aOuts[aOuts.length - 1];
      // Only Q_1 (member 0) enters the actor's objective.
      const acts = memberForward(this.critic, stateAction(b.obs, a), [0]);
      const q1 = tf.reshape(memberValues(acts), [B]) as tf.Tensor1D;
      const { inputGrad } = memberBackward(this.critic, acts, [tf.ones([B, 1])], { input: true });
      const dq1da = tf.slice(inputGrad!, [0, this.dims.obsDim], [B, this.dims.actDim]);
      const { loss, grad } = this.actorObjective(q1, dq1da, a, b);
      this.actorOpt.step(this.actor.backward(aOuts, grad));
      return loss.dataSync()[0];
    });
  }

  weights(): NamedWeight[] {
    return [
      ...prefixWeights('actor', this.actor.weights()),
      ...prefixWeights('critic', this.critic.weights()),
      ...prefixWeights('actorTarget', this.actorTarget.weights()),
      ...prefixWeights('criticTarget', this.criticTarget.weights()),
    ];
  }

  /** Restores networks from `weights()` output (optimizer state starts fresh). */
  setWeights(ws: readonly NamedWeight[]): void {
    restoreNetworks(ws, { actor: this.actor, critic: this.critic, actorTarget: this.actorTarget, criticTarget: this.criticTarget });
  }

  dispose(): void {
    for (const x of [this.actor, this.actorTarget, this.critic, this.criticTarget, this.actorOpt, this.criticOpt]) x.dispose();
  }
}

/** TD3 with its replay buffer, as the online operators drive it. */
export const createTd3Learner = (dims: ContinuousDims, hyper: Partial<Td3Hyper>, rng: Rng): OnlineLearner & { readonly algo: Td3 } => {
  const algo = new Td3(dims, hyper, rng);
  const buffer = new ReplayBuffer(algo.hyper.bufferCapacity, { ...dims, discreteActions: false });
  return onlineLearner(algo, buffer, { batchSize: algo.hyper.batchSize, learningStarts: algo.hyper.learningStarts });
};
