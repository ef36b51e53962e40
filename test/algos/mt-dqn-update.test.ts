import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { MtDqn, MT_DQN_DEFAULTS, huberTdLoss, type MtDqnBatch } from '../../src/algos/mt-dqn/mt-dqn.ts';
import { checkGradients } from '../nn/gradcheck.ts';

before(async () => {
  const r = await selectBackend('cpu')();
  assert.equal(r._tag, 'Right');
});

test("defaults are D'Eramo et al.'s (docs/facts.md): 80-wide blocks, Adam 1e-3, 100 per task, target every 100", () => {
  assert.deepEqual(MT_DQN_DEFAULTS.hidden, [80, 80, 80]);
  assert.equal(MT_DQN_DEFAULTS.lr, 1e-3);
  assert.equal(MT_DQN_DEFAULTS.batchSize, 100);
  assert.equal(MT_DQN_DEFAULTS.targetUpdate, 100);
});

test('Huber TD loss by hand: ½d² inside δ, δ(|d| − ½δ) outside, gradient only on the taken action', () => {
  const q = tf.tensor2d([1, 2, 0, 3, -1, 5], [2, 3]);
  const { loss, grad } = huberTdLoss([1, 2], Float32Array.of(1.5, 1), 1)(q);
  // d = 2 − 1.5 = 0.5 → 0.125; d = 5 − 1 = 4 → 1·(4 − 0.5) = 3.5; mean 1.8125.
  assert.ok(Math.abs(loss.dataSync()[0] - 1.8125) < 1e-6);
  assert.deepEqual(Array.from(grad.dataSync()), [0, 0.25, 0, 0, 0, 0.5]);
});

/** Two tasks with different observation sizes (2 and 3) and action counts (2 and 3). */
const tasks = { observationSizes: [2, 3], actionCounts: [2, 3] };

const batchOf = (task: number, rows: { s: number[]; a: number; r: number; s2: number[]; done: boolean }[]): MtDqnBatch => ({
  task,
  observations: Float32Array.from(rows.flatMap((x) => x.s)),
  actions: rows.map((x) => x.a),
  rewards: rows.map((x) => x.r),
  nextObservations: Float32Array.from(rows.flatMap((x) => x.s2)),
  terminated: rows.map((x) => (x.done ? 1 : 0)),
});

test('targets by hand: r + γ max_a′ Q̄_t(s′, a′) over the task’s own actions from the target network, r alone at a terminal', () => {
  const dqn = new MtDqn(tasks, { hidden: [8, 8], gamma: 0.9 }, Rng.fromSeed(1));
  const b = batchOf(1, [
    { s: [0, 0, 0], a: 0, r: 1, s2: [0.5, -0.5, 1], done: false },
    { s: [0, 0, 0], a: 2, r: -2, s2: [0.5, -0.5, 1], done: true },
  ]);
  const qNext = tf.tidy(() => dqn.target.predict(1, tf.tensor2d([0.5, -0.5, 1], [1, 3])).dataSync());
  assert.equal(qNext.length, 3);
  const y = dqn.targets(b);
  assert.ok(Math.abs(y[0] - (1 + 0.9 * Math.max(...qNext))) < 1e-6);
  assert.equal(y[1], -2);
  dqn.dispose();
});

test('one update: gradients of the summed Huber losses match finite differences; Adam’s first step moves each weight by lr·sign(g)', () => {
  const rng = Rng.fromSeed(2);
  const dqn = new MtDqn(tasks, { hidden: [6, 6, 6], lr: 1e-3, gamma: 0.5 }, rng.split('dqn'));
  const row = (n: number) => Array.from({ length: n }, () => rng.range(-1, 1));
  const batches = [
    batchOf(0, [0, 1, 0].map((a) => ({ s: row(2), a, r: rng.range(-1, 1), s2: row(2), done: a === 1 }))),
    batchOf(1, [2, 0, 1, 1].map((a) => ({ s: row(3), a, r: rng.range(-3, 3), s2: row(3), done: false }))),
  ];
  const { grads, losses } = dqn.lossAndGrads(batches);
  assert.equal(losses.length, 2);
  // The targets come from the target network, which the probes do not move: the loss is a fixed function of the online weights.
  const total = (): number => tf.tidy(() => dqn.lossAndGrads(batches).loss.dataSync()[0]);
  checkGradients(dqn.online.params, grads, total, { h: 1e-3, rtol: 3e-2, atol: 5e-4 });
  const before = dqn.online.params.map((p) => Float32Array.from(p.dataSync()));
  const g = grads.map((x) => x.dataSync());
  dqn.update(batches);
  dqn.online.params.forEach((p, i) => {
    const after = p.dataSync();
    for (let j = 0; j < after.length; j++) {
      // Adam's first step: m̂ = g, v̂ = g², so Δ = −lr·g/(|g| + ε) = −lr·sign(g) (0 where g = 0).
      const expected = Math.abs(g[i][j]) > 1e-6 ? -1e-3 * Math.sign(g[i][j]) : 0;
      assert.ok(Math.abs(after[j] - before[i][j] - expected) < 2e-5, `param ${i}[${j}]`);
    }
  });
  assert.equal(dqn.updateCount, 1);
  dqn.dispose();
});

