import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { averageTau, meanActivations, perStateTau, perStateTaus, sharedComputation, zeroFraction, type ActivationRows } from '../../src/metrics/shared-computation.ts';

const rows = (data: number[][]): ActivationRows => ({ rows: data.length, width: data[0].length, data: Float32Array.from(data.flat()) });
const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('per-state τ: one τ per state, mean and sample std over the defined ones', () => {
  // State 0: same order → 1. State 1: reversed → −1. State 2: all zero under task j → undefined.
  const x = rows([
    [1, 2, 3],
    [1, 2, 3],
    [1, 2, 3],
  ]);
  const y = rows([
    [2, 4, 6],
    [3, 2, 1],
    [0, 0, 0],
  ]);
  const taus = perStateTaus(x, y, 'a');
  assert.deepEqual(Array.from(taus.subarray(0, 2)), [1, -1]);
  assert.ok(Number.isNaN(taus[2]));
  const s = perStateTau(x, y, 'b');
  assert.equal(s.mean, 0);
  close(s.std, Math.SQRT2, 1e-12, 'std of [1, −1]');
  assert.equal(s.states, 2);
  assert.equal(s.undefinedStates, 1);
});

test('average τ: τ between the mean activation vectors of each task over its own states', () => {
  const own0 = rows([
    [0, 1, 2, 3],
    [2, 1, 4, 3],
  ]); // means [1, 1, 3, 3]
  const own1 = rows([
    [4, 3, 2, 0],
    [4, 3, 0, 2],
    [4, 3, 1, 1],
  ]); // means [4, 3, 1, 1]
  assert.deepEqual(Array.from(meanActivations(own0)), [1, 1, 3, 3]);
  assert.deepEqual(Array.from(meanActivations(own1)), [4, 3, 1, 1]);
  // Pairs (6): tied in x: (0,1), (2,3); tied in y: (2,3); both: (2,3). The other 4 pairs
  // (0,2) (0,3) (1,2) (1,3) are discordant: C − D = −4. τ-a = −4/6; τ-b = −4/√((6 − 2)(6 − 1)).
  close(averageTau(own0, own1, 'a'), -4 / 6, 1e-12, 'a');
  close(averageTau(own0, own1, 'b'), -4 / Math.sqrt(20), 1e-12, 'b');
  assert.equal(zeroFraction(own1), 2 / 12);
});

test('sharedComputation: every layer and unordered pair of m = 3 tasks, in task order', () => {
  const same = (k: number) => [rows([[k, 1, 2], [2, k, 1]]), rows([[1, 2], [2, 1]])];
  const r = sharedComputation({ tasks: ['a', 'b', 'c'], sameStates: [same(0), same(3), same(0)], ownStates: [same(0), same(3), same(0)] });
  assert.equal(r.length, 2);
  assert.deepEqual(r[0].pairs.map((p) => p.tasks), [['a', 'b'], ['a', 'c'], ['b', 'c']]);
  assert.equal(r[1].width, 2);
  // Tasks a and c have identical activations: τ = 1 per state and on average, every variant.
  const ac = r[0].pairs[1];
  for (const v of ['a', 'b', 'c'] as const) {
    assert.equal(ac.perState[v].mean, 1);
    assert.equal(ac.average[v], 1);
  }
  assert.deepEqual(r[0].meanActivation.a, [1, 0.5, 1.5]);
  assert.equal(r[0].zeros.a, 2 / 6); // the k = 0 entries
});

test('matrices that do not line up are input errors', () => {
  const isInvalid = (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input';
  assert.throws(() => perStateTaus(rows([[1, 2]]), rows([[1, 2, 3]]), 'a'), isInvalid);
  assert.throws(() => perStateTaus({ rows: 2, width: 2, data: [1, 2, 3] }, { rows: 2, width: 2, data: [1, 2, 3] }, 'a'), isInvalid);
  assert.throws(() => sharedComputation({ tasks: ['a', 'b'], sameStates: [[rows([[1, 2]])]], ownStates: [] }), isInvalid);
});
