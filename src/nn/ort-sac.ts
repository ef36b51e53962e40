/**
 * SAC's update (Haarnoja et al. 2018b, as src/algos/sac computes it on tfjs) on ONNX Runtime: the
 * machinery both variants share (an actor, twin critics as one K = 2 ensemble with Polyak targets,
 * Adam, the entropy temperature) and the continuous tanh-Gaussian variant. Every update is one
 * graph: critics, then the actor against the just-updated critics, then the targets, then log α,
 * in the order Sac.update makes them. The reparameterisation noise is drawn by the caller from the
 * run's RNG (sacNoise, Sac.update's draws) and fed in, so runs equal the tfjs runs to float rounding.
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { LOG_STD_MAX, LOG_STD_MIN } from './gaussian.ts';
import { layerWeightNames, mlpSpec, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { addNetState, batchFeeds, flatParams, layerParamsOf, netWeightNames, netWeights, paramAt, polyakOutputs, weightReader, weightShapes, type OrtBatch } from './ort-learner.ts';
import { adamNames, adamParamStep, adamUpdate, ensembleForward, ensembleBackward, ensembleInputGrad, feedAdamScalars, mlpBackward, mlpForward, type LayerParams } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { OrtState } from './ort-state.ts';

/** SacHyper's fields the update reads; `targetEntropy` resolved (no null). */
export interface OrtSacHyper {
  readonly hidden: readonly number[];
  readonly actorLr: number;
  readonly criticLr: number;
  readonly alphaLr: number;
  readonly gamma: number;
  readonly tau: number;
  readonly initialAlpha: number;
  readonly autoEntropy: boolean;
  readonly targetEntropy: number;
}

/** One sampled minibatch; discrete actions are indices. */
export type OrtSacBatch = OrtBatch;

export const SAC_CRITICS = 2;
const NETS = ['actor', 'critic', 'criticTarget'] as const;
type Net = (typeof NETS)[number];
export interface SacSpecs {
  readonly actor: MlpSpec;
  readonly critic: MlpSpec;
}

const membersOf = (net: Net): number | undefined => (net === 'actor' ? undefined : SAC_CRITICS);
const specOf = (specs: SacSpecs, net: Net): MlpSpec => (net === 'actor' ? specs.actor : specs.critic);

/** What a SAC step graph is built from: batch inputs, weight inputs, and the update's tail. */
export interface SacGraphParts {
  readonly g: GraphBuilder;
  readonly obs: Value;
  readonly action: Value;
  readonly reward: Value;
  readonly nextObs: Value;
  readonly done: Value;
  /** α as this update uses it (EntropyTemperature.alpha, fed). */
  readonly alpha: Value;
  /** Rows of the batch as a float scalar. */
  readonly rows: Value;
  readonly actor: LayerParams[];
  readonly critic: LayerParams[];
  readonly criticTarget: LayerParams[];
  /** Adam on the critics: the updated weights (as LayerParams) for the actor's half of the step. */
  readonly stepCritic: (grads: readonly Value[]) => LayerParams[];
  readonly stepActor: (grads: readonly Value[]) => void;
  /** Polyak targets from the updated critics, then (automatic α) one Adam step on log α; builds. */
  readonly finish: (criticNext: readonly LayerParams[], entropy: Value) => ReturnType<GraphBuilder['build']>;
}

/**
 * Declares a SAC step graph's inputs (batch with `actionDims`, α, the three networks with Adam
 * moments for actor and critic, log α with its moments when α is automatic).
 */
