import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { MlpEnsemble } from '../../nn/ensemble.ts';
import { sampleGaussian, splitGaussian } from '../../nn/gaussian.ts';
import { Mlp, mlpSpec, type NamedWeight } from '../../nn/mlp.ts';
import { batchTensors, memberMin, softUpdate, stateAction } from '../actor-critic.ts';
import { memberBackward, memberForward, memberOutputs, memberValues } from '../member-ops.ts';
import { onlineLearner, prefixWeights, type ActOptions, type BatchLearner, type Metrics, type OnlineLearner } from '../learner.ts';
import { ReplayBuffer, type SampledBatch } from '../replay-buffer.ts';
import { cloneEnsemble } from '../weights.ts';
import { EntropyTemperature } from './temperature.ts';

/**
 * SAC hyper-parameters (Haarnoja et al. 2018b defaults: 256-256, lr 3e-4 for actor, critics and
 * temperature, γ 0.99, τ 0.005, batch 256, target entropy −dim(A) for continuous actions).
 * `targetEntropy` null means that default (continuous) or 0.98·log|A| (discrete, Christodoulou 2019).
 * `learningStarts` is the number of stored transitions before updates begin.
 */
export const SacHyperCodec = t.type({
  hidden: withDefault(t.array(PositiveInt), [256, 256]),
  actorLr: withDefault(PositiveNumber, 3e-4),
  criticLr: withDefault(PositiveNumber, 3e-4),
  alphaLr: withDefault(PositiveNumber, 3e-4),
  gamma: withDefault(Probability, 0.99),
  tau: withDefault(Probability, 0.005),
  batchSize: withDefault(PositiveInt, 256),
  initialAlpha: withDefault(PositiveNumber, 1),
  autoEntropy: withDefault(t.boolean, true),
  targetEntropy: withDefault(t.union([t.number, t.null]), null),
  learningStarts: withDefault(PositiveInt, 5_000),
  bufferCapacity: withDefault(PositiveInt, 1_000_000),
});
export type SacHyper = t.TypeOf<typeof SacHyperCodec>;

/** The defaults, as the codec decodes them from {} (written once, in the codec). */
export const SAC_DEFAULTS: SacHyper = defaultsOf(SacHyperCodec);

/**
 * SAC for actions in [−1, 1]^d: a tanh-squashed diagonal Gaussian actor ([mean | log std] head),
 * twin critics (one K = 2 ensemble on [state | action]) with Polyak targets, automatic temperature.
 * Target: y = r + γ(1 − done)(min_k Q'_k(s', a') − α log π(a'|s')), a' ~ π(·|s').
 * Actor: minimise mean(α log π(a|s) − min_k Q_k(s, a)), a = tanh(μ + σε) reparameterised.
 */
export class Sac implements BatchLearner {
  readonly hyper: SacHyper;
  readonly actor: Mlp;
  readonly critic: MlpEnsemble;
  readonly criticTarget: MlpEnsemble;
  readonly temperature: EntropyTemperature;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private updates = 0;

  constructor(
    readonly dims: { readonly obsDim: number; readonly actDim: number },
    hyper: Partial<SacHyper>,
    rng: Rng,
  ) {
    this.hyper = { ...SAC_DEFAULTS, ...hyper };
    const h = this.hyper.hidden;
    this.actor = Mlp.create(mlpSpec([dims.obsDim, ...h, 2 * dims.actDim]), rng.split('actor'));
    this.critic = MlpEnsemble.create(mlpSpec([dims.obsDim + dims.actDim, ...h, 1]), 2, rng.split('critic'));
    this.criticTarget = cloneEnsemble(this.critic);
    this.actorOpt = new Adam(this.actor.params, { lr: this.hyper.actorLr });
    this.criticOpt = new Adam(this.critic.params, { lr: this.hyper.criticLr });
    const target = this.hyper.targetEntropy ?? -dims.actDim;
    this.temperature = new EntropyTemperature(this.hyper.initialAlpha, target, this.hyper.alphaLr, this.hyper.autoEntropy);
  }

  get updateCount(): number {
    return this.updates;
  }

  /** tanh(μ(s)) by default; with `explore`, a sample tanh(μ + σε). */
  act(states: Float32Array, n: number, options: ActOptions = {}): Float32Array {
    const d = this.dims.actDim;
    const noise = options.explore ? normals(options.rng, n * d, 'SAC.act') : undefined;
    return tf
      .tidy(() => {
        const g = splitGaussian(this.actor.predict(tf.tensor2d(states, [n, this.dims.obsDim])));
        return (noise ? sampleGaussian(g, tf.tensor2d(noise, [n, d]), true).action : tf.tanh(g.mean)).dataSync() as Float32Array;
      })
      .slice();
  }

