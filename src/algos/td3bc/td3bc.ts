import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import type { NamedWeight } from '../../nn/mlp.ts';
import { StateNormalizer } from '../../nn/state-normalizer.ts';
import type { BatchTensors } from '../actor-critic.ts';
import { offlineLearner, type OfflineLearner } from '../learner.ts';
import type { ReplayBuffer, StateStatistics } from '../replay-buffer.ts';
import { Td3, type ActorObjective, type ContinuousDims } from '../td3/td3.ts';

/**
 * TD3+BC hyper-parameters, defaults from Fujimoto & Gu (2021): α 2.5, networks 256-256, lr 3e-4,
 * batch 256, τ 0.005, policy noise 0.2 clipped 0.5, actor every 2 critic updates, γ 0.99;
 * states normalised with the dataset's mean and std (+ `normEps`, 1e-3 in the paper's code).
 */
export const Td3BcHyperCodec = t.type({
  alpha: withDefault(PositiveNumber, 2.5),
  hidden: withDefault(t.array(PositiveInt), [256, 256]),
  actorLr: withDefault(PositiveNumber, 3e-4),
  criticLr: withDefault(PositiveNumber, 3e-4),
  gamma: withDefault(Probability, 0.99),
  tau: withDefault(Probability, 0.005),
  policyNoise: withDefault(PositiveNumber, 0.2),
  noiseClip: withDefault(PositiveNumber, 0.5),
  policyDelay: withDefault(PositiveInt, 2),
  batchSize: withDefault(PositiveInt, 256),
  normalizeStates: withDefault(t.boolean, true),
  normEps: withDefault(PositiveNumber, 1e-3),
});
export type Td3BcHyper = t.TypeOf<typeof Td3BcHyperCodec>;

/** The defaults, as the codec decodes them from {} (written once, in the codec). */
export const TD3BC_DEFAULTS: Td3BcHyper = defaultsOf(Td3BcHyperCodec);

/** λ = α / mean_b |Q(s_b, π(s_b))| (treated as a constant in the actor's gradient). */
export const td3bcLambda = (q: ArrayLike<number>, alpha: number): number => {
  let s = 0;
  for (let i = 0; i < q.length; i++) s += Math.abs(q[i]);
  return alpha / (s / q.length);
};

/**
 * TD3+BC (Fujimoto & Gu 2021): TD3 whose actor minimises −λ·mean Q_1(s, π(s)) + mean (π(s) − a)²,
 * on normalised states. The normalisation (mean, std) is part of the model: `act` takes raw states,
 * `weights()` includes `stateNorm/mean` and `stateNorm/std`.
 */
export class Td3Bc extends Td3 {
  readonly bcHyper: Td3BcHyper;
  readonly norm: StateNormalizer;
  private lastLambda = NaN;

  constructor(dims: ContinuousDims, hyper: Partial<Td3BcHyper>, norm: StateStatistics | undefined, rng: Rng) {
    const h = { ...TD3BC_DEFAULTS, ...hyper };
    super(dims, { ...h, explorationNoise: 0.1 }, rng);
    this.bcHyper = h;
    const mean = new Float32Array(dims.obsDim);
    const std = new Float32Array(dims.obsDim).fill(1);
    if (h.normalizeStates && norm) {
      mean.set(norm.mean);
      for (let k = 0; k < dims.obsDim; k++) std[k] = norm.std[k] + h.normEps;
    }
    this.norm = new StateNormalizer(mean, std);
  }

  /** λ of the last actor update. */
  get lambda(): number {
    return this.lastLambda;
  }

  protected override prepareStates(s: tf.Tensor2D): tf.Tensor2D {
    return this.norm.apply(s);
  }

  protected override actorObjective(q1: tf.Tensor1D, dq1da: tf.Tensor2D, a: tf.Tensor2D, b: BatchTensors): ActorObjective {
    const n = q1.shape[0];
    const lambda = td3bcLambda(q1.dataSync(), this.bcHyper.alpha);
    this.lastLambda = lambda;
    const diff = tf.sub(a, b.action);
    const loss = tf.add(tf.mul(tf.mean(q1), -lambda), tf.mean(tf.square(diff))) as tf.Scalar;
    const grad = tf.add(tf.mul(dq1da, -lambda / n), tf.mul(diff, 2 / diff.size)) as tf.Tensor2D;
    return { loss, grad };
  }

  override act(states: Float32Array, n: number): Float32Array {
    return super.act(this.norm.normalizeInto(states, new Float32Array(states.length), n), n);
  }

  override weights(): NamedWeight[] {
    return [...super.weights(), ...this.norm.weights()];
  }

  override dispose(): void {
    super.dispose();
    this.norm.dispose();
  }
}

/** TD3+BC on a whole offline dataset; the state statistics come from the buffer. */
export const createTd3BcLearner = (buffer: ReplayBuffer, hyper: Partial<Td3BcHyper>, rng: Rng): OfflineLearner & { readonly algo: Td3Bc } => {
  const { obsDim, actDim, discreteActions } = buffer.shape;
  if (discreteActions) throw new Error('TD3+BC needs continuous actions; the dataset has discrete ones');
  const algo = new Td3Bc({ obsDim, actDim }, hyper, buffer.stateStatistics(), rng);
  return offlineLearner(algo, buffer, algo.bcHyper.batchSize);
};
