import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, PositiveNumber, Probability, oneOf, defaultsOf, withDefault } from '../../core/codecs.ts';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { boundedGaussianSample } from '../../nn/gaussian.ts';
import { StateNormalizer } from '../../nn/state-normalizer.ts';
import { MlpEnsemble } from '../../nn/ensemble.ts';
import { Mlp, mlpSpec, type NamedWeight } from '../../nn/mlp.ts';
import { memberBackward, memberForward, memberValues } from '../member-ops.ts';
import { batchTensors, clippedNoise, criticActionGrad, ensembleQ, memberMin, smoothTargetAction, softUpdate, stateAction } from '../actor-critic.ts';
import { offlineLearner, prefixWeights, type BatchLearner, type Metrics, type OfflineLearner } from '../learner.ts';
import type { ReplayBuffer, SampledBatch, StateStatistics } from '../replay-buffer.ts';
import { cloneEnsemble, restoreNetworks } from '../weights.ts';
import { pbrlCriticStep } from './critic-step.ts';
import { oodPenaltyWeight, pbrlInDistributionTarget } from './targets.ts';

/**
 * Which critics give Q(s', a') in the in-distribution target: `target` networks (Polyak τ, the
 * textbook choice, default) or the `online` critics (what the MOP reference code does).
 */
export type PbrlTargetCritics = 'target' | 'online';

