/**
 * MLPs, their hand-derived backward pass and Adam as ONNX subgraphs (the ORT engine's training
 * steps are built from these). The equations are those of mlp.ts, ensemble.ts and adam.ts; the
 * operation order follows them too, so that a step on ORT and on tfjs agree to float rounding.
 */
import type { Activation } from './dense.ts';
import type { AdamOptions } from './adam.ts';
import type { MlpSpec } from './mlp.ts';
import type { GraphBuilder, Value } from './ort-graph.ts';
import type { Feeds } from './ort-runtime.ts';

/** One layer's parameter values: kernel [in, out] (or [K, in, out]) and bias [out] (or [K, 1, out]). */
export interface LayerParams {
  readonly kernel: Value;
  readonly bias: Value;
}

/** Graph inputs for an MLP's weights, named `${prefix}layer{l}/kernel|bias` (checkpoint names). */
/** `members` (a number or a symbolic name) makes them ensemble weights [K, in, out], [K, 1, out]. */
export const mlpParamInputs = (g: GraphBuilder, prefix: string, spec: MlpSpec, members?: number | string): LayerParams[] =>
  spec.sizes.slice(1).map((out, l) => {
    const inp = spec.sizes[l];
    return {
      kernel: g.input(`${prefix}layer${l}/kernel`, members === undefined ? [inp, out] : [members, inp, out]),
      bias: g.input(`${prefix}layer${l}/bias`, members === undefined ? [out] : [members, 1, out]),
    };
  });

const activationOf = (spec: MlpSpec, l: number): Activation => (l === spec.sizes.length - 2 ? spec.output : spec.hidden);

const activate = (g: GraphBuilder, z: Value, a: Activation): Value => (a === 'relu' ? g.relu(z) : a === 'tanh' ? g.tanh(z) : z);

/** dL/dz from dL/dy and the activation's output y (relu: y > 0 ⇔ z > 0; tanh: 1 − y²). */
const activationBackward = (g: GraphBuilder, dy: Value, y: Value, a: Activation): Value =>
  a === 'relu' ? g.mul(dy, g.sign(y)) : a === 'tanh' ? g.mul(dy, g.sub(g.scalar(1), g.mul(y, y))) : dy;

/** [x, h_1, …, y] for a 2-D input [B, in]. */
export const mlpForward = (g: GraphBuilder, spec: MlpSpec, params: readonly LayerParams[], x: Value): Value[] => {
  const outs = [x];
  let h = x;
  params.forEach((p, l) => {
    h = activate(g, g.gemm(h, p.kernel, p.bias), activationOf(spec, l));
    outs.push(h);
  });
  return outs;
};

/**
 * Parameter gradients [dW_0, db_0, dW_1, …] of a loss with gradient `dy` at the output, and with
 * `inputGrad` dL/dx last. `inject` adds gradients dL/d outs[l] at hidden layers l (1-based, as
 * in outs), after the gradient from above: dh + extra, backwardInjected's order on tfjs.
 */
export const mlpBackward = (
  g: GraphBuilder,
  spec: MlpSpec,
  params: readonly LayerParams[],
  outs: readonly Value[],
  dy: Value,
  inputGrad = false,
  inject: ReadonlyMap<number, Value> = new Map(),
): Value[] => {
  const layers = params.length;
  const grads: Value[] = new Array(2 * layers);
  let dz = activationBackward(g, dy, outs[layers], activationOf(spec, layers - 1));
  for (let l = layers - 1; l >= 0; l--) {
    grads[2 * l] = g.gemm(outs[l], dz, undefined, { transA: true });
    grads[2 * l + 1] = g.reduceSum(dz, [0], false);
    if (l > 0 || inputGrad) {
      const above = g.gemm(dz, params[l].kernel, undefined, { transB: true });
      const extra = l > 0 ? inject.get(l) : undefined;
      const dh = extra === undefined ? above : g.add(above, extra);
      if (l > 0) dz = activationBackward(g, dh, outs[l], activationOf(spec, l - 1));
      else grads.push(dh);
    }
  }
  return grads;
};

/** An ensemble of K MLPs on a shared input [B, in]: [x, h_1 [K, B, ·], …, y [K, B, out]]. */
export const ensembleForward = (g: GraphBuilder, spec: MlpSpec, params: readonly LayerParams[], x: Value): Value[] => {
  const outs = [x];
  let h = x;
  params.forEach((p, l) => {
    h = activate(g, g.add(g.matmul(h, p.kernel), p.bias), activationOf(spec, l));
    outs.push(h);
  });
  return outs;
};

/** dL/dx [B, in] of an ensemble on a shared input, from dy [K, B, out] (summed over members). */
export const ensembleInputGrad = (g: GraphBuilder, spec: MlpSpec, params: readonly LayerParams[], outs: readonly Value[], dy: Value): Value => {
  const layers = params.length;
  let dz = activationBackward(g, dy, outs[layers], activationOf(spec, layers - 1));
  for (let l = layers - 1; l >= 0; l--) {
    const dh = g.matmul(dz, g.transpose(params[l].kernel, [0, 2, 1]));
    if (l > 0) dz = activationBackward(g, dh, outs[l], activationOf(spec, l - 1));
    else return g.reduceSum(dh, [0], false);
  }
  throw new Error('an ensemble needs at least one layer');
};

