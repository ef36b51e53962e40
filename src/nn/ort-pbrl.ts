/**
 * The PBRL teacher update (Bai et al. 2022, as src/algos/pbrl computes it on tfjs) on ONNX
 * Runtime: one graph for a critic-only update and one for critic + delayed actor + Polyak targets.
 * Every random number (target smoothing, OOD action noise, the Gaussian actor's ε) and β_ood are
 * computed by the caller, in Pbrl.update's order, and fed in: runs stay deterministic and equal to
 * the tfjs path to float rounding. Both actor heads, both choices of target critics and the
 * optional state normaliser are covered.
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { mlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { addNetState, batchFeeds, feedStateNorm, flatParams, layerParamsOf, netWeightNames, netWeights, normalizedStates, polyakOutputs, stateNormOf, stateNormWeights, weightReader, weightShapes, type OrtBatch, type OrtStateNorm } from './ort-learner.ts';
import { memberColumns, memberParams, membersForward, membersInputGrad, membersParamGrads } from './ort-members.ts';
import { adamParamStep, feedAdamScalars, mlpBackward, mlpForward, type LayerParams } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { OrtState } from './ort-state.ts';

/** The PbrlHyper fields the update reads (the nn layer does not import algos/). */
export interface OrtPbrlHyper {
  readonly hidden: readonly number[];
  readonly ensembleSize: number;
  readonly actorLr: number;
  readonly criticLr: number;
  readonly gamma: number;
  readonly tau: number;
  readonly policyDelay: number;
  readonly noiseClip: number;
  readonly betaIn: number;
  readonly oodSamples: number;
  readonly oodLossWeight: number;
  readonly actorHead: 'deterministic' | 'gaussian';
  readonly targetCritics: 'target' | 'online';
  readonly normalizeStates: boolean;
}

/** One update's random draws, as Pbrl.update makes them (row-major). */
export interface OrtPbrlNoise {
  /** Target smoothing ε [B, d], already clipped (clippedNoise). */
  readonly smoothing: Float32Array;
  /** OOD action noise [2·M·B, d]: M copies at s, then M at s'. */
  readonly ood: Float32Array;
  /** The Gaussian actor's ε [B, d], drawn only on updates that move the actor. */
  readonly actor?: Float32Array;
}

const NETS = ['actor', 'critic', 'actorTarget', 'criticTarget'] as const;
type Net = (typeof NETS)[number];

const specsOf = (obsDim: number, actDim: number, h: OrtPbrlHyper, actorInput = obsDim) => ({
  actor: mlpSpec([actorInput, ...h.hidden, h.actorHead === 'gaussian' ? 2 * actDim : actDim], 'tanh'),
  critic: mlpSpec([obsDim + actDim, ...h.hidden, 1]),
});

const isCritic = (net: Net): boolean => net.startsWith('critic');

/** The metrics a step graph outputs, in Pbrl.update's order (betaOod, fed, comes first). */
const CRITIC_METRICS = ['criticLoss', 'oodLoss', 'q', 'qStd', 'qOod'] as const;

/**
 * With `actorInput` (a task-conditioned actor, naive multi-task PBRL: [s | task code]) the actor
 * reads fed inputs actorObs / actorNextObs [batch, actorInput] instead of s and s'; the critics
 * still see the states.
 */
