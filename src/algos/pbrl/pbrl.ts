import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, oneOf, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { MlpEnsemble } from '../../nn/ensemble.ts';
import { Mlp, mlpSpec, type NamedWeight } from '../../nn/mlp.ts';
import { memberBackward, memberForward, memberValues } from '../member-ops.ts';
import { batchTensors, clippedNoise, criticActionGrad, ensembleQ, memberMin, smoothTargetAction, softUpdate, stateAction } from '../actor-critic.ts';
import { offlineLearner, prefixWeights, type BatchLearner, type Metrics, type OfflineLearner } from '../learner.ts';
import type { ReplayBuffer, SampledBatch } from '../replay-buffer.ts';
import { cloneEnsemble, restoreNetworks } from '../weights.ts';
import { pbrlCriticStep } from './critic-step.ts';
import { oodPenaltyWeight, pbrlInDistributionTarget } from './targets.ts';

/**
 * Which critics give Q(s', a') in the in-distribution target: `target` networks (Polyak τ, the
 * textbook choice, default) or the `online` critics (what the MOP reference code does).
 */
export type PbrlTargetCritics = 'target' | 'online';

/**
 * PBRL teacher hyper-parameters, defaults as in docs/facts.md ("PBRL teacher").
 *
 * Choices where the facts are silent (documented, parameters):
 * - `oodNoiseStd` 0.01: "N(0, 0.01)" is read as a *standard deviation* of 0.01, as
 *   torch.normal(0, 0.01) / 0.01·randn mean in PyTorch code (a variance of 0.01 would be std 0.1).
 * - OOD actions are clipped to the action box [−1, 1] after the noise.
 * - The OOD target uses the online critics' own current values (treated as constants): PBRL's OOD
 *   operator is defined on the current Q, and it needs no extra forward pass.
 * - The in-distribution a' comes from the target actor with target smoothing (TD3 style), and the
 *   target networks are updated with the actor, every `policyDelay` critic updates.
 * - Each critic's loss is MSE_in + oodLossWeight·MSE_ood (weight 1).
 */
export const PbrlHyperCodec = t.type({
  hidden: withDefault(t.array(PositiveInt), [256, 256]),
  ensembleSize: withDefault(PositiveInt, 5),
  actorLr: withDefault(PositiveNumber, 1e-4),
  criticLr: withDefault(PositiveNumber, 1e-4),
  batchSize: withDefault(PositiveInt, 1024),
  gamma: withDefault(Probability, 0.99),
  tau: withDefault(Probability, 0.005),
  policyDelay: withDefault(PositiveInt, 2),
  policyNoise: withDefault(PositiveNumber, 0.2),
  noiseClip: withDefault(PositiveNumber, 0.5),
  betaIn: withDefault(t.number, 0.001),
  betaOodInitial: withDefault(t.number, 3.0),
  betaOodDecay: withDefault(Probability, 0.99995),
  betaOodMin: withDefault(t.number, 0.1),
  oodSamples: withDefault(PositiveInt, 3),
  oodNoiseStd: withDefault(t.number, 0.01),
  oodNoiseClip: withDefault(PositiveNumber, 0.5),
  oodLossWeight: withDefault(t.number, 1),
  targetCritics: withDefault(oneOf<PbrlTargetCritics>(['target', 'online'], 'PbrlTargetCritics'), 'target'),
});
export type PbrlHyper = t.TypeOf<typeof PbrlHyperCodec>;

/** The defaults, as the codec decodes them from {} (written once, in the codec). */
export const PBRL_DEFAULTS: PbrlHyper = defaultsOf(PbrlHyperCodec);

/**
 * PBRL (Bai et al. 2022) as the MOP thesis' teacher: a tanh actor s→256→256→a and K critics
 * (s, a)→256→256→1 trained as one batched ensemble (one elementwise Adam over stacked weights is
 * K independent Adams). Per critic update: in-distribution MSE to pbrlInDistributionTarget plus
 * OOD MSE on actions π(s), π(s') (+ small noise) to pbrlOodTarget with the decaying β_ood; the
 * actor maximises min_k Q_k every `policyDelay` critic updates.
 */
export class Pbrl implements BatchLearner {
  readonly hyper: PbrlHyper;
  readonly actor: Mlp;
  readonly actorTarget: Mlp;
  /** The K critics on [state | action] → [K, B, 1]. */
  readonly critic: MlpEnsemble;
  readonly criticTarget: MlpEnsemble;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private updates = 0;

  constructor(
    readonly dims: { readonly obsDim: number; readonly actDim: number },
    hyper: Partial<PbrlHyper>,
    rng: Rng,
  ) {
    this.hyper = { ...PBRL_DEFAULTS, ...hyper };
    const h = this.hyper.hidden;
    if (this.hyper.ensembleSize < 2) throw new Error('PBRL needs at least 2 critics (its uncertainty is their standard deviation)');
    this.actor = Mlp.create(mlpSpec([dims.obsDim, ...h, dims.actDim], 'tanh'), rng.split('actor'));
    this.actorTarget = this.actor.clone();
    this.critic = MlpEnsemble.create(mlpSpec([dims.obsDim + dims.actDim, ...h, 1]), this.hyper.ensembleSize, rng.split('critic'));
    this.criticTarget = cloneEnsemble(this.critic);
    this.actorOpt = new Adam(this.actor.params, { lr: this.hyper.actorLr });
    this.criticOpt = new Adam(this.critic.params, { lr: this.hyper.criticLr });
  }