  update(batch: SampledBatch, rng: Rng): Metrics {
    const { gamma, tau } = this.hyper;
    const B = batch.size;
    const d = this.dims.actDim;
    const nextNoise = normals(rng, B * d);
    const piNoise = normals(rng, B * d);
    const alpha = this.temperature.alpha;
    const metrics: Metrics = { alpha };
    let entropy = 0;
    tf.tidy(() => {
      const b = batchTensors(batch);
      const next = sampleGaussian(splitGaussian(this.actor.predict(b.nextObs)), tf.tensor2d(nextNoise, [B, d]), true);
      const qNext = memberValues(memberForward(this.criticTarget, stateAction(b.nextObs, next.action)));
      const softV = tf.sub(tf.min(qNext, 0), tf.mul(next.logProb, alpha));
      const y = tf.add(b.reward, tf.mul(tf.mul(tf.sub(1, b.done), gamma), softV));
      const acts = memberForward(this.critic, stateAction(b.obs, b.action));
      const diff = tf.sub(memberOutputs(acts), tf.reshape(y, [1, B, 1]));
      this.criticOpt.step(memberBackward(this.critic, acts, tf.mul(diff, 2 / B) as tf.Tensor3D, { params: true }).grads!);
      metrics.criticLoss = tf.div(tf.sum(tf.square(diff)), B).dataSync()[0];

      // Actor: the gradient reaches the head's outputs through a = tanh(μ + σε) and log π.
      const aOuts = this.actor.forwardAll(b.obs);
      const raw = aOuts[aOuts.length - 1];
      const eps = tf.tensor2d(piNoise, [B, d]);
      const sample = sampleGaussian(splitGaussian(raw), eps, true);
      const cActs = memberForward(this.critic, stateAction(b.obs, sample.action));
      const { min, mask } = memberMin(memberValues(cActs));
      const { inputGrad } = memberBackward(this.critic, cActs, tf.expandDims(tf.mul(mask, -1 / B), 2) as tf.Tensor3D, { input: true });
      const dLda = tf.slice(inputGrad!, [0, this.dims.obsDim], [B, d]);
      const head = (r: tf.Tensor): tf.Scalar => {
        const s = sampleGaussian(splitGaussian(r as tf.Tensor2D), eps, true);
        return tf.add(tf.mul(tf.mean(s.logProb), alpha), tf.sum(tf.mul(dLda, s.action))) as tf.Scalar;
      };
      const dRaw = tf.grad(head)(raw) as tf.Tensor2D;
      this.actorOpt.step(this.actor.backward(aOuts, dRaw));
      const meanLogProb = tf.mean(sample.logProb).dataSync()[0];
      metrics.actorLoss = alpha * meanLogProb - tf.mean(min).dataSync()[0];
      metrics.q = tf.mean(min).dataSync()[0];
      entropy = -meanLogProb;
      softUpdate(this.criticTarget.params, this.critic.params, tau);
    });
    this.temperature.step(entropy);
    metrics.entropy = entropy;
    this.updates += 1;
    return metrics;
  }

  weights(): NamedWeight[] {
    return [
      ...prefixWeights('actor', this.actor.weights()),
      ...prefixWeights('critic', this.critic.weights()),
      ...prefixWeights('criticTarget', this.criticTarget.weights()),
      { name: 'logAlpha', shape: [], data: this.temperature.value().slice() },
    ];
  }

  dispose(): void {
    for (const x of [this.actor, this.critic, this.criticTarget, this.actorOpt, this.criticOpt, this.temperature]) x.dispose();
  }
}

export const normals = (rng: Rng | undefined, n: number, who = 'SAC'): Float32Array => {
  if (!rng) throw new Error(`${who}: sampling needs an rng`);
  return rng.fillNormal(new Float32Array(n)) as Float32Array;
};

/** Continuous SAC with its replay buffer, as the online operators drive it. */
export const createSacLearner = (
  dims: { readonly obsDim: number; readonly actDim: number },
  hyper: Partial<SacHyper>,
  rng: Rng,
): OnlineLearner & { readonly algo: Sac } => {
  const algo = new Sac(dims, hyper, rng);
  const buffer = new ReplayBuffer(algo.hyper.bufferCapacity, { ...dims, discreteActions: false });
  return onlineLearner(algo, buffer, { batchSize: algo.hyper.batchSize, learningStarts: algo.hyper.learningStarts });
};
