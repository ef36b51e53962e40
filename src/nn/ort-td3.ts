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
import { layerWeightNames, mlpSpec, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import {
  adamNames,
  adamScalars,
  adamUpdate,
  ensembleBackward,
  ensembleForward,
  ensembleInputGrad,
  mlpBackward,
  mlpForward,
  polyak,
  type LayerParams,
} from './ort-mlp.ts';
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

/** One sampled minibatch (row-major), as ReplayBuffer.sample gives it. */
export interface OrtBatch {
  readonly size: number;
  readonly observation: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObservation: Float32Array;
  readonly done: Float32Array;
}

const CRITICS = 2;
const NETS = ['actor', 'critic', 'actorTarget', 'criticTarget'] as const;

const specs = (obsDim: number, actDim: number, hidden: readonly number[]) => ({
  actor: mlpSpec([obsDim, ...hidden, actDim], 'tanh'),
  critic: mlpSpec([obsDim + actDim, ...hidden, 1]),
});

const shapesOf = (spec: MlpSpec, members?: number): number[][] =>
  spec.sizes.slice(1).flatMap((o, l) => (members === undefined ? [[spec.sizes[l], o], [o]] : [[members, spec.sizes[l], o], [members, 1, o]]));

/** Weight state names of one network (`actor/layer0/kernel`, …). */
const namesOf = (net: string, spec: MlpSpec): string[] => layerWeightNames(spec.sizes.length - 1).map((n) => `${net}/${n}`);

const paramsOf = (names: readonly string[]): LayerParams[] =>
  Array.from({ length: names.length / 2 }, (_, l) => ({ kernel: names[2 * l], bias: names[2 * l + 1] }));

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
    const shapes = shapesOf(spec, members);
    return paramsOf(namesOf(net, spec).map((n, i) => g.input(n, shapes[i])));
  };
  const actor = declare('actor', aSpec);
  const critic = declare('critic', cSpec, CRITICS);
  const actorTarget = declare('actorTarget', aSpec);
  const criticTarget = declare('criticTarget', cSpec, CRITICS);
  const emit = (v: Value, name: string, dims: readonly (number | string)[]): void => g.output(v, name, dims);
  const adamStep = (net: 'actor' | 'critic', spec: MlpSpec, params: readonly LayerParams[], grads: readonly Value[], members?: number): Value[] => {
    const stepSize = g.input(`${net}/stepSize`, []);
    const epsHat = g.input(`${net}/epsHat`, []);
    const shapes = shapesOf(spec, members);
    return namesOf(net, spec).map((name, i) => {
      const p = i % 2 === 0 ? params[i >> 1].kernel : params[i >> 1].bias;
      const a = adamNames(name);
      const next = adamUpdate(g, adam, p, g.input(a.m, shapes[i]), g.input(a.v, shapes[i]), grads[i], stepSize, epsHat);
      emit(next.p, a.next, shapes[i]);
      emit(next.m, a.nextM, shapes[i]);
      emit(next.v, a.nextV, shapes[i]);
      return next.p;
    });
  };

  // States as the networks see them: TD3+BC's (s − mean)·(1/std), as StateNormalizer.apply; TD3's as they are.
  let s = obs;
  let s2 = nextObs;
  if (bc) {
    const mean = g.input('norm/mean', [obsDim]);
    const invStd = g.input('norm/invStd', [obsDim]);
    s = g.mul(g.sub(obs, mean), invStd);
    s2 = g.mul(g.sub(nextObs, mean), invStd);
  }
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
  const q1Params = paramsOf(criticNext).map((p) => ({ kernel: g.slice(p.kernel, [0], [1], [0]), bias: g.slice(p.bias, [0], [1], [0]) }));
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
  const shapesA = shapesOf(aSpec);
  const shapesC = shapesOf(cSpec, CRITICS);
  namesOf('actorTarget', aSpec).forEach((name, i) =>
    emit(polyak(g, i % 2 === 0 ? actorTarget[i >> 1].kernel : actorTarget[i >> 1].bias, actorNext[i], h.tau), `${name}'`, shapesA[i]),
  );
  namesOf('criticTarget', cSpec).forEach((name, i) =>
    emit(polyak(g, i % 2 === 0 ? criticTarget[i >> 1].kernel : criticTarget[i >> 1].bias, criticNext[i], h.tau), `${name}'`, shapesC[i]),
  );
  return g.build();
};

