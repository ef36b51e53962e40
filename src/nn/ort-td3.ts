/**
 * The TD3 update (Fujimoto et al. 2018, as src/algos/td3 computes it on tfjs) on ONNX Runtime, and
 * TD3+BC's (Fujimoto & Gu 2021) as its variant: one graph for a critic-only update and one for
 * critic + delayed actor + Polyak targets. The two differ only in the actor's objective (TD3:
 * −mean Q_1; TD3+BC: −λ·mean Q_1 + mean (π(s) − a)² on normalised states), so one description
 * builds both. The target-smoothing noise is drawn by the caller from the run's RNG (clippedNoise,
 * as Td3.update draws it) and fed in, so runs stay deterministic and equal to the tfjs path.
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { JsMlp } from './js-mlp.ts';
import { mlpSpec, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { addNetState, batchFeeds, feedStateNorm, flatParams, layerParamsOf, netWeightNames, netWeights, normalizedStates, paramAt, polyakOutputs, stateNormOf, stateNormWeights, weightReader, weightShapes, type OrtBatch, type OrtStateNorm } from './ort-learner.ts';
import { adamNames, adamParamStep, ensembleBackward, ensembleForward, ensembleInputGrad, feedAdamScalars, mlpBackward, mlpForward, type LayerParams } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { OrtState } from './ort-state.ts';

export interface OrtTd3Hyper {
  readonly hidden: readonly number[];
  readonly actorLr: number;
  readonly criticLr: number;
  readonly gamma: number;
  readonly tau: number;
  readonly noiseClip: number;
  readonly policyDelay: number;
}

/** TD3+BC's part of the update: the BC-regularised actor objective with weight α, on normalised states. */
export interface OrtBehaviorCloning {
  readonly alpha: number;
}

export type { OrtBatch } from './ort-learner.ts';

const CRITICS = 2;
const NETS = ['actor', 'critic', 'actorTarget', 'criticTarget'] as const;

const specs = (obsDim: number, actDim: number, hidden: readonly number[]) => ({
  actor: mlpSpec([obsDim, ...hidden, actDim], 'tanh'),
  critic: mlpSpec([obsDim + actDim, ...hidden, 1]),
});