/**
 * Parameter gradients [dW_0 [K, in, out], db_0 [K, 1, out], …] of an ensemble on a shared input
 * [B, in] (outs from ensembleForward), from dy [K, B, out]; each member's own gradient.
 */
export const ensembleBackward = (g: GraphBuilder, spec: MlpSpec, params: readonly LayerParams[], outs: readonly Value[], dy: Value): Value[] => {
  const layers = params.length;
  const grads: Value[] = new Array(2 * layers);
  let dz = activationBackward(g, dy, outs[layers], activationOf(spec, layers - 1));
  for (let l = layers - 1; l >= 0; l--) {
    // Layer 0's input is shared [B, in]: [in, B] × [K, B, out] broadcasts to [K, in, out].
    grads[2 * l] = g.matmul(l === 0 ? g.transpose(outs[0], [1, 0]) : g.transpose(outs[l], [0, 2, 1]), dz);
    grads[2 * l + 1] = g.reduceSum(dz, [1], true);
    if (l > 0) dz = activationBackward(g, g.matmul(dz, g.transpose(params[l].kernel, [0, 2, 1])), outs[l], activationOf(spec, l - 1));
  }
  return grads;
};

/** Polyak averaging: target' = online·τ + target·(1 − τ) (softUpdate's order). */
export const polyak = (g: GraphBuilder, target: Value, online: Value, tau: number): Value =>
  g.add(g.mul(online, g.scalar(tau)), g.mul(target, g.scalar(1 - tau)));

/** Names of an Adam state's inputs and outputs for parameter `name`. */
export const adamNames = (name: string) => ({ m: `${name}#m`, v: `${name}#v`, next: `${name}'`, nextM: `${name}#m'`, nextV: `${name}#v'` });

/**
 * torch.optim.Adam's update in the form adam.ts evaluates it:
 * m' = β1·m + (1 − β1)·g, v' = β2·v + (1 − β2)·g², p' = p − (stepSize·m') / (sqrt(v') + epsHat),
 * with stepSize = lr·sqrt(1 − β2^t)/(1 − β1^t) and epsHat = eps·sqrt(1 − β2^t) fed per step
 * (scalars `stepSize`, `epsHat`), so one graph serves every step t.
 */
export const adamUpdate = (
  g: GraphBuilder,
  options: Pick<AdamOptions, 'beta1' | 'beta2'>,
  p: Value,
  m: Value,
  v: Value,
  grad: Value,
  stepSize: Value,
  epsHat: Value,
): { p: Value; m: Value; v: Value } => {
  const { beta1, beta2 } = options;
  const m2 = g.add(g.mul(m, g.scalar(beta1)), g.mul(grad, g.scalar(1 - beta1)));
  const v2 = g.add(g.mul(v, g.scalar(beta2)), g.mul(g.mul(grad, grad), g.scalar(1 - beta2)));
  const p2 = g.sub(p, g.div(g.mul(m2, stepSize), g.add(g.sqrt(v2), epsHat)));
  return { p: p2, m: m2, v: v2 };
};

/** The per-step scalars of adamUpdate for step t (1-based). */
export const adamScalars = (options: AdamOptions, t: number): { stepSize: number; epsHat: number } => {
  const c1 = 1 - options.beta1 ** t;
  const sqrtC2 = Math.sqrt(1 - options.beta2 ** t);
  return { stepSize: (options.lr * sqrtC2) / c1, epsHat: options.eps * sqrtC2 };
};

/**
 * One parameter's Adam step inside a graph: reads its moments `${name}#m|v` [dims], writes the
 * updated parameter and moments (adamNames' outputs); returns the updated parameter for the rest
 * of the step. `stepSize`, `epsHat` are the per-step scalars (adamScalars, fed).
 */
export const adamParamStep = (
  g: GraphBuilder,
  options: Pick<AdamOptions, 'beta1' | 'beta2'>,
  name: string,
  p: Value,
  dims: readonly (number | string)[],
  grad: Value,
  stepSize: Value,
  epsHat: Value,
): Value => {
  const a = adamNames(name);
  const next = adamUpdate(g, options, p, g.input(a.m, dims), g.input(a.v, dims), grad, stepSize, epsHat);
  g.output(next.p, a.next, dims);
  g.output(next.m, a.nextM, dims);
  g.output(next.v, a.nextV, dims);
  return next.p;
};

/** Feeds adamScalars for step t (1-based) as the scalar inputs `${prefix}stepSize`, `${prefix}epsHat`. */
export const feedAdamScalars = (feeds: Feeds, prefix: string, options: AdamOptions, t: number): void => {
  const { stepSize, epsHat } = adamScalars(options, t);
  feeds[`${prefix}stepSize`] = { data: Float32Array.of(stepSize), dims: [] };
  feeds[`${prefix}epsHat`] = { data: Float32Array.of(epsHat), dims: [] };
};