export const sacGraphParts = (name: string, specs: SacSpecs, h: OrtSacHyper, actionDims: readonly (number | string)[], adam: Pick<AdamOptions, 'beta1' | 'beta2'> = ADAM_DEFAULTS): SacGraphParts => {
  const g = new GraphBuilder(name);
  const obsDim = specs.actor.sizes[0];
  const obs = g.input('obs', ['batch', obsDim]);
  const action = g.input('action', actionDims);
  const reward = g.input('reward', ['batch']);
  const nextObs = g.input('nextObs', ['batch', obsDim]);
  const done = g.input('done', ['batch']);
  const alpha = g.input('alpha', []);
  const declare = (net: Net): LayerParams[] => {
    const spec = specOf(specs, net);
    const shapes = weightShapes(spec, membersOf(net));
    return layerParamsOf(netWeightNames(net, spec).map((n, i) => g.input(n, shapes[i])));
  };
  const actor = declare('actor');
  const critic = declare('critic');
  const criticTarget = declare('criticTarget');
  const adamStep = (net: 'actor' | 'critic', params: readonly LayerParams[], grads: readonly Value[]): LayerParams[] => {
    const spec = specOf(specs, net);
    const stepSize = g.input(`${net}/stepSize`, []);
    const epsHat = g.input(`${net}/epsHat`, []);
    const shapes = weightShapes(spec, membersOf(net));
    return layerParamsOf(netWeightNames(net, spec).map((n, i) => adamParamStep(g, adam, n, paramAt(params, i), shapes[i], grads[i], stepSize, epsHat)));
  };
  return {
    g,
    obs,
    action,
    reward,
    nextObs,
    done,
    alpha,
    rows: g.dimAsFloat(obs, 0),
    actor,
    critic,
    criticTarget,
    stepCritic: (grads) => adamStep('critic', critic, grads),
    stepActor: (grads) => void adamStep('actor', actor, grads),
    finish: (criticNext, entropy) => {
      polyakOutputs(g, 'criticTarget', specs.critic, SAC_CRITICS, flatParams(criticTarget), flatParams(criticNext), h.tau);
      g.output(entropy, 'entropy', []);
      if (h.autoEntropy) {
        // EntropyTemperature.step: d/d log α of −log α·(log π + H̄) is H(π) − H̄.
        const a = adamNames('logAlpha');
        const next = adamUpdate(g, adam, g.input('logAlpha', []), g.input(a.m, []), g.input(a.v, []), g.sub(entropy, g.scalar(h.targetEntropy)), g.input('temperature/stepSize', []), g.input('temperature/epsHat', []));
        g.output(next.p, a.next, []);
        g.output(next.m, a.nextM, []);
        g.output(next.v, a.nextV, []);
      }
      return g.build();
    },
  };
};

/**
 * SAC's training state on ORT (weights, Adam moments, targets, log α) and the step plumbing both
 * variants share; weights() names everything as Sac.weights() / SacDiscrete.weights() do.
 */
export class OrtSacCore {
  readonly state = new OrtState();
  private readonly adam: { actor: AdamOptions; critic: AdamOptions; temperature: AdamOptions };
  private readonly reads: string[] = [];
  private readonly updates: [string, string][] = [];
  private steps = 0;
  private alphaNow: number;

  constructor(
    readonly specs: SacSpecs,
    readonly hyper: OrtSacHyper,
    /** actor/, critic/, criticTarget/ and logAlpha, as the tfjs learner's weights(). */
    initial: readonly NamedWeight[],
    private readonly session: OrtSession,
    private readonly metricNames: readonly string[],
  ) {
    if (!(hyper.initialAlpha > 0)) throw new Error(`SAC: the initial temperature must be positive, got ${hyper.initialAlpha}`);
    this.adam = {
      actor: { ...ADAM_DEFAULTS, lr: hyper.actorLr },
      critic: { ...ADAM_DEFAULTS, lr: hyper.criticLr },
      temperature: { ...ADAM_DEFAULTS, lr: hyper.alphaLr },
    };
    const take = weightReader(initial, 'SAC');
    for (const net of NETS) {
      const trained = net !== 'criticTarget';
      for (const name of addNetState(this.state, net, specOf(specs, net), membersOf(net), take, trained)) {
        this.reads.push(name);
        if (!trained) this.updates.push([name, `${name}'`]);
        else {
          const a = adamNames(name);
          this.reads.push(a.m, a.v);
          this.updates.push([name, a.next], [a.m, a.nextM], [a.v, a.nextV]);
        }
      }
    }
    this.state.add('logAlpha', [], take('logAlpha'));
    if (hyper.autoEntropy) {
      const a = adamNames('logAlpha');
      this.state.add(a.m, []);
      this.state.add(a.v, []);
      this.reads.push('logAlpha', a.m, a.v);
      this.updates.push(['logAlpha', a.next], [a.m, a.nextM], [a.v, a.nextV]);
    }
    // EntropyTemperature starts from the given α, not exp of its rounded logarithm.
    this.alphaNow = hyper.initialAlpha;
  }

  get updateCount(): number {
    return this.steps;
  }

  /** The temperature the next update uses. */
  get alpha(): number {
    return this.alphaNow;
  }

