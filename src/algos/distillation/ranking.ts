/**
 * Ranking regularizers (docs/facts.md, "Ranking regularizers"): losses on one hidden layer's
 * activations of the same state under two task ids, x (task i) and y (task j), that are small
 * when the two rank the layer's neurons alike — pushing the student to share computation between
 * tasks. The thesis adds λ·regularizer (λ = 100) to the distillation loss.
 *
 * Plain float64 JS with hand-written gradients (checked against central differences), per state
 * and on a batch (`rankingLossBatch`, mean over states); the Distiller feeds the batch gradient
 * into the student's backward pass at the regularized layer.
 */
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

/** 1/(1 + e^−z) without overflow. */
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
      // softplus(−d) and σ(−d) from one exponential, e = exp(−|d|) ≤ 1 (no overflow).
      const e = Math.exp(-Math.abs(d));
      loss += d > 0 ? Math.log1p(e) : -d + Math.log1p(e);
      // d softplus(−d)/dd = −σ(−d); dd/dx_k = dy, dd/dx_l = −dy (and symmetrically for y).
      const g = d > 0 ? -e / (1 + e) : -1 / (1 + e);
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
  // Each unordered pair once: σ((x_k − x_l)/T) = 1 − σ((x_l − x_k)/T), and σ' is even.
  for (let k = 0; k < n; k++)
    for (let l = k + 1; l < n; l++) {
      const s = sigmoid((x[l] - x[k]) / temperature);
      rank[k] += s;
      rank[l] += 1 - s;
      dsig[k * n + l] = dsig[l * n + k] = (s * (1 - s)) / temperature;
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
 * The regularizer on a batch: x, y row-major [B, n] (row b: one state's layer activations under
 * task i and task j) → the mean over rows of the per-row loss, with its gradients (gradY absent
 * for NDCG, whose y is the reference ranking). Plain loops: the pairwise and NDCG terms as tfjs
 * [B, n, n] tensors ran at ~0.4–0.7 s per step of 256 states × 64 neurons on tfjs-wasm.
 */
export const rankingLossBatch = (kind: Exclude<RankingLossKind, 'none'>, x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, y: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, n: number, temperature = 1): RankingLoss => {
  if (x.length !== y.length || n <= 0 || x.length % n !== 0)
    throw new DistilleryFailure(distilleryError('invalid-input', `ranking loss: activations of ${x.length} and ${y.length} values in rows of ${n}`));
  const rows = x.length / n;
  const gradX = new Float64Array(x.length);
  const gradY = kind === 'ndcg' ? undefined : new Float64Array(x.length);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const l = rankingLoss(kind, x.subarray(r * n, (r + 1) * n), y.subarray(r * n, (r + 1) * n), temperature);
    total += l.loss;
    for (let k = 0; k < n; k++) {
      gradX[r * n + k] = l.gradX[k] / rows;
      if (gradY) gradY[r * n + k] = l.gradY![k] / rows;
    }
  }
  return { loss: total / rows, gradX, ...(gradY ? { gradY } : {}) };
};
