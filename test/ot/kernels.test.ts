import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { EXP_MAX_ARG, EXP_MIN_ARG, sinkhornWorkspace } from '../../src/ot/kernels.ts';

test('the SIMD exp kernel is accurate to a few ulps over its range, 0 below and +∞ above it', () => {
  const rng = Rng.fromSeed(21);
  const n = 50;
  const m = 203; // stride 204: one padding column per row
  const ws = sinkhornWorkspace(n, m)!;
  const values = new Float64Array(n * m);
  for (let q = 0; q < values.length; q++) values[q] = rng.range(EXP_MIN_ARG, EXP_MAX_ARG);
  values.set([0, 1, -1, EXP_MIN_ARG - 0.5, EXP_MAX_ARG + 0.5, -1e4, 1e-300]);
  for (let i = 0; i < n; i++) ws.M.set(values.subarray(i * m, (i + 1) * m), i * ws.stride);
  ws.alpha.fill(0);
  ws.beta.fill(0, 0, m);
  ws.beta.fill(-Infinity, m);
  ws.kernels.expKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, 1);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const x = values[i * m + j];
      const k = ws.K[i * ws.stride + j];
      if (x < EXP_MIN_ARG) assert.equal(k, 0);
      else if (x > EXP_MAX_ARG) assert.equal(k, Infinity);
      else worst = Math.max(worst, Math.abs(k / Math.exp(x) - 1));
    }
    assert.equal(ws.K[i * ws.stride + m], 0, 'padding column must be exactly 0');
  }
  assert.equal(ws.K[0], 1);
  // Math.exp is itself within 1 ulp: ≤ 3 ulps apart means the kernel is within ~2.
  assert.ok(worst < 3 * 2 ** -52, `worst relative error ${worst}`);
});

test('exp through the 2^(j/256) table: every table entry, both signs of k, the ends of the reduced range', () => {
  // Arguments k·ln2/256 + δ for every j = k mod 256, k negative and positive, δ at 0 and at the
  // largest |r| the reduction leaves (±ln2/512), where the degree-4 polynomial is least accurate.
  const ks: number[] = [];
  for (let k = -1024; k < 1024; k++) ks.push(k);
  for (const big of [-260_000, -131_072, 131_071, 261_000]) for (let q = 0; q < 256; q++) ks.push(big + q);
  const deltas = [0, Math.LN2 / 512 - 1e-12, -Math.LN2 / 512 + 1e-12, 1e-300, -3e-4];
  const values = ks.flatMap((k) => deltas.map((d) => (k * Math.LN2) / 256 + d)).filter((x) => x >= EXP_MIN_ARG && x <= EXP_MAX_ARG);
  const m = 96;
  const n = Math.ceil(values.length / m);
  const ws = sinkhornWorkspace(n, m)!;
  ws.M.fill(0);
  ws.M.set(values);
  ws.alpha.fill(0);
  ws.beta.fill(0, 0, m);
  ws.kernels.expKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, 1);
  let worst = 0;
  let at = 0;
  for (let q = 0; q < values.length; q++) {
    const e = Math.abs(ws.K[q] / Math.exp(values[q]) - 1);
    if (e > worst) [worst, at] = [e, values[q]];
  }
  assert.ok(worst < 3 * 2 ** -52, `worst relative error ${worst} at x = ${at}`);
});

test('the fused exp + Kᵀu kernel gives the same K and the same Kᵀu as the two passes', () => {
  const rng = Rng.fromSeed(5);
  const n = 37;
  const m = 53;
  const ws = sinkhornWorkspace(n, m)!;
  for (let i = 0; i < n; i++) for (let j = 0; j < ws.stride; j++) ws.M[i * ws.stride + j] = j < m ? rng.range(0, 3) : 0;
  for (let i = 0; i < n; i++) ws.alpha[i] = rng.range(-1, 1);
  for (let j = 0; j < ws.stride; j++) ws.beta[j] = j < m ? rng.range(-1, 1) : -Infinity;
  for (let i = 0; i < n; i++) ws.u[i] = rng.range(0, 1);
  ws.kt.fill(0);
  ws.kernels.expKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, -2.5);
  ws.kernels.ktuKernel(ws.at.K, ws.at.u, ws.at.kt, n, ws.stride);
  const K = Float64Array.from(ws.K);
  const kt = Float64Array.from(ws.kt);
  ws.K.fill(NaN);
  ws.kt.fill(0);
  ws.kernels.expKtuKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, -2.5, ws.at.u, ws.at.kt);
  assert.deepEqual(ws.K, K);
  assert.deepEqual(ws.kt, kt);
  assert.ok(kt[0] > 0 && kt[m] === 0);
});

test('the unchecked exp + Kᵀu kernel gives the bits of the checked one for arguments in range (padding: 1)', () => {
  const rng = Rng.fromSeed(6);
  const n = 29;
  const m = 41; // stride 44
  const ws = sinkhornWorkspace(n, m)!;
  for (let i = 0; i < n; i++) for (let j = 0; j < ws.stride; j++) ws.M[i * ws.stride + j] = j < m ? rng.range(-3, 30) : 0;
  ws.alpha.fill(0);
  ws.beta.fill(0, 0, m);
  ws.beta.fill(-Infinity, m);
  for (let i = 0; i < n; i++) ws.u[i] = rng.range(0, 1);
  const scale = -23.5; // arguments in [−705, 70.5]
  ws.kt.fill(0);
  ws.kernels.expKtuKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, scale, ws.at.u, ws.at.kt);
  const K = Float64Array.from(ws.K);
  const kt = Float64Array.from(ws.kt);
  const [lo, hi] = ws.kernels.range(ws.at.M, n * ws.stride);
  assert.ok(hi * scale >= EXP_MIN_ARG && lo * scale <= EXP_MAX_ARG);
  ws.K.fill(NaN);
  ws.kt.fill(0);
  ws.kernels.expKtuPlainKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, scale, ws.at.u, ws.at.kt);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < ws.stride; j++) {
      const q = i * ws.stride + j;
      if (j < m) assert.equal(ws.K[q], K[q]);
      else assert.equal(ws.K[q], 1, 'padding comes out as exp(0)');
    }
  assert.deepEqual(ws.kt.subarray(0, m), kt.subarray(0, m));
});

test('range: min and max of the values, NaN when one is not a number', () => {
  const ws = sinkhornWorkspace(3, 4)!;
  ws.M.set([0.5, -2, 7, 3, 1, 1, 1, 1, 4, 4, 4, -0.25]);
  assert.deepEqual(ws.kernels.range(ws.at.M, 12), [-2, 7]);
  ws.M[10] = Infinity;
  assert.deepEqual(ws.kernels.range(ws.at.M, 12), [-2, Infinity]);
  ws.M[3] = NaN;
  assert.ok(ws.kernels.range(ws.at.M, 12).every(Number.isNaN));
});