  /** One step with the batch (and noise) feeds; returns the graph's metrics, α and the entropy. */
  step(feeds: Feeds): Record<string, number> {
    const t = this.steps + 1;
    const alpha = this.alphaNow;
    feeds.alpha = { data: Float32Array.of(alpha), dims: [] };
    for (const net of ['actor', 'critic', 'temperature'] as const) {
      if (net === 'temperature' && !this.hyper.autoEntropy) continue;
      feedAdamScalars(feeds, `${net}/`, this.adam[net], t);
    }
    this.state.feeds(this.reads, feeds);
    const out = this.session.run(feeds, [...this.metricNames, ...this.updates.map(([, o]) => o)], this.state.targets(this.updates));
    this.state.commit(this.updates);
    this.steps = t;
    if (this.hyper.autoEntropy) this.alphaNow = Math.exp(this.state.current('logAlpha')[0]);
    const metrics: Record<string, number> = { alpha };
    for (const n of this.metricNames) metrics[n] = out[n][0];
    return metrics;
  }

  /** The live actor weights (no copy; valid until the next step), named layer{l}/kernel|bias. */
  actorWeights(): NamedWeight[] {
    const spec = this.specs.actor;
    const shapes = weightShapes(spec);
    return layerWeightNames(spec.sizes.length - 1).map((name, i) => ({ name, shape: shapes[i], data: this.state.current(`actor/${name}`) }));
  }

  weights(): NamedWeight[] {
    return [...netWeights(this.state, NETS), ...this.state.weights('logAlpha').map((w) => ({ ...w, name: 'logAlpha' }))];
  }