/** A teacher's actor: a tanh actor, or the thesis' bounded Gaussian (src/nn/gaussian.ts). */
export type ActorHead = 'deterministic' | 'gaussian';

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
  /**
   * Budget-relative OOD schedule: when set, β_ood decays geometrically from betaOodInitial to
   * betaOodMin over this fraction of `totalSteps` (replacing betaOodDecay). The thesis' 0.99995
   * per update reaches 0.1 after ≈ 68k updates, 0.068 of its 1M: the same shape at any budget.
   */
  oodDecayFraction: withDefault(t.union([t.null, Probability]), null),
  /** Updates the run will make (needed by oodDecayFraction). */
  totalSteps: withDefault(t.union([t.null, PositiveInt]), null),
  /** Normalise states with the dataset's mean and std (+ normEps), as TD3+BC does; the reference PBRL does not. */
  normalizeStates: withDefault(t.boolean, false),
  normEps: withDefault(PositiveNumber, 1e-3),
  /**
   * `gaussian`: the thesis' stochastic actor (boundedGaussian: tanh outputs [μ | log σ], log σ in
   * (−1, 1)); the actor loss uses reparameterised samples clip(μ + σε, −1, 1), the critics' targets
   * and OOD actions use μ, and μ is the deterministic action. `deterministic`: a tanh actor.
   */
  actorHead: withDefault(oneOf<ActorHead>(['deterministic', 'gaussian'], 'ActorHead'), 'deterministic'),
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
  /** Present when hyper.normalizeStates: part of the model (`stateNorm/*` weights). */
  readonly norm: StateNormalizer | undefined;
  private readonly decay: number;
  private updates = 0;

  constructor(
    readonly dims: { readonly obsDim: number; readonly actDim: number },
    hyper: Partial<PbrlHyper>,
    rng: Rng,
    stats?: StateStatistics,
  ) {
    this.hyper = { ...PBRL_DEFAULTS, ...hyper };
    const h = this.hyper.hidden;
    if (this.hyper.ensembleSize < 2) throw new Error('PBRL needs at least 2 critics (its uncertainty is their standard deviation)');
    this.decay = oodDecayOf(this.hyper);
    if (this.hyper.normalizeStates) {
      if (!stats) throw new Error('PBRL: normalizeStates needs the dataset state statistics');
      this.norm = new StateNormalizer(Float32Array.from(stats.mean), Float32Array.from(stats.std, (x) => x + this.hyper.normEps));
    }
    const outputs = this.hyper.actorHead === 'gaussian' ? 2 * dims.actDim : dims.actDim;
    this.actor = Mlp.create(mlpSpec([dims.obsDim, ...h, outputs], 'tanh'), rng.split('actor'));
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
    const { betaOodInitial: initial, betaOodMin: min } = this.hyper;
    return oodPenaltyWeight(this.updates, { initial, decay: this.decay, min });
  }

  /** States as the networks see them (normalised when hyper.normalizeStates). */
  private prepare(s: tf.Tensor2D): tf.Tensor2D {
    return this.norm ? this.norm.apply(s) : s;
  }

  /** The deterministic action of actor outputs: the tanh outputs, or μ of a Gaussian actor. */
  private meanAction(outputs: tf.Tensor2D): tf.Tensor2D {
    return this.hyper.actorHead === 'gaussian' ? (tf.slice(outputs, [0, 0], [-1, this.dims.actDim]) as tf.Tensor2D) : outputs;
  }

  /** Deterministic actions π(s), n rows (raw states). */
  act(states: Float32Array, n: number): Float32Array {
    return tf.tidy(() => this.actTensor(tf.tensor2d(states, [n, this.dims.obsDim])).dataSync() as Float32Array).slice();
  }

  /** Deterministic actions [B, a] for raw states (caller disposes). */
  actTensor(states: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.meanAction(this.actor.predict(this.prepare(states))));
  }

  /** Q_k(s, a) of the online critics for raw states, [K, B] (caller disposes). */
  critics(states: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => ensembleQ(this.critic, this.prepare(states), actions));
  }

  /** min_k Q_k(s, a) [B] and its gradient with respect to the actions [B, a] (for distillation's Q-loss). */
  minQWithActionGrad(states: tf.Tensor2D, actions: tf.Tensor2D): { readonly q: tf.Tensor1D; readonly grad: tf.Tensor2D } {
    return tf.tidy(() => {
      const { min, mask } = memberMin(this.critics(states, actions));
      return { q: min, grad: criticActionGrad(this.critic, this.prepare(states), actions, mask) };
    });
  }

  update(batch: SampledBatch, rng: Rng): Metrics {
    const { gamma, noiseClip, tau, policyDelay, betaIn, oodSamples: M, oodLossWeight } = this.hyper;
    const B = batch.size;
    const d = this.dims.actDim;
    const { smoothing, ood: oodNoise, actor: actorNoise } = pbrlUpdateNoise(rng, this.hyper, B, d, (this.updates + 1) % policyDelay === 0);
    const betaOod = this.betaOod;
    const metrics: Metrics = { betaOod };
    tf.tidy(() => {
      const raw = batchTensors(batch);
      const b = { ...raw, obs: this.prepare(raw.obs), nextObs: this.prepare(raw.nextObs) };
      const reference = this.hyper.targetCritics === 'target' ? this.criticTarget : this.critic;
      const aNext = smoothTargetAction(this.meanAction(this.actorTarget.predict(b.nextObs)), tf.tensor2d(smoothing, [B, d]), noiseClip);
      const y = pbrlInDistributionTarget(ensembleQ(reference, b.nextObs, aNext), b.reward, b.done, gamma, betaIn);

      pbrlCriticStep(
        {
          critic: this.critic,
          optimizer: this.criticOpt,
          obs: b.obs,
          nextObs: b.nextObs,
          action: b.action,
          target: y,
          piObs: this.meanAction(this.actor.predict(b.obs)),
          piNext: this.meanAction(this.actor.predict(b.nextObs)),
          oodNoise,
          oodSamples: M,
          betaOod,
          oodLossWeight,
        },
        metrics,
      );
      this.updates += 1;

      if (this.updates % policyDelay === 0) {
        metrics.actorLoss = this.actorStep(b.obs, actorNoise);
        softUpdate(this.actorTarget.params, this.actor.params, tau);
        softUpdate(this.criticTarget.params, this.critic.params, tau);
      }
    });
    return metrics;
  }

  /**
   * L = −mean_b min_k Q_k(s, a), a = π(s) (a Gaussian actor: a reparameterised sample with noise
   * `eps`); the gradient flows through the minimising critic of each row.
   */
  private actorStep(obs: tf.Tensor2D, eps: Float32Array | undefined): number {
    return tf.tidy(() => {
      const B = obs.shape[0];
      const aOuts = this.actor.forwardAll(obs);
      const out = aOuts[aOuts.length - 1];
      const sample = eps ? boundedGaussianSample(out, tf.tensor2d(eps, [B, this.dims.actDim])) : undefined;
      const a = sample ? sample.action : out;
      const acts = memberForward(this.critic, stateAction(obs, a));
      const { min, mask } = memberMin(memberValues(acts));
      const { inputGrad } = memberBackward(this.critic, acts, tf.expandDims(tf.mul(mask, -1 / B), 2) as tf.Tensor3D, { input: true });
      const da = tf.slice(inputGrad!, [0, this.dims.obsDim], [B, this.dims.actDim]) as tf.Tensor2D;
      this.actorOpt.step(this.actor.backward(aOuts, sample ? sample.outputGrad(da) : da));
      return -tf.mean(min).dataSync()[0];
    });
  }

  weights(): NamedWeight[] {
    return [
      ...prefixWeights('actor', this.actor.weights()),
      ...prefixWeights('critic', this.critic.weights()),
      ...prefixWeights('actorTarget', this.actorTarget.weights()),
      ...prefixWeights('criticTarget', this.criticTarget.weights()),
      ...(this.norm ? this.norm.weights() : []),
    ];
  }

  setWeights(ws: readonly NamedWeight[]): void {
    restoreNetworks(ws, { actor: this.actor, critic: this.critic, actorTarget: this.actorTarget, criticTarget: this.criticTarget });
  }

  dispose(): void {
    for (const x of [this.actor, this.actorTarget, this.critic, this.criticTarget, this.actorOpt, this.criticOpt]) x.dispose();
    this.norm?.dispose();
  }
}

