/**
 * Ranking regularizers (docs/facts.md, "Ranking regularizers"): losses on one hidden layer's
 * activations of the same state under two task ids, x (task i) and y (task j), that are small
 * when the two rank the layer's neurons alike — pushing the student to share computation between
 * tasks. The thesis adds λ·regularizer (λ = 100) to the distillation loss.
 *
 * Two forms of each loss: plain float64 JS with hand-written gradients, for the vectors of one
 * state (the reference, checked against central differences), and tfjs ops on a batch of states
 * (`rankingLossTensor`, mean over states), which the Distiller adds to the distillation loss so
 * that tfjs' autodiff carries the gradient through the student (tested against the JS form).
 */
import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';

export type RankingLossKind = 'none' | 'pairwise' | 'listwise' | 'ndcg';

/** λ's default: the thesis' weight. */
export const DEFAULT_RANKING_WEIGHT = 100;

export interface RankingLoss {
  readonly loss: number;
  readonly gradX: Float64Array;
  /** Absent where the loss uses y only through a ranking (NDCG: y is the reference). */
  readonly gradY?: Float64Array;
}

const checkPair = (x: ArrayLike<number>, y: ArrayLike<number>, what: string): void => {
  if (x.length !== y.length) throw new DistilleryFailure(distilleryError('invalid-input', `${what}: activation vectors of different lengths (${x.length} and ${y.length})`));
};

/** log(1 + e^z) without overflow for large z or loss of precision for very negative z. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Pairwise logistic: Σ_{k<l} log(1 + exp(−(x_k − x_l)(y_k − y_l))), over unordered neuron pairs
 * (each pair once; the facts' Σ over ordered pairs is twice this). Small when every pair is
 * ordered alike in x and y, with a margin that grows with the gaps.
 */
export const pairwiseLogistic = (x: ArrayLike<number>, y: ArrayLike<number>): RankingLoss => {
  checkPair(x, y, 'pairwise logistic');
  const n = x.length;
  const gradX = new Float64Array(n);
  const gradY = new Float64Array(n);
  let loss = 0;
  for (let k = 0; k < n; k++)
    for (let l = k + 1; l < n; l++) {
      const dx = x[k] - x[l];
      const dy = y[k] - y[l];
      const d = dx * dy;
      loss += softplus(-d);
      // d softplus(−d)/dd = −σ(−d); dd/dx_k = dy, dd/dx_l = −dy (and symmetrically for y).
      const g = -sigmoid(-d);
      gradX[k] += g * dy;
      gradX[l] -= g * dy;
      gradY[k] += g * dx;
      gradY[l] -= g * dx;
    }
  return { loss, gradX, gradY };
};

const softmax = (v: ArrayLike<number>): { p: Float64Array; logP: Float64Array } => {
  const n = v.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, v[i]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(v[i] - max);
  const logZ = max + Math.log(sum);
  const logP = Float64Array.from({ length: n }, (_, i) => v[i] - logZ);
  return { p: logP.map(Math.exp), logP };
};

/**
 * Listwise softmax cross-entropy: −Σ_k P_y(k) log P_x(k), P = softmax over the layer's neurons
 * (ListNet's top-one probabilities): y's distribution is the target, x is fitted to it.
 */
export const listwiseSoftmaxCE = (x: ArrayLike<number>, y: ArrayLike<number>): RankingLoss => {
  checkPair(x, y, 'listwise softmax cross-entropy');
  const n = x.length;
  const sx = softmax(x);
  const sy = softmax(y);
  let loss = 0;
  for (let k = 0; k < n; k++) loss -= sy.p[k] * sx.logP[k];
  // d/dx: P_x − P_y (Σ P_y = 1). d/dy: through P_y, −P_y(k)(log P_x(k) − Σ_l P_y(l) log P_x(l)).
  const gradX = Float64Array.from({ length: n }, (_, k) => sx.p[k] - sy.p[k]);
  const gradY = Float64Array.from({ length: n }, (_, k) => -sy.p[k] * (sx.logP[k] + loss));
  return { loss, gradX, gradY };
};

/**
 * NDCG surrogate (ApproxNDCG, Qin, Liu & Li 2010): 1 − DCG(x̂)/IDCG, where neuron k's rank under
 * x is smoothed to π̂_k = 1 + Σ_{l≠k} σ((x_l − x_k)/T) and its gain is y_k rescaled to [0, 1]
 * (activations are unbounded, so the usual 2^rel − 1 gains would overflow; a linear gain keeps
 * the loss invariant to y's scale). DCG = Σ_k g_k / log₂(1 + π̂_k); IDCG sorts the gains. As T → 0
 * it is 1 − NDCG of x's ranking. y is the reference ranking: no gradient flows to it. A constant
 * y (no ranking to follow) gives loss 0 and zero gradients.
 */
