/**
 * An ensemble's members as separate 2-D MLPs inside one ONNX graph, on its stacked weights
 * (kernels [K, in, out], biases [K, 1, out]). Why: the batched form (ensembleForward/Backward in
 * ort-mlp.ts) adds the bias and applies ReLU as separate passes over [K, rows, width] tensors,
 * while a 2-D Gemm takes the bias in its C input and ORT fuses Gemm + ReLU; with PBRL's 7168 rows
 * per critic those passes were about a third of the step (ORT profile, 5 critics 256×256). The
 * numbers are those of member-ops.ts on tfjs (which evaluates members one by one too).
 */
import type { Activation } from './dense.ts';
import type { MlpSpec } from './mlp.ts';
import type { GraphBuilder, Value } from './ort-graph.ts';
import { mlpForward, type LayerParams } from './ort-mlp.ts';

const activationOf = (spec: MlpSpec, l: number): Activation => (l === spec.sizes.length - 2 ? spec.output : spec.hidden);

/** dL/dz from dL/dy and the activation's output y; ReLU as a select (cheaper in ORT than dy·sign(y)). */
export const activationGrad = (g: GraphBuilder, dy: Value, y: Value, a: Activation): Value =>
  a === 'relu'
    ? g.op('Where', [g.op('Greater', [y, g.scalar(0)])[0], dy, g.scalar(0)])[0]
    : a === 'tanh'
      ? g.mul(dy, g.sub(g.scalar(1), g.mul(y, y)))
      : dy;

/** Member k's 2-D weights ([k][layer]: kernel [in, out], bias [1, out]) sliced from stacked ones. */
export const memberParams = (g: GraphBuilder, spec: MlpSpec, stacked: readonly LayerParams[], members: number): LayerParams[][] => {
  // One reshape per stacked tensor, then a split into 2-D pieces (each op costs ~10 µs of dispatch).
  const perLayer = stacked.map((p, l) => {
    const [inp, out] = [spec.sizes[l], spec.sizes[l + 1]];
    const kernels = g.reshape(p.kernel, [members * inp, out]);
    const biases = g.reshape(p.bias, [members, out]);
    return members === 1 ? { kernels: [kernels], biases: [biases] } : { kernels: g.split(kernels, members, 0), biases: g.split(biases, members, 0) };
  });
  return Array.from({ length: members }, (_, k) => perLayer.map((l) => ({ kernel: l.kernels[k], bias: l.biases[k] })));
};

/** Each member's [x, h_1, …, y] on a shared input [rows, in]. */
export const membersForward = (g: GraphBuilder, spec: MlpSpec, members: readonly LayerParams[][], x: Value): Value[][] =>
  members.map((p) => mlpForward(g, spec, p, x));

/** Single-output members' values side by side, [rows, K]. */
export const memberColumns = (g: GraphBuilder, outs: readonly Value[][]): Value => (outs.length === 1 ? outs[0].at(-1)! : g.concat(outs.map((o) => o.at(-1)!), 1));

/**
 * Parameter gradients stacked like the ensemble's weights ([dW_0 [K, in, out], db_0 [K, 1, out], …]),
 * from each member's output gradient dys[k] [rows, out].
 */
export const membersParamGrads = (g: GraphBuilder, spec: MlpSpec, members: readonly LayerParams[][], outs: readonly Value[][], dys: readonly Value[]): Value[] => {
  const layers = spec.sizes.length - 1;
  const perMember = members.map((params, k) => {
    const grads: Value[] = new Array(2 * layers);
    let dz = activationGrad(g, dys[k], outs[k][layers], activationOf(spec, layers - 1));
    for (let l = layers - 1; l >= 0; l--) {
      grads[2 * l] = g.gemm(outs[k][l], dz, undefined, { transA: true });
      grads[2 * l + 1] = g.reduceSum(dz, [0], true);
      if (l > 0) dz = activationGrad(g, g.gemm(dz, params[l].kernel, undefined, { transB: true }), outs[k][l], activationOf(spec, l - 1));
    }
    return grads;
  });
  return Array.from({ length: 2 * layers }, (_, i) => {
    const l = i >> 1;
    const parts = perMember.map((grads) => grads[i]);
    const rows = parts.length === 1 ? parts[0] : g.concat(parts, 0);
    return g.reshape(rows, i % 2 === 0 ? [members.length, spec.sizes[l], spec.sizes[l + 1]] : [members.length, 1, spec.sizes[l + 1]]);
  });
};

/**
 * dL/dx[:, from:to] summed over members (a shared input [rows, in]), from each member's output
 * gradient: only the input columns asked for (a critic's action columns) go through layer 0.
 */
export const membersInputGrad = (
  g: GraphBuilder,
  spec: MlpSpec,
  members: readonly LayerParams[][],
  outs: readonly Value[][],
  dys: readonly Value[],
  columns: { readonly from: number; readonly to: number },
): Value => {
  const layers = spec.sizes.length - 1;
  const parts = members.map((params, k) => {
    let dz = activationGrad(g, dys[k], outs[k][layers], activationOf(spec, layers - 1));
    for (let l = layers - 1; l > 0; l--) dz = activationGrad(g, g.gemm(dz, params[l].kernel, undefined, { transB: true }), outs[k][l], activationOf(spec, l - 1));
    return g.gemm(dz, g.slice(params[0].kernel, [columns.from], [columns.to], [0]), undefined, { transB: true });
  });
  return parts.reduce((sum, p) => g.add(sum, p));
};
