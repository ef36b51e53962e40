import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { sinkhorn, sinkhornE, type SinkhornMethod, type SinkhornOptions } from '../../src/ot/sinkhorn.ts';

const METHODS: readonly SinkhornMethod[] = ['standard', 'log'];

const randomWeights = (rng: Rng, n: number): Float64Array => {
  const w = rng.fillUniform(new Float64Array(n), 0.2, 1) as Float64Array;
  const s = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / s);
};

const rowSums = (p: Float64Array, n: number, m: number): Float64Array => {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) r[i] += p[i * m + j];
  return r;
};
const colSums = (p: Float64Array, n: number, m: number): Float64Array => {
  const c = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) c[j] += p[i * m + j];
  return c;
};
const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
};
const norm2Diff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return Math.sqrt(s);
};

// A problem whose sizes are not multiples of 4 (exercises the padded layout), with non-uniform weights.
const randomProblem = (seed: number, n = 37, m = 23, epsilon = 0.05): SinkhornOptions => {
  const rng = Rng.fromSeed(seed);
  return { cost: rng.fillUniform(new Float64Array(n * m)) as Float64Array, rows: n, cols: m, epsilon, a: randomWeights(rng, n), b: randomWeights(rng, m) };
};

for (const method of METHODS) {
  test(`POT's published test vector (${method})`, () => {
    const r = sinkhorn({ cost: new Float64Array([0, 1, 1, 0]), rows: 2, cols: 2, epsilon: 1, a: [0.5, 0.5], b: [0.5, 0.5], method });
    const expected = [0.36552929, 0.13447071, 0.13447071, 0.36552929];
    assert.ok(maxAbsDiff(r.plan, expected) < 5e-9, `plan ${Array.from(r.plan)}`);
    assert.ok(Math.abs(r.cost - 0.26894142136999516) < 1e-15, `cost ${r.cost}`);
    assert.equal(r.converged, true);
    assert.equal(r.iterations, 1);
    assert.equal(r.warning, undefined);
  });

  test(`marginals are met at convergence on random problems (${method})`, () => {
    for (const seed of [1, 2, 3]) {
      const p = randomProblem(seed);
      const r = sinkhorn({ ...p, method });
      assert.equal(r.converged, true);
      assert.ok(r.marginalError < 1e-9);
      // the last half-step is the u-update: rows match a to rounding; columns to the tolerance
      assert.ok(maxAbsDiff(rowSums(r.plan, p.rows, p.cols), p.a!) < 1e-15);
      assert.ok(norm2Diff(colSums(r.plan, p.rows, p.cols), p.b!) < 1e-9);
      let cost = 0;
      for (let q = 0; q < r.plan.length; q++) {
        assert.ok(r.plan[q] >= 0);
        cost += r.plan[q] * p.cost[q];
      }
      assert.ok(Math.abs(cost - r.cost) < 1e-14);
    }
  });

  test(`the plan has the Gibbs form exp(logU_i − M_ij/ε + logV_j) (${method})`, () => {
    const p = randomProblem(4, 9, 14, 0.02);
    const r = sinkhorn({ ...p, method });
    for (let i = 0; i < p.rows; i++)
      for (let j = 0; j < p.cols; j++) {
        const logP = r.logU[i] - p.cost[i * p.cols + j] / p.epsilon + r.logV[j];
        assert.ok(Math.abs(Math.log(r.plan[i * p.cols + j]) - logP) < 1e-9);
      }
  });

  test(`permuting rows of M and a permutes the rows of the plan (${method})`, () => {
    const p = randomProblem(5, 11, 7);
    const rng = Rng.fromSeed(55);
    const perm = rng.shuffle(Array.from({ length: p.rows }, (_, i) => i));
    const cost = new Float64Array(p.cost.length);
    const a = new Float64Array(p.rows);
    perm.forEach((src, dst) => {
      cost.set(p.cost.subarray(src * p.cols, (src + 1) * p.cols), dst * p.cols);
      a[dst] = p.a![src];
    });
    const r0 = sinkhorn({ ...p, method });
    const r1 = sinkhorn({ ...p, cost, a, method });
    perm.forEach((src, dst) => {
      assert.ok(maxAbsDiff(r1.plan.subarray(dst * p.cols, (dst + 1) * p.cols), r0.plan.subarray(src * p.cols, (src + 1) * p.cols)) < 1e-15);
    });
    assert.ok(Math.abs(r0.cost - r1.cost) < 1e-14);
  });

  test(`one source row: the plan is b itself (${method})`, () => {
    const rng = Rng.fromSeed(6);
    const b = randomWeights(rng, 13);
    const r = sinkhorn({ cost: rng.fillUniform(new Float64Array(13)) as Float64Array, rows: 1, cols: 13, epsilon: 0.1, b, method });
    assert.ok(maxAbsDiff(r.plan, b) < 1e-15);
  });

  test(`zero weights give zero rows and columns (${method})`, () => {
    const p = randomProblem(7, 6, 5);
    const a = Float64Array.from(p.a!);
    const b = Float64Array.from(p.b!);
    a[2] = 0;
    b[4] = 0;
    const sa = a.reduce((x, y) => x + y, 0);
    const sb = b.reduce((x, y) => x + y, 0);
    const r = sinkhorn({ ...p, a: a.map((x) => x / sa), b: b.map((x) => x / sb), method });
    assert.equal(r.converged, true);
    for (let j = 0; j < 5; j++) assert.equal(r.plan[2 * 5 + j], 0);
    for (let i = 0; i < 6; i++) assert.equal(r.plan[i * 5 + 4], 0);
  });

  test(`stops at maxIterations without converging, and says so (${method})`, () => {
    const r = sinkhorn({ ...randomProblem(8, 20, 20, 0.002), method, maxIterations: 7 });
    assert.equal(r.iterations, 7);
    assert.equal(r.converged, false);
    assert.match(r.warning ?? '', /did not converge in 7 iterations/);
  });
}