/** One update step's graph; `bc` given: TD3+BC's (normalised states, BC actor objective), else TD3's. */
export const td3StepGraph = (
  obsDim: number,
  actDim: number,
  h: OrtTd3Hyper,
  adam: Pick<AdamOptions, 'beta1' | 'beta2'>,
  withActor: boolean,
  bc?: OrtBehaviorCloning,
) => {
  const algo = bc ? 'td3bc' : 'td3';
  const g = new GraphBuilder(withActor ? `${algo}-critic-actor` : `${algo}-critic`);
  const { actor: aSpec, critic: cSpec } = specs(obsDim, actDim, h.hidden);
  const obs = g.input('obs', ['batch', obsDim]);
  const action = g.input('action', ['batch', actDim]);
  const reward = g.input('reward', ['batch']);
  const nextObs = g.input('nextObs', ['batch', obsDim]);
  const done = g.input('done', ['batch']);
  const noise = g.input('noise', ['batch', actDim]);
  const declare = (net: string, spec: MlpSpec, members?: number): LayerParams[] => {
    const shapes = weightShapes(spec, members);
    return layerParamsOf(netWeightNames(net, spec).map((n, i) => g.input(n, shapes[i])));
  };
  const actor = declare('actor', aSpec);
  const critic = declare('critic', cSpec, CRITICS);
  const actorTarget = declare('actorTarget', aSpec);
  const criticTarget = declare('criticTarget', cSpec, CRITICS);
  const emit = (v: Value, name: string, dims: readonly (number | string)[]): void => g.output(v, name, dims);
  const adamStep = (net: 'actor' | 'critic', spec: MlpSpec, params: readonly LayerParams[], grads: readonly Value[], members?: number): Value[] => {
    const stepSize = g.input(`${net}/stepSize`, []);
    const epsHat = g.input(`${net}/epsHat`, []);
    const shapes = weightShapes(spec, members);
    return netWeightNames(net, spec).map((name, i) => adamParamStep(g, adam, name, paramAt(params, i), shapes[i], grads[i], stepSize, epsHat));
  };

  // States as the networks see them: TD3+BC's (s − mean)·(1/std), as StateNormalizer.apply; TD3's as they are.
  const { s, s2 } = bc ? normalizedStates(g, obsDim, obs, nextObs) : { s: obs, s2: nextObs };
  const rows = g.dimAsFloat(obs, 0);
  // Critics: y = r + γ(1 − done)·min_k Q'_k(s', clip(π'(s') + clip(ε, ±c), −1, 1)).
  const aTarget = mlpForward(g, aSpec, actorTarget, s2).at(-1)!;
  const aNext = g.clip(g.add(aTarget, g.clip(noise, -h.noiseClip, h.noiseClip)), -1, 1);
  const qNext = ensembleForward(g, cSpec, criticTarget, g.concat([s2, aNext], 1)).at(-1)!;
  const minNext = g.reshape(g.reduceMin(qNext, [0], false), [-1]);
  const y = g.add(reward, g.mul(g.mul(g.sub(g.scalar(1), done), g.scalar(h.gamma)), minNext));
  const qOuts = ensembleForward(g, cSpec, critic, g.concat([s, action], 1));
  const q = qOuts.at(-1)!;
  // Σ_k MSE(Q_k, y) over B rows, gradient 2(Q_k − y)/B.
  const diff = g.sub(q, g.reshape(y, [1, -1, 1]));
  emit(g.div(g.reduceSum(g.mul(diff, diff), [0, 1, 2], false), rows), 'criticLoss', []);
  emit(g.reduceMean(q, [0, 1, 2], false), 'q', []);
  const criticNext = adamStep('critic', cSpec, critic, ensembleBackward(g, cSpec, critic, qOuts, g.mul(diff, g.div(g.scalar(2), rows))), CRITICS);
  if (!withActor) return g.build();

  // Actor, with the just-updated critic's member 0 (Td3.update's order). TD3: −mean Q_1(s, π(s)).
  // TD3+BC: −λ·mean Q_1 + mean (π(s) − a)², λ = α / mean|Q_1| (a constant for the gradient).
  const aOuts = mlpForward(g, aSpec, actor, s);
  const a = aOuts.at(-1)!;
  const q1Params = layerParamsOf(criticNext).map((p) => ({ kernel: g.slice(p.kernel, [0], [1], [0]), bias: g.slice(p.bias, [0], [1], [0]) }));
  const q1Outs = ensembleForward(g, cSpec, q1Params, g.concat([s, a], 1));
  const q1 = q1Outs.at(-1)!;
  const dq1da = g.slice(ensembleInputGrad(g, cSpec, q1Params, q1Outs, g.onesLike(q1)), [obsDim], [obsDim + actDim], [1]);
  const meanQ1 = g.reduceMean(q1, [0, 1, 2], false);
  let grad: Value;
  if (bc) {
    const lambda = g.div(g.scalar(bc.alpha), g.reduceMean(g.abs(q1), [0, 1, 2], false));
    const diffBc = g.sub(a, action);
    emit(g.add(g.mul(meanQ1, g.neg(lambda)), g.reduceMean(g.mul(diffBc, diffBc), [0, 1], false)), 'actorLoss', []);
    emit(lambda, 'lambda', []);
    grad = g.add(g.mul(dq1da, g.div(g.neg(lambda), rows)), g.mul(diffBc, g.div(g.scalar(2), g.sizeAsFloat(diffBc))));
  } else {
    emit(g.neg(meanQ1), 'actorLoss', []);
    grad = g.mul(dq1da, g.div(g.scalar(-1), rows));
  }
  const actorNext = adamStep('actor', aSpec, actor, mlpBackward(g, aSpec, actor, aOuts, grad));
  polyakOutputs(g, 'actorTarget', aSpec, undefined, flatParams(actorTarget), actorNext, h.tau);
  polyakOutputs(g, 'criticTarget', cSpec, CRITICS, flatParams(criticTarget), criticNext, h.tau);
  return g.build();
};