export const pbrlStepGraph = (obsDim: number, actDim: number, h: OrtPbrlHyper, adam: Pick<AdamOptions, 'beta1' | 'beta2'>, withActor: boolean, actorInput?: number) => {
  const g = new GraphBuilder(withActor ? 'pbrl-critic-actor' : 'pbrl-critic');
  const specs = specsOf(obsDim, actDim, h, actorInput);
  const K = h.ensembleSize;
  const M = h.oodSamples;
  const d = actDim;
  const obs = g.input('obs', ['batch', obsDim]);
  const action = g.input('action', ['batch', d]);
  const reward = g.input('reward', ['batch']);
  const nextObs = g.input('nextObs', ['batch', obsDim]);
  const done = g.input('done', ['batch']);
  const smoothing = g.input('smoothing', ['batch', d]);
  const oodNoise = g.input('oodNoise', ['oodRows', d]);
  const betaOod = g.input('betaOod', []);
  // Networks are declared on first use: a graph only has the inputs it reads (ORT refuses feeds it does not know).
  const declared = new Map<Net, LayerParams[]>();
  const net = (name: Net): LayerParams[] => {
    let params = declared.get(name);
    if (!params) {
      const spec = isCritic(name) ? specs.critic : specs.actor;
      const shapes = weightShapes(spec, isCritic(name) ? K : undefined);
      params = layerParamsOf(netWeightNames(name, spec).map((n, i) => g.input(n, shapes[i])));
      declared.set(name, params);
    }
    return params;
  };
  // The critics run member by member on 2-D Gemms (ort-members.ts); one slicing per network.
  const sliced = new Map<Net, LayerParams[][]>();
  const members = (name: 'critic' | 'criticTarget'): LayerParams[][] => {
    let m = sliced.get(name);
    if (!m) sliced.set(name, (m = memberParams(g, specs.critic, net(name), K)));
    return m;
  };
  const adamStep = (name: 'actor' | 'critic', grads: readonly Value[]): Value[] => {
    const spec = specs[name];
    const stepSize = g.input(`${name}/stepSize`, []);
    const epsHat = g.input(`${name}/epsHat`, []);
    const shapes = weightShapes(spec, name === 'critic' ? K : undefined);
    const params = flatParams(net(name));
    return netWeightNames(name, spec).map((n, i) => adamParamStep(g, adam, n, params[i], shapes[i], grads[i], stepSize, epsHat));
  };
  /** The deterministic action of actor outputs: the tanh outputs, or μ of the Gaussian head. */
  const meanAction = (out: Value): Value => (h.actorHead === 'gaussian' ? g.slice(out, [0], [d], [1]) : out);
  /** Sample standard deviation over the members of q [rows, K] (K − 1 in the denominator), [rows, 1]. */
  const memberStd = (q: Value): Value => {
    const dev = g.sub(q, g.reduceMean(q, [1], true));
    return g.sqrt(g.div(g.reduceSum(g.mul(dev, dev), [1], true), g.scalar(K - 1)));
  };
  const tile = (x: Value, times: number): Value => g.op('Tile', [x, g.ints([times, 1])])[0];

  const { s, s2 } = h.normalizeStates ? normalizedStates(g, obsDim, obs, nextObs) : { s: obs, s2: nextObs };
  const [actorS, actorS2] = actorInput === undefined ? [s, s2] : [g.input('actorObs', ['batch', actorInput]), g.input('actorNextObs', ['batch', actorInput])];
  const rows = g.dimAsFloat(obs, 0);
  const batchRows = g.op('Gather', [g.op('Shape', [obs])[0], g.ints([0])], [{ name: 'axis', kind: 'int', value: 0 }])[0];

  // In-distribution target y_k = r + γ(1 − done)(Q_k(s', a') − β_in·std_j Q_j(s', a')), a' the smoothed target action.
  const aTarget = meanAction(mlpForward(g, specs.actor, net('actorTarget'), actorS2).at(-1)!);
  const aNext = g.clip(g.add(aTarget, g.clip(smoothing, -h.noiseClip, h.noiseClip)), -1, 1);
  const reference = members(h.targetCritics === 'target' ? 'criticTarget' : 'critic');
  const qNext = memberColumns(g, membersForward(g, specs.critic, reference, g.concat([s2, aNext], 1)));
  const penalised = g.sub(qNext, g.mul(memberStd(qNext), g.scalar(h.betaIn)));
  const y = g.add(g.reshape(reward, [-1, 1]), g.mul(g.mul(g.reshape(g.sub(g.scalar(1), done), [-1, 1]), g.scalar(h.gamma)), penalised));

  // One pass of the K critics over [data rows | M noisy copies of π(s) at s | M of π(s') at s'].
  const actorOuts = mlpForward(g, specs.actor, net('actor'), actorS);
  const piObs = meanAction(actorOuts.at(-1)!);
  const piNext = meanAction(mlpForward(g, specs.actor, net('actor'), actorS2).at(-1)!);
  const oodStates = g.concat([tile(s, M), tile(s2, M)], 0);
  const oodActions = g.clip(g.add(g.concat([tile(piObs, M), tile(piNext, M)], 0), oodNoise), -1, 1);
  const input = g.concat([g.concat([s, action], 1), g.concat([oodStates, oodActions], 1)], 0);
  const qOuts = membersForward(g, specs.critic, members('critic'), input);
  const q = memberColumns(g, qOuts);
  const qIn = g.op('Slice', [q, g.ints([0]), batchRows, g.ints([0])])[0];
  const qOod = g.op('Slice', [q, batchRows, g.ints([2 ** 62]), g.ints([0])])[0];
  const diffIn = g.sub(qIn, y);
  // The OOD target max(Q_k − β_ood·std_j Q_j, 0) is a constant for the gradient.
  const diffOod = g.sub(qOod, g.relu(g.sub(qOod, g.mul(memberStd(qOod), betaOod))));
  const oodRows = g.mul(rows, g.scalar(2 * M));
  g.output(g.div(g.reduceSum(g.mul(diffIn, diffIn), [0, 1], false), g.mul(rows, g.scalar(K))), 'criticLoss', []);
  g.output(g.div(g.reduceSum(g.mul(diffOod, diffOod), [0, 1], false), g.mul(oodRows, g.scalar(K))), 'oodLoss', []);
  g.output(g.reduceMean(qIn, [0, 1], false), 'q', []);
  g.output(g.reduceMean(memberStd(qIn), [0, 1], false), 'qStd', []);
  g.output(g.reduceMean(qOod, [0, 1], false), 'qOod', []);
  const dq = g.concat([g.mul(diffIn, g.div(g.scalar(2), rows)), g.mul(diffOod, g.div(g.scalar(2 * h.oodLossWeight), oodRows))], 0);
  const criticNext = adamStep('critic', membersParamGrads(g, specs.critic, members('critic'), qOuts, g.split(dq, K, 1)));
  if (!withActor) return g.build();

  // Actor: L = −mean_b min_k Q_k(s, a) with the just-updated critics, the gradient through each row's
  // first minimising member; a = π(s), or the Gaussian head's clip(μ + σε, −1, 1).
  const out = actorOuts.at(-1)!;
  let a = out;
  let outputGrad = (da: Value): Value => da;
  if (h.actorHead === 'gaussian') {
    const eps = g.input('actorNoise', ['batch', d]);
    const scaled = g.mul(g.exp(g.slice(out, [d], [2 * d], [1])), eps);
    const raw = g.add(g.slice(out, [0], [d], [1]), scaled);
    const inside = g.toFloat(g.op('And', [g.op('Greater', [raw, g.scalar(-1)])[0], g.op('Less', [raw, g.scalar(1)])[0]])[0]);
    a = g.clip(raw, -1, 1);
    outputGrad = (da) => {
      const dRaw = g.mul(da, inside);
      return g.concat([dRaw, g.mul(dRaw, scaled)], 1);
    };
  }
  const updated = memberParams(g, specs.critic, layerParamsOf(criticNext), K);
  const actOuts = membersForward(g, specs.critic, updated, g.concat([s, a], 1));
  const qAct = memberColumns(g, actOuts);
  const argMin = g.op('ArgMin', [qAct], [
    { name: 'axis', kind: 'int', value: 1 },
    { name: 'keepdims', kind: 'int', value: 1 },
  ])[0];
  const memberIndex = g.reshape(g.ints(Array.from({ length: K }, (_, k) => k)), [1, K]);
  const mask = g.toFloat(g.op('Equal', [argMin, memberIndex])[0]);
  g.output(g.neg(g.reduceMean(g.reduceMin(qAct, [1], false), [0], false)), 'actorLoss', []);
  const dqAct = g.split(g.mul(mask, g.div(g.scalar(-1), rows)), K, 1);
  const da = membersInputGrad(g, specs.critic, updated, actOuts, dqAct, { from: obsDim, to: obsDim + d });
  const actorNext = adamStep('actor', mlpBackward(g, specs.actor, net('actor'), actorOuts, outputGrad(da)));
  for (const [target, online] of [
    ['actorTarget', actorNext],
    ['criticTarget', criticNext],
  ] as const) {
    polyakOutputs(g, target, isCritic(target) ? specs.critic : specs.actor, isCritic(target) ? K : undefined, flatParams(net(target)), online, h.tau);
  }
  return g.build();
};