test('learns Q* of a tiny two-task MDP: a chain with bootstrapping (γ = 0.5) and a bandit of another observation size', () => {
  // Task 0: A = [1, 0] → (a0) B = [0, 1] with r 0, (a1) end with r 0.5; B → (a0) end r 2, (a1) end r 0.
  // Q*(A) = [0 + 0.5·2, 0.5] = [1, 0.5], Q*(B) = [2, 0].
  const chain = batchOf(0, [
    { s: [1, 0], a: 0, r: 0, s2: [0, 1], done: false },
    { s: [1, 0], a: 1, r: 0.5, s2: [0, 0], done: true },
    { s: [0, 1], a: 0, r: 2, s2: [0, 0], done: true },
    { s: [0, 1], a: 1, r: 0, s2: [0, 0], done: true },
  ]);
  // Task 1: one state [1, 1, 1], three arms paying −1, 0.5, 1.5 (terminal): Q* = the payoffs.
  const bandit = batchOf(1, [0, 1, 2].map((a) => ({ s: [1, 1, 1], a, r: [-1, 0.5, 1.5][a], s2: [0, 0, 0], done: true })));
  const dqn = new MtDqn(tasks, { hidden: [16, 16], lr: 1e-2, gamma: 0.5, targetUpdate: 20 }, Rng.fromSeed(3));
  for (let i = 0; i < 600; i++) dqn.update([chain, bandit]);
  const close = (got: Float32Array, want: number[]) => want.forEach((w, a) => assert.ok(Math.abs(got[a] - w) < 0.05, `Q = [${Array.from(got)}], want [${want}]`));
  close(dqn.qValues(0, [1, 0]), [1, 0.5]);
  close(dqn.qValues(0, [0, 1]), [2, 0]);
  close(dqn.qValues(1, [1, 1, 1]), [-1, 0.5, 1.5]);
  assert.equal(dqn.act(0, [1, 0], 0, Rng.fromSeed(0)), 0);
  assert.equal(dqn.act(1, [1, 1, 1], 0, Rng.fromSeed(0)), 2);
  dqn.dispose();
});

test('trainShared: false leaves the shared block as it was and trains only w_t and f_t (transfer)', () => {
  const dqn = new MtDqn(tasks, { hidden: [6, 6], lr: 1e-2 }, Rng.fromSeed(4), { trainShared: false });
  const sharedBefore = dqn.online.shared.params.map((p) => Float32Array.from(p.dataSync()));
  const headBefore = Float32Array.from(dqn.online.heads[1].params[0].dataSync());
  const bandit = batchOf(1, [0, 1, 2].map((a) => ({ s: [1, 1, 1], a, r: a, s2: [0, 0, 0], done: true })));
  for (let i = 0; i < 5; i++) dqn.update([bandit]);
  dqn.online.shared.params.forEach((p, i) => assert.deepEqual(p.dataSync(), sharedBefore[i]));
  assert.notDeepEqual(dqn.online.heads[1].params[0].dataSync(), headBefore);
  dqn.dispose();
});

test('qValues (plain typed arrays, for acting) equals the tfjs forward of the online network, also after an update', () => {
  const dqn = new MtDqn(tasks, { hidden: [8, 8, 8] }, Rng.fromSeed(5));
  const check = () => {
    for (const [task, obs] of [[0, [0.3, -0.2]], [1, [0.1, 0.5, -0.9]]] as const) {
      const tfq = tf.tidy(() => dqn.online.predict(task, tf.tensor2d([...obs], [1, obs.length])).dataSync());
      const js = dqn.qValues(task, obs);
      js.forEach((q, a) => assert.ok(Math.abs(q - tfq[a]) < 1e-5));
    }
  };
  check();
  dqn.update([batchOf(1, [{ s: [1, 0, 0], a: 1, r: 3, s2: [0, 0, 0], done: true }])]);
  check();
  dqn.dispose();
});