  get updateCount(): number {
    return this.updates;
  }

  /** β_ood at the current step. */
  get betaOod(): number {
    const { betaOodInitial: initial, betaOodDecay: decay, betaOodMin: min } = this.hyper;
    return oodPenaltyWeight(this.updates, { initial, decay, min });
  }

  /** Deterministic actions π(s), n rows. */
  act(states: Float32Array, n: number): Float32Array {
    return tf.tidy(() => this.actor.predict(tf.tensor2d(states, [n, this.dims.obsDim])).dataSync() as Float32Array).slice();
  }

  /** Deterministic actions [B, a] for a state tensor (caller disposes). */
  actTensor(states: tf.Tensor2D): tf.Tensor2D {
    return this.actor.predict(states);
  }

  /** Q_k(s, a) of the online critics, [K, B] (caller disposes). */
  critics(states: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor2D {
    return ensembleQ(this.critic, states, actions);
  }

  /** min_k Q_k(s, a) [B] and its gradient with respect to the actions [B, a] (for distillation's Q-loss). */
  minQWithActionGrad(states: tf.Tensor2D, actions: tf.Tensor2D): { readonly q: tf.Tensor1D; readonly grad: tf.Tensor2D } {
    return tf.tidy(() => {
      const { min, mask } = memberMin(this.critics(states, actions));
      return { q: min, grad: criticActionGrad(this.critic, states, actions, mask) };
    });
  }

  update(batch: SampledBatch, rng: Rng): Metrics {
    const { gamma, policyNoise, noiseClip, tau, policyDelay, betaIn, oodSamples: M, oodNoiseStd, oodNoiseClip, oodLossWeight } = this.hyper;
    const B = batch.size;
    const d = this.dims.actDim;
    const smoothing = clippedNoise(rng, B * d, policyNoise, noiseClip);
    const oodNoise = clippedNoise(rng, 2 * M * B * d, oodNoiseStd, oodNoiseClip);
    const betaOod = this.betaOod;
    const metrics: Metrics = { betaOod };
    tf.tidy(() => {
      const b = batchTensors(batch);
      const reference = this.hyper.targetCritics === 'target' ? this.criticTarget : this.critic;
      const aNext = smoothTargetAction(this.actorTarget.predict(b.nextObs), tf.tensor2d(smoothing, [B, d]), noiseClip);
      const y = pbrlInDistributionTarget(ensembleQ(reference, b.nextObs, aNext), b.reward, b.done, gamma, betaIn);

      pbrlCriticStep(
        {
          critic: this.critic,
          optimizer: this.criticOpt,
          obs: b.obs,
          nextObs: b.nextObs,
          action: b.action,
          target: y,
          piObs: this.actor.predict(b.obs),
          piNext: this.actor.predict(b.nextObs),
          oodNoise,
          oodSamples: M,
          betaOod,
          oodLossWeight,
        },
        metrics,
      );
      this.updates += 1;

      if (this.updates % policyDelay === 0) {
        metrics.actorLoss = this.actorStep(b.obs);
        softUpdate(this.actorTarget.params, this.actor.params, tau);
        softUpdate(this.criticTarget.params, this.critic.params, tau);
      }
    });
    return metrics;
  }

  /** L = −mean_b min_k Q_k(s, π(s)); the gradient flows through the minimising critic of each row. */
  private actorStep(obs: tf.Tensor2D): number {
    return tf.tidy(() => {
      const B = obs.shape[0];
      const aOuts = this.actor.forwardAll(obs);
      const a = aOuts[aOuts.length - 1];
      const acts = memberForward(this.critic, stateAction(obs, a));
      const { min, mask } = memberMin(memberValues(acts));
      const { inputGrad } = memberBackward(this.critic, acts, tf.expandDims(tf.mul(mask, -1 / B), 2) as tf.Tensor3D, { input: true });
      const da = tf.slice(inputGrad!, [0, this.dims.obsDim], [B, this.dims.actDim]) as tf.Tensor2D;
      this.actorOpt.step(this.actor.backward(aOuts, da));
      return -tf.mean(min).dataSync()[0];
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

  setWeights(ws: readonly NamedWeight[]): void {
    restoreNetworks(ws, { actor: this.actor, critic: this.critic, actorTarget: this.actorTarget, criticTarget: this.criticTarget });
  }

  dispose(): void {
    for (const x of [this.actor, this.actorTarget, this.critic, this.criticTarget, this.actorOpt, this.criticOpt]) x.dispose();
  }
}

/** A PBRL teacher on a whole offline dataset. */
export const createPbrlLearner = (buffer: ReplayBuffer, hyper: Partial<PbrlHyper>, rng: Rng): OfflineLearner & { readonly algo: Pbrl } => {
  const { obsDim, actDim, discreteActions } = buffer.shape;
  if (discreteActions) throw new Error('PBRL needs continuous actions; the dataset has discrete ones');
  const algo = new Pbrl({ obsDim, actDim }, hyper, rng);
  return offlineLearner(algo, buffer, algo.hyper.batchSize);
};
