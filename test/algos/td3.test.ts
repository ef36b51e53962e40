import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { clippedDoubleQTarget, clippedNoise, smoothTargetAction } from '../../src/algos/actor-critic.ts';
import { offlineLearner } from '../../src/algos/learner.ts';
import { Td3, createTd3Learner } from '../../src/algos/td3/td3.ts';
import { banditBuffer, flatWeights, randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

const tiny = { hidden: [16, 16], batchSize: 32, actorLr: 1e-3, criticLr: 1e-3 };

test('target policy smoothing clips the noise to ±c, then the action to [−1, 1]', () => {
  const a = tf.tensor2d([[0.9, -0.2, 0, -0.9]]);
  const noise = tf.tensor2d([[0.7, -0.8, 0.3, -0.05]]);
  const out = smoothTargetAction(a, noise, 0.5);
  const v = [...out.dataSync()];
  [1, -0.7, 0.3, -0.95].forEach((x, i) => assert.ok(Math.abs(v[i] - x) < 1e-6, `${v}`));
  tf.dispose([a, noise, out]);
  const n = clippedNoise(Rng.fromSeed(1), 10_000, 0.2, 0.5);
  assert.ok(n.every((x) => x >= -0.5 && x <= 0.5));
  // P(|N(0, 0.2²)| > 0.5) ≈ 1.24%: the clip is reached, on both sides.
  const atClip = n.filter((x) => Math.abs(x) === 0.5).length;
  assert.ok(atClip > 60 && atClip < 200, `${atClip}`);
  assert.ok(n.some((x) => x === 0.5) && n.some((x) => x === -0.5));
});

test('clipped double-Q target r + γ(1 − done)·min_k Q_k', () => {
  const q = tf.tensor2d([
    [1, 5, -2],
    [2, 3, -1],
  ]);
  const y = clippedDoubleQTarget(q, tf.tensor1d([0, 1, 1]), tf.tensor1d([0, 1, 0]), 0.5);
  assert.deepEqual([...y.dataSync()], [0.5, 1, 0]);
  tf.dispose([q, y]);
});

test('TD3 learns the optimum of a one-step bandit (a ≈ 0.5)', () => {
  // One state, reward −(a − 0.5)², uniform behaviour actions: the critic's argmax and so the
  // actor must reach 0.5 (up to the piecewise-linear critic's error).
  const rng = Rng.fromSeed(7);
  const buffer = banditBuffer(2048, 1, 1, 1, true);
  const algo = new Td3({ obsDim: 1, actDim: 1 }, { hidden: [16, 16], batchSize: 64, tau: 0.05, actorLr: 1e-3, criticLr: 3e-3 }, rng.split('init'));
  const learner = offlineLearner(algo, buffer, 64);
  const start = learner.act(new Float32Array([1]), 1)[0];
  assert.ok(Math.abs(start - 0.5) > 0.3, `starts away from the optimum (${start})`);
  for (let i = 0; i < 800; i++) learner.update(rng);
  const a = learner.act(new Float32Array([1]), 1)[0];
  assert.ok(Math.abs(a - 0.5) < 0.1, `action ${a}`);
  learner.dispose();
});

// The update rule itself (targets, delay, Polyak) is checked against a hand computation in td3-update.test.ts.
test('TD3 updates and exploration leak no tensors', () => {
  const run = (): void => {
    const rng = Rng.fromSeed(3);
    const learner = createTd3Learner({ obsDim: 3, actDim: 2 }, { ...tiny, learningStarts: 50, bufferCapacity: 500 }, rng.split('init'));
    const data = randomBuffer(100, 3, 2, 5).sample(100, Rng.fromSeed(0));
    learner.observe({
      task: 't', size: 100, obsDim: 3, actDim: 2, discreteActions: false, episode: new Int32Array(100), step: new Int32Array(100),
      observation: data.observation.slice(), nextObservation: data.nextObservation.slice(), action: data.action.slice(), reward: data.reward.slice(),
      terminated: Uint8Array.from(data.done), truncated: new Uint8Array(100),
    });
    assert.ok(learner.ready);
    learner.update(rng); // first call may create backend-cached constants
    const before = tf.memory().numTensors;
    for (let i = 0; i < 9; i++) learner.update(rng);
    const acts = learner.act(data.observation.subarray(0, 12), 4, { explore: true, rng });
    assert.ok(acts.every((x) => x >= -1 && x <= 1));
    assert.equal(tf.memory().numTensors, before);
    const count = tf.memory().numTensors;
    learner.dispose();
    assert.ok(tf.memory().numTensors < count);
  };
  run();
});

test('setWeights restores a TD3 exactly', () => {
  const a = new Td3({ obsDim: 2, actDim: 1 }, tiny, Rng.fromSeed(1));
  const b = new Td3({ obsDim: 2, actDim: 1 }, tiny, Rng.fromSeed(2));
  const buf = banditBuffer(64, 2, 1, 3);
  a.update(buf.sample(32, Rng.fromSeed(4)), Rng.fromSeed(5));
  b.setWeights(a.weights());
  assert.deepEqual(flatWeights(b.weights()), flatWeights(a.weights()));
  a.dispose();
  b.dispose();
});
