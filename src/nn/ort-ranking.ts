/**
 * The ranking regularizers of src/algos/distillation/ranking.ts as ONNX subgraphs: losses on one
 * hidden layer's activations of the same states under task i (x) and under every other task j (y),
 * with their hand-derived gradients, evaluated for a whole batch at once. The JS reference loops
 * over unordered neuron pairs k < l; here every ordered pair is one element of a [·, B, n, n]
 * tensor, and the sums over pairs become reductions over all of them, by symmetry or with a mask
 * (the derivations below show why the two agree). Float32 throughout, where the reference
 * computes in float64.
 *
 * Memory: the pairwise loss holds a few [J, B, n, n] tensors, NDCG [B, n, n] ones (256 MB each
 * for B = 1024, n = 256, J = 1); the student step passes one other task per y.
 */
import type { GraphBuilder, Value } from './ort-graph.ts';

export type OrtRankingKind = 'pairwise' | 'listwise' | 'ndcg';

/** Structurally the Distiller's RegularizerOptions (the nn layer cannot import the algorithms). */
export interface OrtRankingRegularizer {
  readonly kind: OrtRankingKind;
  /** λ. */
  readonly weight: number;
  /** 1-based hidden layer. */
  readonly layer: number;
  /** NDCG surrogate's temperature. */
  readonly temperature: number;
}

export interface RankingTerms {
  /** Per-row loss [J, B]. */
  readonly rowLoss: Value;
  /** d rowLoss / dx [J, B, n] (each j's own gradient; the caller sums over j). */
  readonly gradX: Value;
  /** d rowLoss / dy [J, B, n]; absent for NDCG (y is the reference ranking). */
  readonly gradY?: Value;
}

/** [n, n] constant: 1 where keep(k, l), else 0. */
const pairMask = (g: GraphBuilder, n: number, keep: (k: number, l: number) => boolean): Value => {
  const m = new Float32Array(n * n);
  for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) m[k * n + l] = keep(k, l) ? 1 : 0;
  return g.constant(m, [n, n]);
};

const one = (g: GraphBuilder, opType: string, inputs: readonly Value[], attributes: Parameters<GraphBuilder['op']>[2] = []): Value =>
  g.op(opType, inputs, attributes)[0];

const lastAxis = [{ name: 'axis', kind: 'int' as const, value: -1 }];

/**
 * x [1, B, n] (task i's activations) against each of `ys` (other tasks' activations, each
 * [J, B, n]; the student step passes one task per entry, J = 1), `n` the layer's width. What
 * depends on x alone is built once for all of them; each y's terms are built after the previous
 * one's.
 */
