/**
 * MT-DQN's update (D'Eramo et al. 2020, as src/algos/mt-dqn/mt-dqn.ts computes it on tfjs) on
 * ONNX Runtime, one graph per update: per task the target y = r + γ(1 − terminated)·max Q̄_t(s', ·),
 * the Huber TD loss on the taken action, the hand-derived backward pass through head f_t, the
 * shared block h (its gradients summed over tasks in task order, as SharedMlp.lossAndGrads does)
 * and input block w_t, then Adam on every trainable weight (the shared block is left out when it
 * is frozen). The hard target copy every `targetUpdate` updates is an array copy in JS. Acting is
 * plain JS (JsMlp) on the live ORT weights, with MtDqn.act's draws.
 */
import type { Rng } from '../core/rng.ts';
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { JsMlp } from './js-mlp.ts';
import { mlpSpec, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { addNetState, netWeightNames, weightShapes } from './ort-learner.ts';
import { adamNames, adamParamStep, feedAdamScalars, mlpBackward, mlpForward, mlpParamInputs, type LayerParams } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { OrtState } from './ort-state.ts';
import type { TaskTransitionBatch } from './shared-mlp.ts';

export interface OrtMtDqnConfig {
  readonly observationSizes: readonly number[];
  readonly actionCounts: readonly number[];
  /** [input width, shared widths…] (MtDqnHyper.hidden). */
  readonly hidden: readonly number[];
  readonly lr: number;
  readonly gamma: number;
  readonly huberDelta: number;
  readonly targetUpdate: number;
  /** false: the shared block is not trained (transfer with h frozen). */
  readonly trainShared: boolean;
}

/** One task's batch (observations may be zero-padded past n_t columns). */
export type OrtMtDqnBatch = TaskTransitionBatch;

interface MtDqnSpecs {
  readonly inputs: readonly MlpSpec[];
  readonly shared: MlpSpec;
  readonly heads: readonly MlpSpec[];
}

/** SharedMlp's blocks as MLP specs: w_t [n_t → width] relu, h relu, f_t [top → |A_t|] linear. */
const specsOf = (c: OrtMtDqnConfig): MtDqnSpecs => {
  const top = c.hidden[c.hidden.length - 1];
  return {
    inputs: c.observationSizes.map((n) => mlpSpec([n, c.hidden[0]], 'relu', 'relu')),
    shared: mlpSpec(c.hidden, 'relu', 'relu'),
    heads: c.actionCounts.map((n) => mlpSpec([top, n], 'none', 'relu')),
  };
};

/** Every block as (net name, spec, trained), in SharedMlp.weights() order. */
const netsOf = (c: OrtMtDqnConfig, specs: MtDqnSpecs): { net: string; spec: MlpSpec; trained: boolean }[] => [
  ...specs.inputs.map((spec, t) => ({ net: `task${t}/input`, spec, trained: true })),
  { net: 'shared', spec: specs.shared, trained: c.trainShared },
  ...specs.heads.map((spec, t) => ({ net: `task${t}/head`, spec, trained: true })),
];

const TARGET = 'target/';

/** One MT-DQN update as a graph; per task t: inputs obs{t}, action{t}, reward{t}, nextObs{t}, done{t}; output loss{t}. */
export const mtDqnStepGraph = (c: OrtMtDqnConfig): ReturnType<GraphBuilder['build']> => {
  const specs = specsOf(c);
  const g = new GraphBuilder('mt-dqn');
  const params = new Map<string, LayerParams[]>();
  const targets = new Map<string, LayerParams[]>();
  for (const { net, spec } of netsOf(c, specs)) {
    params.set(net, mlpParamInputs(g, `${net}/`, spec));
    targets.set(net, mlpParamInputs(g, `${TARGET}${net}/`, spec));
  }
  const stepSize = g.input('stepSize', []);
  const epsHat = g.input('epsHat', []);
  const adam: Pick<AdamOptions, 'beta1' | 'beta2'> = ADAM_DEFAULTS;
  const delta = c.huberDelta;
  const forward = (nets: Map<string, LayerParams[]>, t: number, x: Value) => {
    const inOuts = mlpForward(g, specs.inputs[t], nets.get(`task${t}/input`)!, x);
    const shOuts = mlpForward(g, specs.shared, nets.get('shared')!, inOuts.at(-1)!);
    const headOuts = mlpForward(g, specs.heads[t], nets.get(`task${t}/head`)!, shOuts.at(-1)!);
    return { inOuts, shOuts, headOuts };
  };
  const grads = new Map<string, Value[]>();
  let sharedGrads: Value[] | undefined;
  c.observationSizes.forEach((n, t) => {
    const actions = c.actionCounts[t];
    const obs = g.input(`obs${t}`, [`batch${t}`, n]);
    const action = g.input(`action${t}`, [`batch${t}`]);
    const reward = g.input(`reward${t}`, [`batch${t}`]);
    const nextObs = g.input(`nextObs${t}`, [`batch${t}`, n]);
    const done = g.input(`done${t}`, [`batch${t}`]);
    const rows = g.dimAsFloat(obs, 0);
    const nextQ = forward(targets, t, nextObs).headOuts.at(-1)!;
    const maxNext = g.op('ReduceMax', [nextQ], [
      { name: 'axes', kind: 'ints', value: [1] },
      { name: 'keepdims', kind: 'int', value: 0 },
    ])[0];
    const y = g.add(reward, g.mul(g.sub(g.scalar(1), done), g.mul(maxNext, g.scalar(c.gamma))));
    const { inOuts, shOuts, headOuts } = forward(params, t, obs);
    const taken = g.equalMask(g.reshape(action, [-1, 1]), g.constant(Array.from({ length: actions }, (_, a) => a), [1, actions]));
    const d = g.sub(g.reduceSum(g.mul(headOuts.at(-1)!, taken), [1], false), y);
    // Huber with c = clip(d, ±δ): ½c² + δ(|d| − |c|) is ½d² inside and δ(|d| − ½δ) outside; dL/dd = c.
    const clipped = g.clip(d, -delta, delta);
    const huber = g.add(g.mul(g.mul(clipped, clipped), g.scalar(0.5)), g.mul(g.sub(g.abs(d), g.abs(clipped)), g.scalar(delta)));
    g.output(g.div(g.reduceSum(huber, [0], false), rows), `loss${t}`, []);
    const dq = g.mul(taken, g.reshape(g.div(clipped, rows), [-1, 1]));
    const hg = mlpBackward(g, specs.heads[t], params.get(`task${t}/head`)!, headOuts, dq, true);
    const dHead = hg.pop()!;
    grads.set(`task${t}/head`, hg);
    const sg = mlpBackward(g, specs.shared, params.get('shared')!, shOuts, dHead, true);
    const dShared = sg.pop()!;
    sharedGrads = sharedGrads ? sharedGrads.map((s, i) => g.add(s, sg[i])) : sg;
    grads.set(`task${t}/input`, mlpBackward(g, specs.inputs[t], params.get(`task${t}/input`)!, inOuts, dShared));
  });
  grads.set('shared', sharedGrads!);
  for (const { net, spec, trained } of netsOf(c, specs)) {
    if (!trained) continue;
    const shapes = weightShapes(spec);
    const flat = params.get(net)!.flatMap((p) => [p.kernel, p.bias]);
    netWeightNames(net, spec).forEach((name, i) => adamParamStep(g, adam, name, flat[i], shapes[i], grads.get(net)![i], stepSize, epsHat));
  }
  return g.build();
};

/** MT-DQN on ORT: update() returns MtDqn.update's per-task losses, act() draws as MtDqn.act. */
export class OrtMtDqn {
  private readonly state = new OrtState();
  private readonly session: OrtSession;
  private readonly specs: MtDqnSpecs;
  private readonly adam: AdamOptions;
  private readonly reads: string[] = [];
  private readonly updates: [string, string][] = [];
  /** Online weight name → its target's, for the hard copy. */
  private readonly targetPairs: [string, string][] = [];
  private steps = 0;
  private js?: { inputs: JsMlp[]; shared: JsMlp; heads: JsMlp[] };

  constructor(
    readonly config: OrtMtDqnConfig,
    /** SharedMlp.weights() of the online and the target network. */
    online: readonly NamedWeight[],
    target: readonly NamedWeight[],
  ) {
    this.specs = specsOf(config);
    this.adam = { ...ADAM_DEFAULTS, lr: config.lr };
    const byName = (ws: readonly NamedWeight[], prefix: string) => {
      const m = new Map(ws.map((w) => [`${prefix}${w.name}`, w.data]));
      return (name: string): Float32Array => {
        const w = m.get(name);
        if (!w) throw new Error(`MT-DQN weights: missing ${name}`);
        return w;
      };
    };
    const takeOnline = byName(online, '');
    const takeTarget = byName(target, TARGET);
    for (const { net, spec, trained } of netsOf(config, this.specs)) {
      for (const name of addNetState(this.state, net, spec, undefined, takeOnline, trained)) {
        this.reads.push(name);
        if (trained) {
          const a = adamNames(name);
          this.reads.push(a.m, a.v);
          this.updates.push([name, a.next], [a.m, a.nextM], [a.v, a.nextV]);
        }
      }
      for (const name of addNetState(this.state, `${TARGET}${net}`, spec, undefined, takeTarget, false)) this.reads.push(name);
      for (const name of netWeightNames(net, spec)) this.targetPairs.push([name, `${TARGET}${name}`]);
    }
    this.session = OrtSession.create(mtDqnStepGraph(config));
  }

  get updateCount(): number {
    return this.steps;
  }

  /** One Adam step on the summed loss of one batch per task (in task order); returns each task's loss. */
  update(batches: readonly OrtMtDqnBatch[]): number[] {
    const tasks = this.config.observationSizes.length;
    if (batches.length !== tasks || batches.some((b, i) => b.task !== i)) throw new Error(`OrtMtDqn.update: one batch per task in task order, got tasks [${batches.map((b) => b.task).join(', ')}]`);
    const feeds: Feeds = {};
    batches.forEach((b, t) => {
      const n = this.config.observationSizes[t];
      const rows = b.rewards.length;
      feeds[`obs${t}`] = { data: firstColumns(b.observations, rows, n), dims: [rows, n] };
      feeds[`nextObs${t}`] = { data: firstColumns(b.nextObservations, rows, n), dims: [rows, n] };
      feeds[`action${t}`] = { data: Float32Array.from(b.actions), dims: [rows] };
      feeds[`reward${t}`] = { data: Float32Array.from(b.rewards), dims: [rows] };
      feeds[`done${t}`] = { data: Float32Array.from(b.terminated, (x) => (x ? 1 : 0)), dims: [rows] };
    });
    const t = this.steps + 1;
    feedAdamScalars(feeds, '', this.adam, t);
    this.state.feeds(this.reads, feeds);
    const names = batches.map((_, i) => `loss${i}`);
    const out = this.session.run(feeds, [...names, ...this.updates.map(([, o]) => o)], this.state.targets(this.updates));
    this.state.commit(this.updates);
    this.steps = t;
    this.js = undefined;
    if (t % this.config.targetUpdate === 0) for (const [from, to] of this.targetPairs) this.state.current(to).set(this.state.current(from));
    return names.map((n) => out[n][0]);
  }

  /** Q_t(s, ·) for one observation of task t (a new array), from the live online weights. */
  qValues(task: number, observation: ArrayLike<number>): Float32Array {
    const js = (this.js ??= this.acting());
    const n = this.config.observationSizes[task];
    const a = js.inputs[task].forward1(observation.length === n ? observation : Array.prototype.slice.call(observation, 0, n));
    return Float32Array.from(js.heads[task].forward1(js.shared.forward1(a)));
  }

  /** ε-greedy with MtDqn.act's draws: one uniform, then rng.int(|A|) when exploring. */
  act(task: number, observation: ArrayLike<number>, epsilon: number, rng: Rng): number {
    const n = this.config.actionCounts[task];
    if (rng.uniform() < epsilon) return rng.int(n);
    const q = this.qValues(task, observation);
    let best = 0;
    for (let a = 1; a < n; a++) if (q[a] > q[best]) best = a;
    return best;
  }

  private live(net: string): NamedWeight[] {
    return this.state.weights(`${net}/`).map((w) => ({ ...w, data: this.state.current(`${net}/${w.name}`) }));
  }

  private acting(): { inputs: JsMlp[]; shared: JsMlp; heads: JsMlp[] } {
    return {
      inputs: this.specs.inputs.map((spec, t) => JsMlp.fromWeights(spec, this.live(`task${t}/input`))),
      shared: JsMlp.fromWeights(this.specs.shared, this.live('shared')),
      heads: this.specs.heads.map((spec, t) => JsMlp.fromWeights(spec, this.live(`task${t}/head`))),
    };
  }

  /** The online network's weights (copies), named as SharedMlp.weights(). */
  weights(): NamedWeight[] {
    return netsOf(this.config, this.specs).flatMap(({ net }) => this.state.weights(`${net}/`).map((w) => ({ ...w, name: `${net}/${w.name}` })));
  }

  /** The target network's weights (copies), named as SharedMlp.weights(). */
  targetWeights(): NamedWeight[] {
    return this.state.weights(TARGET);
  }

  /** The shared block's weights (`shared/layer<l>/…`), as MtDqn.sharedWeights(). */
  sharedWeights(): NamedWeight[] {
    return this.weights().filter((w) => w.name.startsWith('shared/'));
  }

  dispose(): void {
    this.session.dispose();
  }
}

/** The first n columns of a [rows, width] matrix (the array itself when width is n). */
const firstColumns = (x: Float32Array, rows: number, n: number): Float32Array => {
  const width = x.length / rows;
  if (width === n) return x;
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * width, r * width + n), r * n);
  return out;
};