/** TD3's networks and optimizer state on ORT; weights() names them as Td3.weights() does. */
export class OrtTd3 {
  private readonly sessions: { critic: OrtSession; both: OrtSession };
  protected readonly state = new OrtState();
  private readonly specs: { actor: MlpSpec; critic: MlpSpec };
  private readonly adam: { actor: AdamOptions; critic: AdamOptions };
  /** TD3+BC's state normalisation (fed to the graphs), absent for TD3. */
  protected readonly norm?: { mean: Float32Array; invStd: Float32Array; std: Float32Array };
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
    const byName = new Map(initial.map((w) => [w.name, w]));
    const take = (name: string): Float32Array => {
      const w = byName.get(name);
      if (!w) throw new Error(`${bc ? 'TD3+BC' : 'TD3'} weights: missing ${name}`);
      return w.data;
    };
    for (const net of NETS) {
      const spec = net.startsWith('actor') ? this.specs.actor : this.specs.critic;
      const shapes = shapesOf(spec, net.startsWith('critic') ? CRITICS : undefined);
      namesOf(net, spec).forEach((name, i) => {
        this.state.add(name, shapes[i], take(name));
        if (net === 'actor' || net === 'critic') {
          const a = adamNames(name);
          this.state.add(a.m, shapes[i]);
          this.state.add(a.v, shapes[i]);
        }
      });
    }
    if (bc) {
      const std = Float32Array.from(take('stateNorm/std'));
      this.norm = { mean: Float32Array.from(take('stateNorm/mean')), std, invStd: std.map((x) => 1 / x) };
    }
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
      for (const name of namesOf(net, spec)) {
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
    const feeds: Feeds = {
      obs: { data: batch.observation, dims: [B, this.obsDim] },
      action: { data: batch.action, dims: [B, this.actDim] },
      reward: { data: batch.reward, dims: [B] },
      nextObs: { data: batch.nextObservation, dims: [B, this.obsDim] },
      done: { data: batch.done, dims: [B] },
      noise: { data: noise, dims: [B, this.actDim] },
    };
    if (this.norm) {
      feeds['norm/mean'] = { data: this.norm.mean, dims: [this.obsDim] };
      feeds['norm/invStd'] = { data: this.norm.invStd, dims: [this.obsDim] };
    }
    const scalars = (net: 'actor' | 'critic', t: number): void => {
      const { stepSize, epsHat } = adamScalars(this.adam[net], t);
      feeds[`${net}/stepSize`] = { data: Float32Array.of(stepSize), dims: [] };
      feeds[`${net}/epsHat`] = { data: Float32Array.of(epsHat), dims: [] };
    };
    scalars('critic', this.updates + 1);
    if (withActor) scalars('actor', this.actorSteps + 1);
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
    const names = (this.actorNames ??= namesOf('actor', this.specs.actor));
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
    const nets = NETS.flatMap((net) => this.state.weights(`${net}/`).map((w) => ({ ...w, name: `${net}/${w.name}` })));
    if (!this.norm) return nets;
    return [
      ...nets,
      { name: 'stateNorm/mean', shape: [this.obsDim], data: this.norm.mean.slice() },
      { name: 'stateNorm/std', shape: [this.obsDim], data: this.norm.std.slice() },
    ];
  }

  dispose(): void {
    this.sessions.critic.dispose();
    this.sessions.both.dispose();
  }
}
