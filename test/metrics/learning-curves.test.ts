import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binnedCurve, curveBand, finalReturn, pooledCellMeans, roundMeans, stepsToThreshold } from '../../src/metrics/learning-curves.ts';

// Two tasks, four rounds ending at 30, 55, 90 and 130 steps; budget 120 on a 4-point grid (30, 60, 90, 120).
const run = {
  tasks: ['a', 'b'],
  steps: Float64Array.of(30, 55, 90, 130),
  returns: Float64Array.of(-1, -0.5, 0, 0.2, 0.6, 0.8, 0.9, 0.9),
};

test('round means average the tasks', () => {
  assert.deepEqual([...roundMeans(run)].map((x) => Math.round(x * 1000) / 1000), [-0.75, 0.1, 0.7, 0.9]);
});

test('binned curve: rounds fall in (edge_{k−1}, edge_k], past-budget rounds go to the last point, empty bins repeat', () => {
  const c = binnedCurve(run, 120, 4);
  assert.deepEqual(c.x, [30, 60, 90, 120]);
  assert.deepEqual(c.y.map((x) => Math.round(x * 1000) / 1000), [-0.75, 0.1, 0.7, 0.9]);
  const sparse = binnedCurve({ tasks: ['a'], steps: Float64Array.of(50, 100), returns: Float64Array.of(1, 3) }, 100, 4);
  // Bin 0 (0, 25] is empty and takes the first filled value; bin 2 repeats bin 1.
  assert.deepEqual(sparse.y, [1, 1, 1, 3]);
});

test('final return averages the rounds after 90% of the budget; threshold is the first point at or above it', () => {
  assert.ok(Math.abs(finalReturn(run, 120) - 0.9) < 1e-12);
  assert.ok(Math.abs(finalReturn(run, 120, 0.5) - 0.8) < 1e-12);
  const c = binnedCurve(run, 120, 4);
  assert.equal(stepsToThreshold(c, 0.5), 90);
  assert.equal(stepsToThreshold(c, 0.95), null);
});

test('curve band: mean and Student-t 95% interval over seeds per point', () => {
  const band = curveBand([
    { x: [1, 2], y: [0, 1] },
    { x: [1, 2], y: [2, 1] },
  ]);
  assert.deepEqual(band.mean, [1, 1]);
  // n = 2: half-width t_{0.975,1}·s/√2 with s = √2 → 12.7062047…
  assert.ok(Math.abs(band.high[0] - 1 - 12.706204736174704) < 1e-6, `${band.high[0]}`);
  assert.equal(band.low[1], 1);
});

test('pooled cell means weigh each run by its counts', () => {
  const pooled = pooledCellMeans([
    { mean: Float64Array.of(1, NaN, 2), count: Float64Array.of(1, 0, 3) },
    { mean: Float64Array.of(4, NaN, NaN), count: Float64Array.of(2, 0, 0) },
  ]);
  assert.equal(pooled[0], 3);
  assert.ok(Number.isNaN(pooled[1]));
  assert.equal(pooled[2], 2);
});
