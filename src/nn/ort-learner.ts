/**
 * What the ORT actor-critic learners (ort-td3.ts with TD3+BC, ort-pbrl.ts, ort-sac.ts) share around
 * their step graphs: the checkpoint names and shapes of their networks' weights (an ensemble's
 * stacked [K, in, out], [K, 1, out]), the training state built from the tfjs learner's weights(),
 * the minibatch and state-normaliser feeds, and the Polyak targets. One place, so that the engines
 * name and lay out their state as the tfjs learners do, identically.
 */
import { layerWeightNames, type MlpSpec, type NamedWeight } from './mlp.ts';
import type { GraphBuilder, Value } from './ort-graph.ts';
import { adamNames, polyak, type LayerParams } from './ort-mlp.ts';
import type { Feeds } from './ort-runtime.ts';
import type { OrtState } from './ort-state.ts';

/** One sampled minibatch (row-major), as ReplayBuffer.sample gives it; discrete actions are indices. */
export interface OrtBatch {
  readonly size: number;
  readonly observation: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObservation: Float32Array;
  readonly done: Float32Array;
}

/** Each weight's shape, kernel then bias per layer; with `members`, an ensemble's stacked shapes. */
export const weightShapes = (spec: MlpSpec, members?: number): number[][] =>
  spec.sizes.slice(1).flatMap((o, l) => (members === undefined ? [[spec.sizes[l], o], [o]] : [[members, spec.sizes[l], o], [members, 1, o]]));

/** Weight state names of one network (`actor/layer0/kernel`, …). */
export const netWeightNames = (net: string, spec: MlpSpec): string[] => layerWeightNames(spec.sizes.length - 1).map((n) => `${net}/${n}`);

/** A flat [kernel_0, bias_0, kernel_1, …] list as layers. */
export const layerParamsOf = (flat: readonly Value[]): LayerParams[] =>
  Array.from({ length: flat.length / 2 }, (_, l) => ({ kernel: flat[2 * l], bias: flat[2 * l + 1] }));

/** The i-th weight of layered params in the flat order (kernel_0, bias_0, …). */
export const paramAt = (params: readonly LayerParams[], i: number): Value => (i % 2 === 0 ? params[i >> 1].kernel : params[i >> 1].bias);

/** Reads named weights by name; a missing one is an error naming `owner` (`TD3 weights: missing …`). */
export const weightReader = (initial: readonly NamedWeight[], owner: string): ((name: string) => Float32Array) => {
  const byName = new Map(initial.map((w) => [w.name, w]));
  return (name) => {
    const w = byName.get(name);
    if (!w) throw new Error(`${owner} weights: missing ${name}`);
    return w.data;
  };
};

/** Adds one network's weights (from `take`) to the state, with zero Adam moments when `trained`; returns its names. */
export const addNetState = (state: OrtState, net: string, spec: MlpSpec, members: number | undefined, take: (name: string) => Float32Array, trained: boolean): string[] => {
  const shapes = weightShapes(spec, members);
  const names = netWeightNames(net, spec);
  names.forEach((name, i) => {
    state.add(name, shapes[i], take(name));
    if (trained) {
      const a = adamNames(name);
      state.add(a.m, shapes[i]);
      state.add(a.v, shapes[i]);
    }
  });
  return names;
};

/** Emits the Polyak-averaged weights of target network `net` as `${name}'` from its current and the online (updated) weights. */
export const polyakOutputs = (g: GraphBuilder, net: string, spec: MlpSpec, members: number | undefined, target: readonly Value[], online: readonly Value[], tau: number): void => {
  const shapes = weightShapes(spec, members);
  netWeightNames(net, spec).forEach((name, i) => g.output(polyak(g, target[i], online[i], tau), `${name}'`, shapes[i]));
};

/** The minibatch's feeds obs, action (`actionDims`), reward, nextObs and done. */
export const batchFeeds = (batch: OrtBatch, obsDim: number, actionDims: readonly number[]): Feeds => {
  const B = batch.size;
  return {
    obs: { data: batch.observation, dims: [B, obsDim] },
    action: { data: batch.action, dims: actionDims },
    reward: { data: batch.reward, dims: [B] },
    nextObs: { data: batch.nextObservation, dims: [B, obsDim] },
    done: { data: batch.done, dims: [B] },
  };
};

/** A state normaliser (StateNormalizer's mean and std) and 1/std, which the graphs multiply by. */
export interface OrtStateNorm {
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly invStd: Float32Array;
}

/** The normaliser from the learner's weights (`stateNorm/mean`, `stateNorm/std`), copied. */
export const stateNormOf = (take: (name: string) => Float32Array): OrtStateNorm => {
  const std = Float32Array.from(take('stateNorm/std'));
  return { mean: Float32Array.from(take('stateNorm/mean')), std, invStd: std.map((x) => 1 / x) };
};

/** s and s' as the networks see them: (s − mean)·(1/std), as StateNormalizer.apply (inputs norm/mean, norm/invStd). */
export const normalizedStates = (g: GraphBuilder, obsDim: number, obs: Value, nextObs: Value): { s: Value; s2: Value } => {
  const mean = g.input('norm/mean', [obsDim]);
  const invStd = g.input('norm/invStd', [obsDim]);
  return { s: g.mul(g.sub(obs, mean), invStd), s2: g.mul(g.sub(nextObs, mean), invStd) };
};

export const feedStateNorm = (feeds: Feeds, norm: OrtStateNorm, obsDim: number): void => {
  feeds['norm/mean'] = { data: norm.mean, dims: [obsDim] };
  feeds['norm/invStd'] = { data: norm.invStd, dims: [obsDim] };
};

/** The normaliser's entries of weights(), after the networks' (copies). */
export const stateNormWeights = (norm: OrtStateNorm, obsDim: number): NamedWeight[] => [
  { name: 'stateNorm/mean', shape: [obsDim], data: norm.mean.slice() },
  { name: 'stateNorm/std', shape: [obsDim], data: norm.std.slice() },
];

/** Layered params back in the flat order (kernel_0, bias_0, …). */
export const flatParams = (params: readonly LayerParams[]): Value[] => params.flatMap((p) => [p.kernel, p.bias]);

/** The networks' weights (copies) from the state, each named `${net}/layer…` as the tfjs learners' weights(). */
export const netWeights = (state: OrtState, nets: readonly string[]): NamedWeight[] =>
  nets.flatMap((net) => state.weights(`${net}/`).map((w) => ({ ...w, name: `${net}/${w.name}` })));
