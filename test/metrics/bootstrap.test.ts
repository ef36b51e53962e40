import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { bootstrapMeanInterval, quantile } from '../../src/metrics/bootstrap.ts';
import { areaUnderCurve } from '../../src/metrics/area-under-curve.ts';

test('quantile interpolates between order statistics (numpy linear)', () => {
  // numpy.quantile([1, 2, 4, 8], [0.25, 0.5, 0.9]) = [1.75, 3.0, 6.8]
  const xs = [1, 2, 4, 8];
  assert.ok(Math.abs(quantile(xs, 0.25) - 1.75) < 1e-12);
  assert.equal(quantile(xs, 0.5), 3);
  assert.ok(Math.abs(quantile(xs, 0.9) - 6.8) < 1e-12);
});

test('bootstrap interval: constant data has a zero-width interval; seeded; close to the normal interval for large n', () => {
  const c = bootstrapMeanInterval([0.3, 0.3, 0.3], Rng.fromSeed(1), { resamples: 200 });
  assert.ok(Math.abs(c.low - 0.3) < 1e-12 && Math.abs(c.high - 0.3) < 1e-12);
  // a 0/1 sample of 400 values with mean 0.5: the mean's sd is 0.025, the 95% interval ≈ 0.5 ± 0.049
  const xs = Array.from({ length: 400 }, (_, i) => i % 2);
  const a = bootstrapMeanInterval(xs, Rng.fromSeed(7), { resamples: 4000 });
  const b = bootstrapMeanInterval(xs, Rng.fromSeed(7), { resamples: 4000 });
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.low - (0.5 - 0.049)) < 0.006 && Math.abs(a.high - (0.5 + 0.049)) < 0.006, `${a.low} ${a.high}`);
  const ys = Array.from({ length: 10 }, (_, i) => (i * 0.618) % 1);
  assert.notEqual(bootstrapMeanInterval(ys, Rng.fromSeed(8), { resamples: 500 }).low, bootstrapMeanInterval(ys, Rng.fromSeed(9), { resamples: 500 }).low);
});

test('areaUnderCurve: trapezoids over the span, divided by it', () => {
  // (0,0)-(1,1)-(3,1): area 0.5 + 2 = 2.5 over width 3
  assert.ok(Math.abs(areaUnderCurve({ x: [0, 1, 3], y: [0, 1, 1] }) - 2.5 / 3) < 1e-12);
  assert.equal(areaUnderCurve({ x: [5], y: [0.4] }), 0.4);
});