/** TD3's networks and optimizer state on ORT; weights() names them as Td3.weights() does. */
export class OrtTd3 {
  private readonly sessions: { critic: OrtSession; both: OrtSession };
  protected readonly state = new OrtState();
  private readonly specs: { actor: MlpSpec; critic: MlpSpec };
  private readonly adam: { actor: AdamOptions; critic: AdamOptions };
  /** TD3+BC's state normalisation (fed to the graphs), absent for TD3. */
  protected readonly norm?: OrtStateNorm;
  private updates = 0;
  private actorSteps = 0;
  /** The actor as a JsMlp over each of the two state copies it alternates between (built on first use). */
  private readonly jsActors: { arrays: Float32Array[]; net: JsMlp }[] = [];
  private actorNames?: string[];

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly hyper: OrtTd3Hyper,
    /** Td3.weights(): actor/, critic/, actorTarget/, criticTarget/ (and for TD3+BC stateNorm/{mean,std}). */
    initial: readonly NamedWeight[],
    bc?: OrtBehaviorCloning,
  ) {
    this.specs = specs(obsDim, actDim, hyper.hidden);
    this.adam = { actor: { ...ADAM_DEFAULTS, lr: hyper.actorLr }, critic: { ...ADAM_DEFAULTS, lr: hyper.criticLr } };
    const take = weightReader(initial, bc ? 'TD3+BC' : 'TD3');
    for (const net of NETS) {
      const spec = net.startsWith('actor') ? this.specs.actor : this.specs.critic;
      addNetState(this.state, net, spec, net.startsWith('critic') ? CRITICS : undefined, take, net === 'actor' || net === 'critic');
    }
    if (bc) this.norm = stateNormOf(take);
    this.sessions = {
      critic: OrtSession.create(td3StepGraph(obsDim, actDim, hyper, ADAM_DEFAULTS, false, bc)),
      both: OrtSession.create(td3StepGraph(obsDim, actDim, hyper, ADAM_DEFAULTS, true, bc)),
    };
  }

  get updateCount(): number {
    return this.updates;
  }

  /** The state entries one graph reads and (name → output) updates. */
  private plan(withActor: boolean): { reads: string[]; updates: [string, string][] } {
    const reads: string[] = [];
    const updates: [string, string][] = [];
    for (const net of NETS) {
      const spec = net.startsWith('actor') ? this.specs.actor : this.specs.critic;
      for (const name of netWeightNames(net, spec)) {
        reads.push(name);
        const trained = net === 'critic' || (withActor && net === 'actor');
        if (net === 'actor' || net === 'critic') {
          const a = adamNames(name);
          if (trained) {
            reads.push(a.m, a.v);
            updates.push([name, a.next], [a.m, a.nextM], [a.v, a.nextV]);
          }
        } else if (withActor) updates.push([name, `${name}'`]);
      }
    }
    return { reads, updates };
  }

  /**
   * One update on `batch`; `noise` [B·actDim] is the target-smoothing noise (clippedNoise from the
   * run's RNG). The actor and targets move every `policyDelay` updates. Returns Td3's metrics.
   */
  update(batch: OrtBatch, noise: Float32Array): Record<string, number> {
    const B = batch.size;
    const withActor = (this.updates + 1) % this.hyper.policyDelay === 0;
    const { reads, updates } = this.plan(withActor);
    const feeds: Feeds = { ...batchFeeds(batch, this.obsDim, [B, this.actDim]), noise: { data: noise, dims: [B, this.actDim] } };
    if (this.norm) feedStateNorm(feeds, this.norm, this.obsDim);
    feedAdamScalars(feeds, 'critic/', this.adam.critic, this.updates + 1);
    if (withActor) feedAdamScalars(feeds, 'actor/', this.adam.actor, this.actorSteps + 1);
    // The critic-only graph has no actor moment inputs: only what it reads is fed.
    this.state.feeds(reads, feeds);
    const metricNames = withActor ? ['criticLoss', 'q', 'actorLoss'] : ['criticLoss', 'q'];
    const out = (withActor ? this.sessions.both : this.sessions.critic).run(feeds, [...metricNames, ...updates.map(([, o]) => o)], this.state.targets(updates));
    this.state.commit(updates);
    this.updates += 1;
    if (withActor) this.actorSteps += 1;
    return Object.fromEntries(metricNames.map((n) => [n, out[n][0]]));
  }

  /**
   * The current actor as a plain-JS network for acting on raw network inputs (TD3+BC's callers
   * normalise first). It reads the training state's arrays in place: valid until the next update
   * that moves the actor (call again after updating; the two networks over the alternating copies
   * are built once, so this allocates nothing per step).
   */
  actor(): JsMlp {
    const names = (this.actorNames ??= netWeightNames('actor', this.specs.actor));
    const arrays = names.map((n) => this.state.current(n));
    const known = this.jsActors.find((c) => c.arrays.every((x, i) => x === arrays[i]));
    if (known) return known.net;
    const net = JsMlp.fromWeights(this.specs.actor, names.map((name, i) => ({ name, shape: [], data: arrays[i] })), 'actor/');
    this.jsActors.push({ arrays, net });
    if (this.jsActors.length > 2) this.jsActors.shift();
    return net;
  }

  /** The actor's weights (copies), named as Td3's actor.weights() names them (`layer0/kernel`, …). */
  actorWeights(): NamedWeight[] {
    return this.state.weights('actor/');
  }

  /** Weights named as Td3.weights() names them (TD3+BC: then stateNorm/). */
  weights(): NamedWeight[] {
    const nets = netWeights(this.state, NETS);
    if (!this.norm) return nets;
    return [...nets, ...stateNormWeights(this.norm, this.obsDim)];
  }

  dispose(): void {
    this.sessions.critic.dispose();
    this.sessions.both.dispose();
  }
}