test('log domain and standard domain agree', () => {
  for (const [seed, eps] of [[9, 0.1], [10, 0.01], [11, 0.003]] as const) {
    const p = randomProblem(seed, 30, 26, eps);
    const s = sinkhorn({ ...p, method: 'standard', maxIterations: 3000 });
    const l = sinkhorn({ ...p, method: 'log', maxIterations: 3000 });
    assert.equal(s.iterations, l.iterations);
    assert.equal(s.converged, l.converged);
    assert.ok(maxAbsDiff(s.plan, l.plan) < 1e-12, `eps ${eps}: ${maxAbsDiff(s.plan, l.plan)}`);
    assert.ok(Math.abs(s.cost - l.cost) < 1e-12);
  }
});

test('tiny epsilon: the standard domain stops cleanly on non-finite values, the log domain solves it', () => {
  // Every cost ≥ 1 and ε = 1e-3: exp(−M/ε) underflows to 0 everywhere.
  const cost = new Float64Array([1, 2, 3, 2, 1, 2, 3, 2, 1]).map((x) => x + 1);
  const standard = sinkhorn({ cost, rows: 3, cols: 3, epsilon: 1e-3, method: 'standard' });
  assert.equal(standard.stoppedOnNonFinite, true);
  assert.equal(standard.converged, false);
  assert.match(standard.warning ?? '', /non-finite/);
  assert.ok(standard.plan.every(Number.isFinite));
  assert.ok(Number.isFinite(standard.cost));

  const log = sinkhorn({ cost, rows: 3, cols: 3, epsilon: 1e-3, method: 'log' });
  assert.equal(log.stoppedOnNonFinite, false);
  assert.equal(log.converged, true);
  // ε → 0: the entropic plan tends to the optimal assignment (the identity), off-diagonal ~ e^{−1/ε}
  assert.ok(maxAbsDiff(log.plan, [1 / 3, 0, 0, 0, 1 / 3, 0, 0, 0, 1 / 3]) < 1e-12);
  assert.ok(Math.abs(log.cost - 2 / 1) < 1e-12);
});

test('small epsilon on a random problem: the standard domain stops, the log domain keeps finite, feasible rows', () => {
  const p = randomProblem(12, 40, 35, 1e-4);
  const standard = sinkhorn({ ...p, method: 'standard', maxIterations: 300 });
  assert.equal(standard.stoppedOnNonFinite, true);
  assert.ok(standard.plan.every(Number.isFinite));
  const log = sinkhorn({ ...p, method: 'log', maxIterations: 300 });
  assert.equal(log.stoppedOnNonFinite, false);
  assert.ok(log.plan.every(Number.isFinite));
  assert.ok(maxAbsDiff(rowSums(log.plan, p.rows, p.cols), p.a!) < 1e-12);
});

test('masses equal up to 1e-6 (relative) are accepted: b is rescaled to the mass of a', () => {
  const p = randomProblem(13, 5, 6);
  const b = Float64Array.from(p.b!, (x) => x * (1 + 5e-7));
  const r = sinkhorn({ ...p, b });
  assert.equal(r.converged, true);
  assert.ok(norm2Diff(colSums(r.plan, 5, 6), p.b!) < 1e-9);
});