export interface CompiledPbrlStep {
  readonly session: OrtSession;
  /** State entries the graph reads. */
  readonly reads: string[];
  /** (state entry, graph output) pairs the graph writes. */
  readonly updates: [string, string][];
  readonly metrics: string[];
}
type Compiled = CompiledPbrlStep;

/** A step graph in a session, with the state entries (weights, moments: `…/layer…`) it reads and writes. */
export const compilePbrlStep = (obsDim: number, actDim: number, hyper: OrtPbrlHyper, withActor: boolean, actorInput?: number): CompiledPbrlStep => {
  const graph = pbrlStepGraph(obsDim, actDim, hyper, ADAM_DEFAULTS, withActor, actorInput);
  const stateful = (name: string): boolean => name.includes('/layer');
  return {
    session: OrtSession.create(graph),
    reads: graph.inputs.map((i) => i.name).filter(stateful),
    updates: graph.outputs.map((o) => o.name).filter(stateful).map((o) => [o.slice(0, -1), o] as [string, string]),
    metrics: graph.outputs.map((o) => o.name).filter((o) => !stateful(o)),
  };
};

/** The metrics of one run of a step graph, as Pbrl.update orders them after betaOod. */
export const pbrlStepMetrics = (out: Record<string, Float32Array>, betaOod: number, withActor: boolean): Record<string, number> => {
  const metrics: Record<string, number> = { betaOod };
  for (const name of CRITIC_METRICS) metrics[name] = out[name][0];
  if (withActor) metrics.actorLoss = out.actorLoss[0];
  return metrics;
};