  dispose(): void {
    this.session.dispose();
  }
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Continuous SAC's specs: actor obs → [μ | log σ] (2·actDim), critics [obs | action] → 1.
 */
export const sacSpecs = (obsDim: number, actDim: number, hidden: readonly number[]): SacSpecs => ({
  actor: mlpSpec([obsDim, ...hidden, 2 * actDim]),
  critic: mlpSpec([obsDim + actDim, ...hidden, 1]),
});

/**
 * The tanh-Gaussian sample of gaussian.ts (splitGaussian, sampleGaussian with squash), written in
 * its operation order: u = μ + σε, a = tanh u and log π(a|s) [B] (log N(u) − Σ log(1 − tanh² u)).
 */
const squashedSample = (g: GraphBuilder, raw: Value, noise: Value) => {
  const [mean, rawLogStd] = g.split(raw, 2, 1);
  const logStd = g.clip(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
  const std = g.exp(logStd);
  const u = g.add(mean, g.mul(std, noise));
  const z = g.mul(g.sub(u, mean), g.exp(g.neg(logStd)));
  const gaussian = g.neg(g.reduceSum(g.add(g.add(g.mul(g.mul(z, z), g.scalar(0.5)), logStd), g.scalar(HALF_LOG_2PI)), [1], false));
  const softplus = g.op('Softplus', [g.mul(u, g.scalar(-2))])[0];
  const logDet = g.reduceSum(g.mul(g.sub(g.sub(g.scalar(Math.log(2)), u), softplus), g.scalar(2)), [1], false);
  return { action: g.tanh(u), logProb: g.sub(gaussian, logDet), rawLogStd, std };
};

/** One continuous SAC update as a graph (inputs and outputs as OrtSac feeds and reads them). */
export const sacStepGraph = (obsDim: number, actDim: number, h: OrtSacHyper) => {
  const specs = sacSpecs(obsDim, actDim, h.hidden);
  const parts = sacGraphParts('sac', specs, h, ['batch', actDim]);
  const { g, obs, action, reward, nextObs, done, alpha, rows } = parts;
  const nextNoise = g.input('nextNoise', ['batch', actDim]);
  const piNoise = g.input('piNoise', ['batch', actDim]);
  // Critics: y = r + γ(1 − done)(min_k Q'_k(s', a') − α log π(a'|s')), a' ~ π(·|s').
  const next = squashedSample(g, mlpForward(g, specs.actor, parts.actor, nextObs).at(-1)!, nextNoise);
  const qNext = g.reshape(ensembleForward(g, specs.critic, parts.criticTarget, g.concat([nextObs, next.action], 1)).at(-1)!, [SAC_CRITICS, -1]);
  const softV = g.sub(g.reduceMin(qNext, [0], false), g.mul(next.logProb, alpha));
  const y = g.add(reward, g.mul(g.mul(g.sub(g.scalar(1), done), g.scalar(h.gamma)), softV));
  const qOuts = ensembleForward(g, specs.critic, parts.critic, g.concat([obs, action], 1));
  const diff = g.sub(qOuts.at(-1)!, g.reshape(y, [1, -1, 1]));
  g.output(g.div(g.reduceSum(g.mul(diff, diff), [0, 1, 2], false), rows), 'criticLoss', []);
  const criticNext = parts.stepCritic(ensembleBackward(g, specs.critic, parts.critic, qOuts, g.mul(diff, g.div(g.scalar(2), rows))));

  // Actor: mean(α log π(a|s) − min_k Q_k(s, a)), a = tanh(μ + σε), against the updated critics.
  const aOuts = mlpForward(g, specs.actor, parts.actor, obs);
  const sample = squashedSample(g, aOuts.at(-1)!, piNoise);
  const cOuts = ensembleForward(g, specs.critic, criticNext, g.concat([obs, sample.action], 1));
  const q = cOuts.at(-1)!;
  const min = g.reduceMin(q, [0], true);
  // The minimising member gets the gradient (the first on ties, as argMin in memberMin).
  const arg = g.op('ArgMin', [q], [{ name: 'axis', kind: 'int', value: 0 }, { name: 'keepdims', kind: 'int', value: 1 }, { name: 'select_last_index', kind: 'int', value: 0 }])[0];
  const mask = g.toFloat(g.op('Equal', [arg, g.reshape(g.ints(Array.from({ length: SAC_CRITICS }, (_, k) => k)), [SAC_CRITICS, 1, 1])])[0]);
  const dLda = g.slice(ensembleInputGrad(g, specs.critic, criticNext, cOuts, g.mul(mask, g.div(g.scalar(-1), rows))), [obsDim], [obsDim + actDim], [1]);
  // d/d[μ | log σ] of α·mean log π + Σ dL/da·tanh u: d(−log det)/du = 2 tanh u, d log π/d log σ = −1
  // besides its path through u (the Gaussian term's z = ε has no gradient); log σ's clamp masks it.
  const c = g.div(alpha, rows);
  const tanhU = sample.action;
  const du = g.add(g.mul(g.mul(tanhU, g.scalar(2)), c), g.mul(dLda, g.sub(g.scalar(1), g.mul(tanhU, tanhU))));
  const dLogStd = g.mul(g.sub(g.mul(g.mul(du, sample.std), piNoise), c), g.insideMask(sample.rawLogStd, LOG_STD_MIN, LOG_STD_MAX));
  parts.stepActor(mlpBackward(g, specs.actor, parts.actor, aOuts, g.concat([du, dLogStd], 1)));
  const meanLogProb = g.reduceMean(sample.logProb, [0], false);
  const meanMin = g.reduceMean(min, [0, 1, 2], false);
  g.output(g.sub(g.mul(alpha, meanLogProb), meanMin), 'actorLoss', []);
  g.output(meanMin, 'q', []);
  return parts.finish(criticNext, g.neg(meanLogProb));
};

/** Sac.update's draws, in its order (after the minibatch): noise for a' ~ π(·|s'), then for the actor's a. */
export const sacNoise = (rng: { fillNormal(out: Float32Array): unknown }, rows: number, actDim: number): { next: Float32Array; pi: Float32Array } => {
  const next = new Float32Array(rows * actDim);
  rng.fillNormal(next);
  const pi = new Float32Array(rows * actDim);
  rng.fillNormal(pi);
  return { next, pi };
};

/** Continuous SAC on ORT; update() returns Sac.update's metrics. */
export class OrtSac {
  private readonly core: OrtSacCore;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly hyper: OrtSacHyper,
    /** Sac.weights(). */
    initial: readonly NamedWeight[],
  ) {
    this.core = new OrtSacCore(sacSpecs(obsDim, actDim, hyper.hidden), hyper, initial, OrtSession.create(sacStepGraph(obsDim, actDim, hyper)), ['criticLoss', 'actorLoss', 'q', 'entropy']);
  }

  get updateCount(): number {
    return this.core.updateCount;
  }

  get alpha(): number {
    return this.core.alpha;
  }

  /** One update; `noise` from sacNoise with the run's RNG after the minibatch draw. */
  update(batch: OrtSacBatch, noise: { readonly next: Float32Array; readonly pi: Float32Array }): Record<string, number> {
    const B = batch.size;
    return this.core.step({
      ...batchFeeds(batch, this.obsDim, [B, this.actDim]),
      nextNoise: { data: noise.next, dims: [B, this.actDim] },
      piNoise: { data: noise.pi, dims: [B, this.actDim] },
    });
  }

  /** The live actor weights (no copy), for a JsMlp that acts between updates. */
  actorWeights(): NamedWeight[] {
    return this.core.actorWeights();
  }

  weights(): NamedWeight[] {
    return this.core.weights();
  }

  dispose(): void {
    this.core.dispose();
  }
}