test('invalid input is refused with a one-line invalid-input error', () => {
  const ok: SinkhornOptions = { cost: new Float64Array([0, 1, 1, 0]), rows: 2, cols: 2, epsilon: 1 };
  const cases: [Partial<SinkhornOptions>, RegExp][] = [
    [{ rows: 3 }, /cost has 4 entries, expected rows×cols = 3×2/],
    [{ rows: 0 }, /rows must be a positive integer/],
    [{ cols: 1.5 }, /cols must be a positive integer/],
    [{ epsilon: 0 }, /epsilon must be a finite number > 0/],
    [{ epsilon: -1 }, /epsilon/],
    [{ epsilon: NaN }, /epsilon/],
    [{ a: [0.5, 0.5, 0] }, /a has 3 weights, expected 2/],
    [{ a: [1.5, -0.5] }, /a\[1\] = -0.5: weights must be finite and non-negative/],
    [{ b: [NaN, 1] }, /b\[0\] = NaN/],
    [{ a: [0, 0] }, /a has zero total mass/],
    [{ a: [0.5, 0.5], b: [0.5, 0.6] }, /same total mass, got 1 and 1.1/],
    [{ cost: new Float64Array([0, 1, Infinity, 0]) }, /cost\[1\]\[0\] = Infinity: costs must be finite/],
    [{ cost: new Float64Array([0, NaN, 1, 0]) }, /cost\[0\]\[1\] = NaN/],
    [{ maxIterations: 0 }, /maxIterations must be a positive integer/],
    [{ tolerance: -1 }, /tolerance must be a finite number ≥ 0/],
    [{ method: 'exact' as SinkhornMethod }, /method must be 'standard' or 'log'/],
  ];
  for (const [change, message] of cases) {
    const r = sinkhornE({ ...ok, ...change });
    assert.ok(E.isLeft(r), `accepted ${JSON.stringify(change)}`);
    assert.equal(r.left.code, 'invalid-input');
    assert.match(r.left.message, message);
    assert.ok(!r.left.message.includes('\n'));
    assert.throws(
      () => sinkhorn({ ...ok, ...change }),
      (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input',
    );
  }
});

test('Float32 costs are accepted and give the same plan as their Float64 values', () => {
  const p = randomProblem(14, 8, 9);
  const c32 = Float32Array.from(p.cost);
  const r32 = sinkhorn({ ...p, cost: c32 });
  const r64 = sinkhorn({ ...p, cost: Float64Array.from(c32) });
  assert.deepEqual(Array.from(r32.plan), Array.from(r64.plan));
});

test('solving a large problem, then a small one, reuses the workspace correctly', () => {
  const big = randomProblem(15, 64, 61);
  const small = randomProblem(16, 3, 5);
  const before = sinkhorn(small);
  sinkhorn(big);
  const after = sinkhorn(small);
  assert.deepEqual(Array.from(after.plan), Array.from(before.plan));
});

test('standard domain: costs whose exp underflows take the range-checked kernel and still agree with the log domain', () => {
  // One cost 40× the others: M·(−1/ε) reaches −800, below exp's range, so the solve cannot use
  // the kernel without range checks; that entry's kernel value is exactly 0.
  const p = randomProblem(12, 19, 21);
  const cost = Float64Array.from(p.cost);
  cost[5] = 40;
  const standard = sinkhorn({ ...p, cost, method: 'standard' });
  const log = sinkhorn({ ...p, cost, method: 'log' });
  assert.equal(standard.converged, true);
  assert.equal(standard.plan[5], 0);
  assert.ok(maxAbsDiff(standard.plan, log.plan) < 1e-15);
  assert.ok(Math.abs(standard.cost - log.cost) < 1e-14);
  // Without the outlier the same problem runs on the unchecked kernel: the other entries agree.
  const inRange = sinkhorn({ ...p, method: 'standard' });
  assert.ok(maxAbsDiff(inRange.plan, sinkhorn({ ...p, method: 'log' }).plan) < 1e-15);
});

test('planInto: the plan is written into the given buffer, bit for bit the plan of a fresh solve; a buffer of the wrong size is refused', () => {
  const rng = Rng.fromSeed(11);
  const n = 7;
  const m = 5;
  const cost = rng.fillUniform(new Float64Array(n * m), 0, 1) as Float64Array;
  for (const method of METHODS) {
    const fresh = sinkhorn({ cost, rows: n, cols: m, epsilon: 0.1, method });
    const into = new Float64Array(n * m).fill(Number.NaN);
    const reused = sinkhorn({ cost, rows: n, cols: m, epsilon: 0.1, method, planInto: into });
    assert.equal(reused.plan, into, method);
    assert.deepEqual(Array.from(into), Array.from(fresh.plan), method);
    assert.equal(reused.cost, fresh.cost, method);
  }
  const bad = sinkhornE({ cost, rows: n, cols: m, epsilon: 0.1, planInto: new Float64Array(n * m - 1) });
  assert.ok(E.isLeft(bad) && /planInto must be a Float64Array of rows×cols = 35 entries/.test(bad.left.message));
});
