/**
 * MT-DDPG's update against hand computations: the TD targets, the critic's and the actor's
 * gradients against finite differences of their losses (the actor's through the critic's input
 * gradient, the new piece) and Polyak averaging. (A one-step bandit, reward −(a − 0.5)², reached
 * a = 0.495 after 800 updates, but took 34 s on the CPU backend: too slow for a unit test.)
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { MtDdpg, type MtDdpgBatch } from '../../src/algos/mt-ddpg/index.ts';
import { checkGradients, maxAbsDiff } from '../nn/gradcheck.ts';

before(async () => {
  const r = await selectBackend('cpu')();
  assert.equal(r._tag, 'Right');
});

const TASKS = { observationSizes: [3, 2], actionSizes: [1, 2] };

const batchOf = (rng: Rng, task: number, b: number): MtDdpgBatch => {
  const n = TASKS.observationSizes[task];
  const m = TASKS.actionSizes[task];
  const u = (k: number) => Float32Array.from({ length: k }, () => rng.range(-1, 1));
  return { task, observations: u(b * n), actions: u(b * m), rewards: u(b), nextObservations: u(b * n), terminated: Float32Array.from({ length: b }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
};

test('targets: r + γ(1 − terminated) Q̄_t(s′, μ̄_t(s′)) from the target networks', () => {
  const rng = Rng.fromSeed(3);
  const ddpg = new MtDdpg(TASKS, { hidden: [5, 4], gamma: 0.9 }, rng.split('net'));
  const batch = batchOf(rng, 1, 4);
  const y = ddpg.targets(batch).dataSync();
  for (let r = 0; r < 4; r++) {
    const next = tf.tensor2d(batch.nextObservations.slice(r * 2, r * 2 + 2), [1, 2]);
    const mu = ddpg.actorTarget.predict(1, next);
    const q = ddpg.criticTarget.predict(1, tf.concat([next, mu], 1)).dataSync()[0];
    const expected = batch.rewards[r] + (batch.terminated[r] ? 0 : 0.9 * q);
    assert.ok(Math.abs(y[r] - expected) < 1e-6, `row ${r}: ${y[r]} vs ${expected}`);
  }
  ddpg.dispose();
});

test('critic gradients: finite differences of Σ_t mean (Q_t(s, a) − y)² with the targets held fixed', () => {
  const rng = Rng.fromSeed(4);
  const ddpg = new MtDdpg(TASKS, { hidden: [5, 4] }, rng.split('net'));
  const batches = [batchOf(rng, 0, 6), batchOf(rng, 1, 6)];
  const targets = batches.map((b) => Array.from(ddpg.targets(b).dataSync()));
  const { grads } = ddpg.criticLossAndGrads(batches);
  const loss = (): number =>
    batches.reduce((total, b, t) => {
      const n = b.rewards.length;
      const x = tf.concat([tf.tensor2d(b.observations, [n, b.observations.length / n]), tf.tensor2d(b.actions, [n, b.actions.length / n])], 1);
      const q = Array.from(ddpg.critic.predict(b.task, x).dataSync());
      return total + q.reduce((s, v, i) => s + (v - targets[t][i]) ** 2, 0) / n;
    }, 0);
  // the critic's parameters are not in the targets (they use the target networks): fixed targets are exact
  assert.ok(checkGradients(ddpg.critic.params, grads, loss) > 20);
  ddpg.dispose();
});

test("actor gradients: finite differences of −Σ_t mean Q_t(s, μ_t(s)) through the critic's input gradient", () => {
  const rng = Rng.fromSeed(5);
  const ddpg = new MtDdpg(TASKS, { hidden: [5, 4] }, rng.split('net'));
  const batches = [batchOf(rng, 0, 6), batchOf(rng, 1, 6)];
  const { losses, grads } = ddpg.actorLossAndGrads(batches);
  const loss = (): number =>
    batches.reduce((total, b) => {
      const n = b.rewards.length;
      const s = tf.tensor2d(b.observations, [n, b.observations.length / n]);
      const q = Array.from(ddpg.critic.predict(b.task, tf.concat([s, ddpg.actor.predict(b.task, s)], 1)).dataSync());
      return total - q.reduce((a, v) => a + v, 0) / n;
    }, 0);
  assert.ok(Math.abs(losses.reduce((a, l) => a + l.dataSync()[0], 0) - loss()) < 1e-6);
  assert.ok(checkGradients(ddpg.actor.params, grads, loss) > 20);
  ddpg.dispose();
});

test('soft target update: θ̄ ← τθ + (1 − τ)θ̄', () => {
  const rng = Rng.fromSeed(6);
  const ddpg = new MtDdpg(TASKS, { hidden: [5, 4], tau: 0.25, learningStarts: 1 }, rng.split('net'));
  const before = ddpg.criticTarget.params.map((p) => Float32Array.from(p.dataSync()));
  ddpg.update([batchOf(rng, 0, 8), batchOf(rng, 1, 8)]);
  const online = ddpg.critic.params.map((p) => p.dataSync());
  ddpg.criticTarget.params.forEach((p, i) => {
    const expected = before[i].map((v, j) => 0.25 * online[i][j] + 0.75 * v);
    assert.ok(maxAbsDiff(p.dataSync(), expected) < 1e-6);
  });
  ddpg.dispose();
});
