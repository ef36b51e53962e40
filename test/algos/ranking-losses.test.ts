import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { listwiseSoftmaxCE, ndcgSurrogate, pairwiseLogistic, type RankingLoss } from '../../src/algos/distillation/ranking.ts';

const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Central differences in float64 against the analytic gradient, every coordinate of x (and y). */
const gradCheck = (f: (x: Float64Array, y: Float64Array) => RankingLoss, x: Float64Array, y: Float64Array, what: string, checkY: boolean): void => {
  const h = 1e-6;
  const g = f(x, y);
  for (const [v, grad, name] of [[x, g.gradX, 'x'], ...(checkY ? [[y, g.gradY!, 'y'] as const] : [])] as const)
    for (let k = 0; k < v.length; k++) {
      const keep = v[k];
      v[k] = keep + h;
      const up = f(x, y).loss;
      v[k] = keep - h;
      const down = f(x, y).loss;
      v[k] = keep;
      const numeric = (up - down) / (2 * h);
      close(grad[k], numeric, 1e-6 + 1e-5 * Math.abs(numeric), `${what} d/d${name}[${k}]`);
    }
};

/** ReLU-like activation vectors: some exact zeros, distinct positive values. */
const activations = (rng: Rng, n: number): Float64Array => Float64Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 0 : Math.abs(rng.normal(0, 2))));

test('pairwise logistic: hand values and gradients', () => {
  // One pair: agreeing order (x, y differences 1·1) → log(1 + e^−1); opposite order → log(1 + e).
  close(pairwiseLogistic([1, 0], [1, 0]).loss, Math.log1p(Math.exp(-1)), 1e-15);
  close(pairwiseLogistic([0, 1], [1, 0]).loss, Math.log1p(Math.E), 1e-15);
  // Ties contribute log 2 per pair: three neurons all equal → 3 log 2.
  close(pairwiseLogistic([1, 1, 1], [0, 2, 5]).loss, 3 * Math.LN2, 1e-15);
  // No overflow for huge disagreements: softplus(1e6) = 1e6.
  close(pairwiseLogistic([0, 1000], [1000, 0]).loss, 1e6, 1e-6);
  const rng = Rng.fromSeed(3);
  for (let trial = 0; trial < 5; trial++) gradCheck(pairwiseLogistic, activations(rng, 12), activations(rng, 12), `pairwise ${trial}`, true);
});

test('listwise softmax cross-entropy: hand values and gradients', () => {
  // Uniform target and uniform prediction over two neurons: log 2. x = y: the entropy of P_y.
  close(listwiseSoftmaxCE([0, 0], [0, 0]).loss, Math.LN2, 1e-15);
  const p = [Math.exp(1) / (1 + Math.exp(1)), 1 / (1 + Math.exp(1))];
  close(listwiseSoftmaxCE([1, 0], [1, 0]).loss, -(p[0] * Math.log(p[0]) + p[1] * Math.log(p[1])), 1e-15);
  // Shift invariance (softmax): adding a constant to x changes nothing.
  close(listwiseSoftmaxCE([3, 1, 2], [0, 2, 1]).loss, listwiseSoftmaxCE([103, 101, 102], [0, 2, 1]).loss, 1e-12);
  const rng = Rng.fromSeed(4);
  for (let trial = 0; trial < 5; trial++) gradCheck(listwiseSoftmaxCE, activations(rng, 12), activations(rng, 12), `listwise ${trial}`, true);
});

test('NDCG surrogate: 1 − NDCG at a small temperature, and gradients', () => {
  // Gains from y = [2, 1, 0]: [1, 0.5, 0]. IDCG = 1/log₂2 + 0.5/log₂3.
  const idcg = 1 + 0.5 / Math.log2(3);
  const y = [2, 1, 0];
  close(ndcgSurrogate([5, 3, 1], y, 1e-3).loss, 0, 1e-12, 'same order');
  // Reversed: neuron 2 first, 1 second, 0 third → DCG = 0 + 0.5/log₂3 + 1/log₂4.
  close(ndcgSurrogate([0, 1, 2], y, 1e-3).loss, 1 - (0.5 / Math.log2(3) + 0.5) / idcg, 1e-12, 'reversed');
  // Scale-free in y; constant y is loss 0 with zero gradient.
  close(ndcgSurrogate([0.3, 1, 2], [20, 10, 0], 0.5).loss, ndcgSurrogate([0.3, 1, 2], y, 0.5).loss, 1e-12, 'y scale');
  const flat = ndcgSurrogate([1, 2, 3], [4, 4, 4], 1);
  assert.equal(flat.loss, 0);
  assert.ok(flat.gradX.every((g) => g === 0));
  assert.throws(() => ndcgSurrogate([1], [1], 0), (e: unknown) => e instanceof DistilleryFailure);
  const rng = Rng.fromSeed(5);
  for (const temperature of [0.3, 1, 3])
    for (let trial = 0; trial < 3; trial++)
      gradCheck((x, yy) => ndcgSurrogate(x, yy, temperature), activations(rng, 10), activations(rng, 10), `ndcg T ${temperature} ${trial}`, false);
});

test('mismatched lengths are input errors', () => {
  for (const f of [pairwiseLogistic, listwiseSoftmaxCE, (x: number[], y: number[]) => ndcgSurrogate(x, y, 1)])
    assert.throws(() => f([1, 2], [1]), (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input');
});