export const ndcgSurrogate = (x: ArrayLike<number>, y: ArrayLike<number>, temperature: number): RankingLoss => {
  checkPair(x, y, 'NDCG surrogate');
  if (!(temperature > 0)) throw new DistilleryFailure(distilleryError('invalid-input', `NDCG surrogate: temperature must be positive, got ${temperature}`));
  const n = x.length;
  const gradX = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    lo = Math.min(lo, y[k]);
    hi = Math.max(hi, y[k]);
  }
  if (!(hi > lo)) return { loss: 0, gradX };
  const gain = Float64Array.from({ length: n }, (_, k) => (y[k] - lo) / (hi - lo));
  const sorted = Float64Array.from(gain).sort().reverse();
  let idcg = 0;
  for (let r = 0; r < n; r++) idcg += sorted[r] / Math.log2(2 + r);
  // Smoothed ranks, and σ'((x_l − x_k)/T) for every ordered pair (reused by the gradient).
  const rank = new Float64Array(n).fill(1);
  const dsig = new Float64Array(n * n);
  for (let k = 0; k < n; k++)
    for (let l = 0; l < n; l++) {
      if (l === k) continue;
      const s = sigmoid((x[l] - x[k]) / temperature);
      rank[k] += s;
      dsig[k * n + l] = (s * (1 - s)) / temperature;
    }
  let dcg = 0;
  // a_k = d loss / d π̂_k = −g_k f'(π̂_k)/IDCG with f(π) = ln 2 / ln(1 + π).
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ln = Math.log1p(rank[k]);
    dcg += (gain[k] * Math.LN2) / ln;
    a[k] = (gain[k] * Math.LN2) / ((1 + rank[k]) * ln * ln * idcg);
  }
  // π̂_k depends on x_l (l ≠ k) through +σ'(·)/T and on x_k through −Σ_l σ'(·)/T.
  for (let k = 0; k < n; k++)
    for (let l = 0; l < n; l++) {
      if (l === k) continue;
      const d = a[k] * dsig[k * n + l];
      gradX[l] += d;
      gradX[k] -= d;
    }
  return { loss: 1 - dcg / idcg, gradX };
};

/** The regularizer `kind` on (x, y), unweighted (the caller multiplies by λ). */
export const rankingLoss = (kind: Exclude<RankingLossKind, 'none'>, x: ArrayLike<number>, y: ArrayLike<number>, temperature = 1): RankingLoss =>
  kind === 'pairwise' ? pairwiseLogistic(x, y) : kind === 'listwise' ? listwiseSoftmaxCE(x, y) : ndcgSurrogate(x, y, temperature);

/**
 * The same losses as tfjs ops on a batch: x, y [B, n] (row b: one state's layer activations under
 * task i and task j), returning the mean over rows of the per-row loss above. Differentiable in x
 * and y for pairwise and listwise; NDCG uses y only through its gains (pass a constant y, as the
 * JS form has no gradient for it). Call inside tf.tidy or a gradient function.
 */
export const rankingLossTensor = (kind: Exclude<RankingLossKind, 'none'>, x: tf.Tensor2D, y: tf.Tensor2D, temperature = 1): tf.Scalar => {
  if (x.shape[0] !== y.shape[0] || x.shape[1] !== y.shape[1])
    throw new DistilleryFailure(distilleryError('invalid-input', `ranking loss: activations of shapes [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`));
  const n = x.shape[1];
  if (kind === 'listwise') return tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(y), tf.logSoftmax(x)), 1))) as tf.Scalar;
  // [B, n, n] differences x_k − x_l (row k, column l).
  const diffs = (v: tf.Tensor2D): tf.Tensor3D => tf.sub(tf.expandDims(v, 2), tf.expandDims(v, 1)) as tf.Tensor3D;
  if (kind === 'pairwise') {
    // Σ over all ordered pairs counts each unordered pair twice and adds softplus(0) = ln 2 per diagonal entry.
    const all = tf.sum(tf.softplus(tf.neg(tf.mul(diffs(x), diffs(y)))), [1, 2]);
    return tf.mean(tf.div(tf.sub(all, n * Math.LN2), 2)) as tf.Scalar;
  }
  if (!(temperature > 0)) throw new DistilleryFailure(distilleryError('invalid-input', `NDCG surrogate: temperature must be positive, got ${temperature}`));
  const lo = tf.min(y, 1, true);
  const span = tf.sub(tf.max(y, 1, true), lo);
  const constant = tf.lessEqual(span, 0);
  // Gains in [0, 1]; a constant row has no ranking to follow: zero gains, loss 0 (as the JS form).
  const gain = tf.where(constant, tf.zerosLike(y), tf.div(tf.sub(y, lo), tf.where(constant, tf.onesLike(span), span)));
  const discounts = tf.tensor1d(Float32Array.from({ length: n }, (_, r) => 1 / Math.log2(2 + r)));
  const idcg = tf.sum(tf.mul(tf.topk(gain, n).values, discounts), 1);
  // π̂_k = 1 + Σ_{l≠k} σ((x_l − x_k)/T) = ½ + Σ_l σ(…), the diagonal term being σ(0) = ½.
  const rank = tf.add(tf.sum(tf.sigmoid(tf.div(tf.neg(diffs(x)), temperature)), 2), 0.5);
  const dcg = tf.sum(tf.div(tf.mul(gain, Math.LN2), tf.log1p(rank)), 1);
  const perRow = tf.where(tf.lessEqual(idcg, 0), tf.zerosLike(idcg), tf.sub(1, tf.div(dcg, tf.where(tf.lessEqual(idcg, 0), tf.onesLike(idcg), idcg))));
  return tf.mean(perRow) as tf.Scalar;
};
