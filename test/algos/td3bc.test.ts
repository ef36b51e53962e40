import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { ReplayBuffer } from '../../src/algos/replay-buffer.ts';
import { Td3Bc, createTd3BcLearner, td3bcLambda } from '../../src/algos/td3bc/td3bc.ts';
import { banditBatch, randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

test('λ = α / mean|Q|', () => {
  assert.equal(td3bcLambda([1, -3, 2], 2.5), 1.25);
  assert.equal(td3bcLambda(new Float32Array([-0.5, -0.5]), 2.5), 5);
});

test('state normalisation comes from the dataset and travels with the weights', () => {
  const buffer = randomBuffer(300, 3, 2, 1);
  const { mean, std } = buffer.stateStatistics();
  const learner = createTd3BcLearner(buffer, { hidden: [8, 8], batchSize: 16 }, Rng.fromSeed(2));
  const ws = learner.weights();
  const m = ws.find((w) => w.name === 'stateNorm/mean');
  const s = ws.find((w) => w.name === 'stateNorm/std');
  assert.deepEqual(m?.data, mean);
  assert.deepEqual([...(s?.data ?? [])], [...std].map((x) => Math.fround(x + 1e-3)));
  // act() normalises raw states: the same as feeding the normalised state to the actor directly.
  const raw = new Float32Array([0.3, -1.2, 2]);
  const normed = tf.tensor2d(raw.map((x, k) => (x - mean[k]) / (std[k] + 1e-3)), [1, 3]);
  const direct = learner.algo.actor.predict(normed);
  const viaAct = learner.act(raw, 1);
  const d = direct.dataSync();
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(d[i] - viaAct[i]) < 1e-6);
  tf.dispose([normed, direct]);
  learner.dispose();
});

test('the BC term: with a flat Q and small α the actor regresses onto the behaviour actions', () => {
  // Reward 1 whatever the action: Q → 1 and λ = α/mean|Q| → α; with α = 0.01 the BC term decides; the
  // behaviour action is 0.3 + 0.4·s plus noise (so the critic sees, and flattens, Q across a).
  const n = 512;
  const rng = Rng.fromSeed(3);
  const base = banditBatch(n, 1, 1, 4);
  const noise = Rng.fromSeed(5);
  const action = new Float32Array(n).map((_, i) => 0.3 + 0.4 * base.observation[i] + noise.range(-0.3, 0.3));
  const batch = { ...base, action, reward: new Float32Array(n).fill(1) };
  const learner = createTd3BcLearner(ReplayBuffer.fromDataset([batch]), { hidden: [16, 16], batchSize: 64, actorLr: 3e-3, criticLr: 3e-3, alpha: 0.01 }, rng.split('init'));
  let m = learner.update(rng);
  for (let i = 0; i < 300; i++) m = learner.update(rng);
  assert.ok(Number.isFinite(m.actorLoss ?? learner.update(rng).actorLoss));
  const probe = new Float32Array([-0.8, 0, 0.8]);
  const a = learner.act(probe, 3);
  [-0.02, 0.3, 0.62].forEach((want, i) => assert.ok(Math.abs(a[i] - want) < 0.08, `actions ${[...a]}`));
  assert.ok(Math.abs(learner.algo.lambda - 0.01) < 0.002, `λ ${learner.algo.lambda}`);
  learner.dispose();
});

// The update rule (normalisation, λ, BC term, targets) is checked by hand in td3-update.test.ts.
test('TD3+BC updates leak no tensors', () => {
  const run = (): void => {
    const rng = Rng.fromSeed(9);
    const algo = new Td3Bc({ obsDim: 3, actDim: 2 }, { hidden: [8, 8], batchSize: 16 }, randomBuffer(100, 3, 2, 1).stateStatistics(), rng.split('init'));
    const buffer = randomBuffer(100, 3, 2, 1);
    algo.update(buffer.sample(16, rng), rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 8; i++) algo.update(buffer.sample(16, rng), rng);
    assert.equal(tf.memory().numTensors, before);
    algo.dispose();
  };
  run();
});
