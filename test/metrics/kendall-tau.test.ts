import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { kendallTau, type KendallVariant } from '../../src/metrics/kendall-tau.ts';

const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** O(n²) reference straight from the definitions (pair counts), for random inputs. */
const bruteForce = (x: ArrayLike<number>, y: ArrayLike<number>, variant: KendallVariant): number => {
  const n = x.length;
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) c++;
      else if (s < 0) d++;
      if (x[i] === x[j]) tx++;
      if (y[i] === y[j]) ty++;
    }
  const n0 = (n * (n - 1)) / 2;
  if (n < 2 || tx === n0 || ty === n0) return NaN;
  if (variant === 'a') return (c - d) / n0;
  if (variant === 'b') return (c - d) / Math.sqrt((n0 - tx) * (n0 - ty));
  const m = Math.min(new Set(Array.from(x)).size, new Set(Array.from(y)).size);
  return (2 * (c - d)) / ((n * n * (m - 1)) / m);
};

test('hand-computed: no ties', () => {
  // y in x-order is [3, 1, 2, 5, 4]: discordant pairs (3,1), (3,2), (5,4) → D = 3, C = 10 − 3 = 7;
  // with no ties every variant is (C − D)/10 = 0.4 (τ-c: m = n = 5, 2·4/(25·4/5) = 0.4).
  const x = [1, 2, 3, 4, 5];
  const y = [3, 1, 2, 5, 4];
  for (const v of ['a', 'b', 'c'] as const) close(kendallTau(x, y, { variant: v }), 0.4, 1e-15, v);
  // Perfect agreement and reversal.
  assert.equal(kendallTau(x, x), 1);
  assert.equal(kendallTau(x, [...x].reverse()), -1);
});

test('hand-computed: ties', () => {
  // (x, y): (1,1) (1,2) (2,1) (2,3) (3,3) (3,2). 15 pairs; tied in x: 3, tied in y: 3, in both: 0.
  // Of the 9 pairs tied in neither, discordant: (1,2)-(2,1) and (2,3)-(3,2) → C = 7, D = 2.
  // τ-a = 5/15; τ-b = 5/√(12·12) = 5/12; τ-c = 2·5/(36·(3 − 1)/3) = 5/12.
  const x = [1, 1, 2, 2, 3, 3];
  const y = [1, 2, 1, 3, 3, 2];
  close(kendallTau(x, y, { variant: 'a' }), 5 / 15, 1e-15, 'a');
  close(kendallTau(x, y, { variant: 'b' }), 5 / 12, 1e-15, 'b');
  close(kendallTau(x, y, { variant: 'c' }), 5 / 12, 1e-15, 'c');
  assert.equal(kendallTau(x, y), kendallTau(x, y, { variant: 'b' }), 'b is the default, as in scipy');
});