export const rankingTerms = (g: GraphBuilder, kind: OrtRankingKind, x: Value, ys: readonly Value[], n: number, temperature: number): RankingTerms[] => {
  // Entry [k, l] of a pair tensor is neuron k against neuron l. Reshape's 0 keeps the batch size;
  // −1 is y's leading size J (x's is 1).
  const column = (v: Value): Value => g.reshape(v, [-1, 0, n, 1]);
  const row = (v: Value): Value => g.reshape(v, [-1, 0, 1, n]);
  const J = -1;
  if (kind === 'pairwise') {
    // d_kl = (x_k − x_l)(y_k − y_l), z = −d; loss = Σ_{k<l} softplus(z_kl). d is symmetric with
    // d_kk = 0, so that is (Σ_{k,l} softplus(z_kl) − n·ln 2)/2: no mask. ORT's Softplus kernel is
    // scalar (most of the step at n = 256); softplus(z) = relu(z) − ln σ(|z|) runs on vectorised
    // kernels, and σ(|z|) ∈ [½, 1] neither underflows nor loses the small terms' absolute accuracy.
    const dx = g.sub(column(x), row(x));
    return ys.map((y) => {
      const negDy = g.sub(row(y), column(y));
      const z = g.mul(dx, negDy);
      const all = g.sub(g.reduceSum(g.relu(z), [2, 3], false), g.reduceSum(one(g, 'Log', [one(g, 'Sigmoid', [g.abs(z)])]), [2, 3], false));
      const rowLoss = g.mul(g.sub(all, g.scalar(n * Math.LN2)), g.scalar(0.5));
      // G_kl = −σ(z_kl) is symmetric and DY antisymmetric, so Σ_l G_kl·DY_kl over every l ≠ k is
      // the reference's Σ_{l>k} g·dy_kl − Σ_{l<k} g·dy_lk (and DY_kk = 0); likewise for y with DX.
      // With s = σ(z): gradX_k = Σ_l s_kl (y_l − y_k) = (s·y)_k − y_k Σ_l s_kl and
      // gradY_k = −Σ_l s_kl (x_k − x_l) = (s·x)_k − x_k Σ_l s_kl: one product s·[y | x] and one
      // row sum read s, instead of two [B, n, n] products.
      const sig = one(g, 'Sigmoid', [z]);
      const yx = g.concat([g.reshape(y, [-1, 0, n, 1]), g.reshape(x, [-1, 0, n, 1])], 3); // [1, B, n, 2]
      const product = g.sub(g.matmul(sig, yx), g.mul(yx, g.reduceSum(sig, [3], true))); // [1, B, n, 2]
      return { rowLoss, gradX: g.reshape(g.slice(product, [0], [1], [3]), [-1, 0, n]), gradY: g.reshape(g.slice(product, [1], [2], [3]), [-1, 0, n]) };
    });
  }
  if (kind === 'listwise') {
    // −Σ_k P_y(k) log P_x(k); d/dx = P_x − P_y; d/dy = −P_y (log P_x + loss).
    const px = one(g, 'Softmax', [x], lastAxis);
    const logPx = one(g, 'LogSoftmax', [x], lastAxis);
    return ys.map((y) => {
      const py = one(g, 'Softmax', [y], lastAxis);
      const lossKeep = g.neg(g.reduceSum(g.mul(py, logPx), [2], true));
      return { rowLoss: g.reshape(lossKeep, [J, 0]), gradX: g.sub(px, py), gradY: g.neg(g.mul(py, g.add(logPx, lossKeep))) };
    });
  }
  // NDCG surrogate: gains g_k = (y_k − min y)/(max y − min y), smoothed ranks of x
  // π̂_k = 1 + Σ_{l≠k} σ((x_l − x_k)/T), loss 1 − DCG/IDCG; a constant y gives 0 and no gradient.
  const offDiagonal = pairMask(g, n, (k, l) => k !== l);
  const sig = one(g, 'Sigmoid', [g.div(g.sub(row(x), column(x)), g.scalar(temperature))]); // [1, B, n, n]
  const rank = g.add(g.scalar(1), g.reduceSum(g.mul(sig, offDiagonal), [3], false)); // [1, B, n]
  const onePlusRank = g.add(g.scalar(1), rank);
  const ln = one(g, 'Log', [onePlusRank]);
  // π̂_k depends on x_l (l ≠ k) through +M_kl and on x_k through −Σ_l M_kl, M_kl = σ'(·)/T.
  const M = g.mul(g.div(g.mul(sig, g.sub(g.scalar(1), sig)), g.scalar(temperature)), offDiagonal); // [1, B, n, n]
  const rowSumM = g.reduceSum(M, [3], false);
  const log2Ranks = g.constant(Float32Array.from({ length: n }, (_, r) => Math.log2(2 + r)), [n]);
  return ys.map((y) => {
    const lo = g.reduceMin(y, [2], true);
    const hi = one(g, 'ReduceMax', [y], [
      { name: 'axes', kind: 'ints', value: [2] },
      { name: 'keepdims', kind: 'int', value: 1 },
    ]);
    const valid = one(g, 'Greater', [hi, lo]);
    const gain = g.div(g.sub(y, lo), one(g, 'Where', [valid, g.sub(hi, lo), g.scalar(1)]));
    const [sorted] = g.op('TopK', [gain, g.ints([n])], [
      { name: 'axis', kind: 'int', value: -1 },
      { name: 'largest', kind: 'int', value: 1 },
      { name: 'sorted', kind: 'int', value: 1 },
    ], 2);
    const idcg = one(g, 'Where', [valid, g.reduceSum(g.div(sorted, log2Ranks), [2], true), g.scalar(1)]);
    const dcg = g.reduceSum(g.div(g.mul(gain, g.scalar(Math.LN2)), ln), [2], true);
    const rowLoss = g.reshape(g.mul(g.sub(g.scalar(1), g.div(dcg, idcg)), g.toFloat(valid)), [J, 0]);
    // a_k = d loss/d π̂_k = −g_k f'(π̂_k)/IDCG, f(π) = ln 2/ln(1 + π): gradX_j = Σ_k a_k M_kj − a_j Σ_l M_jl.
    const a = g.div(g.mul(gain, g.scalar(Math.LN2)), g.mul(g.mul(g.mul(onePlusRank, ln), ln), idcg)); // [J, B, n]
    const spread = g.reshape(g.matmul(g.reshape(a, [J, 0, 1, n]), M), [J, 0, n]);
    return { rowLoss, gradX: g.sub(spread, g.mul(a, rowSumM)) };
  });
};