/** PBRL's networks and optimizer state on ORT; weights() names them as Pbrl.weights() does. */
export class OrtPbrl {
  private readonly graphs: { critic: Compiled; both: Compiled };
  private readonly state = new OrtState();
  private readonly norm: OrtStateNorm | undefined;
  private readonly adam: { actor: AdamOptions; critic: AdamOptions };
  private updates = 0;
  private actorSteps = 0;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly hyper: OrtPbrlHyper,
    /** Pbrl.weights(): actor/, critic/, actorTarget/, criticTarget/ (and stateNorm/ when normalizeStates). */
    initial: readonly NamedWeight[],
  ) {
    if (hyper.ensembleSize < 2) throw new Error('PBRL needs at least 2 critics (its uncertainty is their standard deviation)');
    const specs = specsOf(obsDim, actDim, hyper);
    this.adam = { actor: { ...ADAM_DEFAULTS, lr: hyper.actorLr }, critic: { ...ADAM_DEFAULTS, lr: hyper.criticLr } };
    const take = weightReader(initial, 'PBRL');
    for (const net of NETS)
      addNetState(this.state, net, isCritic(net) ? specs.critic : specs.actor, isCritic(net) ? hyper.ensembleSize : undefined, take, net === 'actor' || net === 'critic');
    this.norm = hyper.normalizeStates ? stateNormOf(take) : undefined;
    this.graphs = { critic: compilePbrlStep(obsDim, actDim, hyper, false), both: compilePbrlStep(obsDim, actDim, hyper, true) };
  }

  get updateCount(): number {
    return this.updates;
  }

  /** Whether the next update moves the actor and the targets (and so needs the Gaussian ε). */
  get nextUpdatesActor(): boolean {
    return (this.updates + 1) % this.hyper.policyDelay === 0;
  }

  /** One update on `batch` with the given draws and β_ood. Returns Pbrl.update's metrics. */
  update(batch: OrtBatch, noise: OrtPbrlNoise, betaOod: number): Record<string, number> {
    const B = batch.size;
    const d = this.actDim;
    const withActor = this.nextUpdatesActor;
    const graph = withActor ? this.graphs.both : this.graphs.critic;
    const feeds: Feeds = {
      ...batchFeeds(batch, this.obsDim, [B, d]),
      smoothing: { data: noise.smoothing, dims: [B, d] },
      oodNoise: { data: noise.ood, dims: [2 * this.hyper.oodSamples * B, d] },
      betaOod: { data: Float32Array.of(betaOod), dims: [] },
    };
    if (this.norm) feedStateNorm(feeds, this.norm, this.obsDim);
    if (withActor && this.hyper.actorHead === 'gaussian') {
      if (!noise.actor) throw new Error('PBRL on ORT: a Gaussian actor update needs its noise');
      feeds.actorNoise = { data: noise.actor, dims: [B, d] };
    }
    feedAdamScalars(feeds, 'critic/', this.adam.critic, this.updates + 1);
    if (withActor) feedAdamScalars(feeds, 'actor/', this.adam.actor, this.actorSteps + 1);
    this.state.feeds(graph.reads, feeds);
    const out = graph.session.run(feeds, [...graph.metrics, ...graph.updates.map(([, o]) => o)], this.state.targets(graph.updates));
    this.state.commit(graph.updates);
    this.updates += 1;
    if (withActor) this.actorSteps += 1;
    return pbrlStepMetrics(out, betaOod, withActor);
  }

  /** Weights named as Pbrl.weights() names them (networks, then stateNorm/ when present). */
  weights(): NamedWeight[] {
    return [...netWeights(this.state, NETS), ...(this.norm ? stateNormWeights(this.norm, this.obsDim) : [])];
  }

  dispose(): void {
    this.graphs.critic.session.dispose();
    this.graphs.both.session.dispose();
  }
}