test('matches scipy.stats.kendalltau (b, c) and the τ-a definition', () => {
  // Reference values computed once with scipy 1.17.1 (Debian python3-scipy):
  //   python3 -c "from scipy.stats import kendalltau; print(kendalltau(x, y).statistic, kendalltau(x, y, variant='c').statistic)"
  // for each case below; τ-a from the O(n²) pair count (C − D)/(n(n − 1)/2) in the same script.
  const cases: { name: string; x: number[]; y: number[]; a: number; b: number; c: number }[] = [
    {
      name: 'relu-like (many zeros)',
      x: [0, 0, 0, 0.5, 1.2, 0, 2.0, 0.3],
      y: [0, 0.1, 0, 0, 0.9, 0, 1.5, 0],
      a: 0.39285714285714285,
      b: 0.5527707983925667,
      c: 0.4583333333333333,
    },
    {
      name: 'random integers (ties), n = 40',
      x: [3, 1, 4, 4, 0, 0, 0, 0, 2, 1, 2, 1, 4, 3, 3, 0, 0, 4, 1, 4, 3, 0, 2, 2, 2, 0, 3, 1, 1, 2, 1, 2, 4, 2, 3, 4, 1, 1, 2, 0],
      y: [4, 4, 4, 6, 2, 6, 6, 6, 2, 0, 6, 6, 2, 4, 1, 6, 5, 2, 5, 1, 6, 5, 5, 4, 0, 5, 4, 1, 6, 0, 2, 5, 5, 0, 1, 6, 3, 0, 2, 4],
      a: -0.1282051282051282,
      b: -0.154114125916564,
      c: -0.15625,
    },
    {
      name: 'random floats (no ties), n = 25',
      x: [0.409, -0.574, 0.953, -0.129, 0.594, 0.613, -0.391, -1.93, -0.348, 0.551, -0.38, 0.439, 0.98, -0.544, 1.231, 1.622, 1.079, 1.165, 1.097, 2.255, 0.186, 0.002, 0.603, -0.908, -1.553],
      y: [-0.882, 0.373, 0.473, -1.536, -1.883, -0.316, -0.188, -0.049, 0.671, 1.229, 0.231, 0.613, -1.095, -1.176, 0.236, 0.665, 0.726, 0.593, 0.784, 0.81, -1.752, -0.734, 0.455, 0.597, -1.512],
      a: 0.2733333333333333,
      b: 0.27333333333333326,
      c: 0.2733333333333333,
    },
  ];
  for (const k of cases) {
    close(kendallTau(k.x, k.y, { variant: 'a' }), k.a, 1e-12, `${k.name} a`);
    close(kendallTau(k.x, k.y, { variant: 'b' }), k.b, 1e-12, `${k.name} b`);
    close(kendallTau(k.x, k.y, { variant: 'c' }), k.c, 1e-12, `${k.name} c`);
  }
});

test('NaN where undefined, as scipy: constant input, fewer than two values, NaN values', () => {
  // scipy: kendalltau([1, 1, 1], [1, 2, 3]) → nan; kendalltau([1], [2]) → nan.
  for (const v of ['a', 'b', 'c'] as const) {
    assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3], { variant: v })), v);
    assert.ok(Number.isNaN(kendallTau([1, 2, 3], [0, 0, 0], { variant: v })), v);
    assert.ok(Number.isNaN(kendallTau([1], [2], { variant: v })), v);
    assert.ok(Number.isNaN(kendallTau([], [], { variant: v })), v);
    assert.ok(Number.isNaN(kendallTau([1, NaN, 3], [1, 2, 3], { variant: v })), v);
  }
});

test('bad input is a DistilleryFailure, not a plain Error', () => {
  assert.throws(() => kendallTau([1, 2], [1, 2, 3]), (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input');
  assert.throws(() => kendallTau([1, 2], [1, 2], { variant: 'z' as KendallVariant }), (e: unknown) => e instanceof DistilleryFailure);
});

test('agrees with the O(n²) definition on random inputs with ties', () => {
  const rng = Rng.fromSeed(7);
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + rng.int(120);
    // Few distinct values (ties in x, y and both) on some trials; ReLU-like zeros on others.
    const levels = 1 + rng.int(trial % 3 === 0 ? 4 : 50);
    const x = Float32Array.from({ length: n }, () => rng.int(levels));
    const y = Float32Array.from({ length: n }, () => (rng.bernoulli(0.4) ? 0 : rng.normal()));
    for (const v of ['a', 'b', 'c'] as const) {
      const want = bruteForce(x, y, v);
      const got = kendallTau(x, y, { variant: v });
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `trial ${trial} ${v}: ${got} vs NaN`);
      else close(got, want, 1e-12, `trial ${trial} ${v}`);
    }
  }
});

test('10⁵-long inputs in well under a second', () => {
  const rng = Rng.fromSeed(1);
  const n = 100_000;
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => x[i] + rng.normal());
  const t0 = performance.now();
  const tau = kendallTau(x, y);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `${ms} ms`);
  // y = x + N(0, 1): Pearson ρ = 1/√2, and for a bivariate normal τ = (2/π) asin ρ = 0.5.
  close(tau, 0.5, 0.01, 'τ of a bivariate normal');
});
