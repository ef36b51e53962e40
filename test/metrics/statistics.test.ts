import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logGamma, mean, regularizedIncompleteBeta, sampleStd, studentTCdf, studentTQuantile, summarize, summarizeSeeds, pairedDifference } from '../../src/metrics/statistics.ts';

const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('t quantiles match the published table (two-sided 95%)', () => {
  const table: [number, number][] = [
    [1, 12.706],
    [2, 4.303],
    [4, 2.776],
    [9, 2.262],
    [29, 2.045],
  ];
  for (const [dof, t] of table) close(studentTQuantile(0.975, dof), t, 5e-4, `dof ${dof}`);
  // Closed forms: ν = 1 is Cauchy, ν = 2 has t = (2p − 1)·sqrt(2 / (4p(1 − p))).
  close(studentTQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-9, 'cauchy');
  const p = 0.975;
  close(studentTQuantile(p, 2), (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p))), 1e-9, 'dof 2');
  // Normal limit and symmetry.
  close(studentTQuantile(0.975, 1e7), 1.959963984540054, 1e-5, 'normal');
  close(studentTQuantile(0.025, 9), -studentTQuantile(0.975, 9), 1e-12);
  assert.equal(studentTQuantile(0.5, 3), 0);
});

test('t CDF and its building blocks', () => {
  close(logGamma(5), Math.log(24), 1e-12);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
  // I_x(1, 1) = x, I_x(a, 1) = x^a.
  close(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-12);
  close(regularizedIncompleteBeta(0.3, 3, 1), 0.027, 1e-12);
  close(studentTCdf(0, 5), 0.5, 1e-15);
  close(studentTCdf(1, 1), 0.75, 1e-12); // Cauchy: 1/2 + atan(1)/π
});

test('summary of episodes: mean, sample std, Student-t interval', () => {
  const xs = [1, 2, 3, 4, 5];
  assert.equal(mean(xs), 3);
  close(sampleStd(xs), Math.sqrt(2.5), 1e-12);
  const s = summarize(xs);
  close(s.halfWidth, (2.7764451051977987 * Math.sqrt(2.5)) / Math.sqrt(5), 1e-9);
  close(s.low, 3 - s.halfWidth, 1e-12);
  assert.equal(s.n, 5);
  const one = summarize([7]);
  assert.equal(one.mean, 7);
  assert.ok(Number.isNaN(one.std) && Number.isNaN(one.halfWidth));
});

test('over seeds: the interval is over per-seed means', () => {
  const s = summarizeSeeds([
    [0, 2],
    [4, 4, 4],
    [5, 7],
  ]);
  assert.deepEqual(s.seedMeans, [1, 4, 6]);
  close(s.mean, 11 / 3, 1e-12);
  close(s.std, sampleStd([1, 4, 6]), 1e-12);
  close(s.halfWidth, (4.302652729911275 * sampleStd([1, 4, 6])) / Math.sqrt(3), 1e-9);
});

test('pairedDifference: mean and t interval of the seed-by-seed differences, and the wins', () => {
  // d = [1, 0, −2]: mean −1/3, sample std √(42/18), t_{0.975,2} = 4.302652729911275.
  const d = pairedDifference([1, 2, 3], [0, 2, 5]);
  assert.ok(Math.abs(d.mean + 1 / 3) < 1e-12);
  assert.ok(Math.abs(d.std - Math.sqrt(42 / 18)) < 1e-12);
  assert.ok(Math.abs(d.halfWidth - (4.302652729911275 * Math.sqrt(42 / 18)) / Math.sqrt(3)) < 1e-6);
  assert.equal(d.wins, 1);
  assert.throws(() => pairedDifference([1], [1, 2]));
});