/**
 * One update's random draws, in the order Pbrl.update makes them (after the minibatch): target
 * smoothing [B·d], OOD action noise [2·M·B·d], and for a Gaussian actor on an update that moves
 * it, ε [B·d] (drawn only then, so a deterministic actor keeps its RNG path). The ORT engine
 * draws through here too, so both engines consume the run's RNG identically.
 */
export const pbrlUpdateNoise = (
  rng: Rng,
  h: Pick<PbrlHyper, 'policyNoise' | 'noiseClip' | 'oodSamples' | 'oodNoiseStd' | 'oodNoiseClip' | 'actorHead'>,
  B: number,
  d: number,
  actorUpdate: boolean,
): { readonly smoothing: Float32Array; readonly ood: Float32Array; readonly actor: Float32Array | undefined } => {
  const smoothing = clippedNoise(rng, B * d, h.policyNoise, h.noiseClip);
  const ood = clippedNoise(rng, 2 * h.oodSamples * B * d, h.oodNoiseStd, h.oodNoiseClip);
  const actor = h.actorHead === 'gaussian' && actorUpdate ? (rng.fillNormal(new Float32Array(B * d)) as Float32Array) : undefined;
  return { smoothing, ood, actor };
};

/** β_ood's per-update factor: betaOodDecay, or the budget-relative one of oodDecayFraction. */
export const oodDecayOf = (h: Pick<PbrlHyper, 'betaOodInitial' | 'betaOodMin' | 'betaOodDecay' | 'oodDecayFraction' | 'totalSteps'>): number => {
  if (h.oodDecayFraction === null) return h.betaOodDecay;
  if (h.totalSteps === null) throw new Error('PBRL: oodDecayFraction needs totalSteps (the run length)');
  if (!(h.betaOodInitial > h.betaOodMin && h.betaOodMin > 0)) return h.betaOodDecay;
  // (min / initial)^(1 / (fraction · T)): β_ood reaches betaOodMin after that many updates.
  return Math.pow(h.betaOodMin / h.betaOodInitial, 1 / Math.max(1, h.oodDecayFraction * h.totalSteps));
}

/** A PBRL teacher on a whole offline dataset. */
export const createPbrlLearner = (buffer: ReplayBuffer, hyper: Partial<PbrlHyper>, rng: Rng): OfflineLearner & { readonly algo: Pbrl } => {
  const { obsDim, actDim, discreteActions } = buffer.shape;
  if (discreteActions) throw new Error('PBRL needs continuous actions; the dataset has discrete ones');
  const algo = new Pbrl({ obsDim, actDim }, hyper, rng, hyper.normalizeStates ? buffer.stateStatistics() : undefined);
  return offlineLearner(algo, buffer, algo.hyper.batchSize);
};
