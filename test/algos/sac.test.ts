import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TransitionBatchBuilder } from '../../src/core/batch.ts';
import { Rng } from '../../src/core/rng.ts';
import { offlineLearner } from '../../src/algos/learner.ts';
import { ReplayBuffer } from '../../src/algos/replay-buffer.ts';
import { Sac, createSacLearner } from '../../src/algos/sac/sac.ts';
import { SacDiscrete, createSacDiscreteLearner, sacDiscreteTarget, softmaxSoftValue } from '../../src/algos/sac/sac-discrete.ts';
import { banditBuffer, randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

test('discrete SAC target takes the expectation over actions (hand example)', () => {
  // π(·|s') = softmax([0, ln 3]) = [1/4, 3/4]; min_k Q(s', ·) = [1, 2]; α = 0.5.
  // V = ¼(1 − ½ln¼) + ¾(2 − ½ln¾) = 2.0311675723094043.
  const logits = tf.tensor2d([
    [0, Math.log(3)],
    [0, Math.log(3)],
  ]);
  const q = tf.tensor2d([
    [1, 2],
    [1, 2],
  ]);
  const v = softmaxSoftValue(logits, q, 0.5);
  const y = sacDiscreteTarget(logits, q, tf.tensor1d([1, 1]), tf.tensor1d([0, 1]), 0.9, 0.5);
  const vv = v.dataSync();
  assert.ok(Math.abs(vv[0] - 2.0311675723094043) < 1e-5);
  const yy = y.dataSync();
  assert.ok(Math.abs(yy[0] - 2.8280508150784636) < 1e-5, `${yy[0]}`);
  assert.equal(yy[1], 1);
  tf.dispose([logits, q, v, y]);
});

const discreteBandit = (n: number, rewards: number[], seed: number): ReplayBuffer => {
  const rng = Rng.fromSeed(seed);
  const b = new TransitionBatchBuilder({ task: 'b', obsDim: 1, actDim: 1, discreteActions: true }, n);
  for (let i = 0; i < n; i++) {
    const a = rng.int(rewards.length);
    b.push({ episode: i, step: 0, observation: [1], action: a, reward: rewards[a], nextObservation: [1], terminated: true, truncated: false });
  }
  return ReplayBuffer.fromDataset([b.flush()]);
};

test('discrete SAC prefers the best arm of a bandit and tunes α toward the target entropy', () => {
  const rng = Rng.fromSeed(2);
  const algo = new SacDiscrete({ obsDim: 1, actions: 3 }, { hidden: [16, 16], batchSize: 64, initialAlpha: 0.1, actorLr: 3e-3, criticLr: 3e-3, alphaLr: 1e-2 }, rng.split('init'));
  const learner = offlineLearner(algo, discreteBandit(512, [0, 1, 0.2], 3), 64);
  let m = learner.update(rng);
  for (let i = 0; i < 150; i++) m = learner.update(rng);
  assert.deepEqual([...learner.act(new Float32Array([1]), 1)], [1]);
  assert.ok(Math.abs(m.q - 1) < 0.3, `q ${m.q}`);
  // d/dlog α = H − H̄: an entropy below the target 0.98·ln 3 raises α, above it lowers α.
  const target = 0.98 * Math.log(3);
  const moved = algo.temperature.alpha - 0.1;
  assert.ok(m.entropy < target ? moved > 0 : moved < 0, `entropy ${m.entropy}, α ${algo.temperature.alpha}`);
  const sampled = learner.algo.act(new Float32Array(20).fill(1), 20, { explore: true, rng });
  assert.ok(sampled.every((a) => a === 0 || a === 1 || a === 2));
  learner.dispose();
});

test('continuous SAC moves the mean action toward the bandit optimum', () => {
  const rng = Rng.fromSeed(4);
  const algo = new Sac({ obsDim: 1, actDim: 1 }, { hidden: [16, 16], batchSize: 64, initialAlpha: 0.01, autoEntropy: false, actorLr: 1e-3, criticLr: 3e-3 }, rng.split('init'));
  const learner = offlineLearner(algo, banditBuffer(1024, 1, 1, 5, true), 64);
  for (let i = 0; i < 400; i++) learner.update(rng);
  const a = learner.act(new Float32Array([1]), 1)[0];
  assert.ok(Math.abs(a - 0.5) < 0.15, `action ${a}`);
  learner.dispose();
});

// The update rules themselves are checked against a hand computation in sac-update.test.ts.
test('SAC (both kinds) leaks no tensors', () => {
  const runContinuous = (): void => {
    const rng = Rng.fromSeed(6);
    const learner = createSacLearner({ obsDim: 3, actDim: 2 }, { hidden: [8, 8], batchSize: 16, learningStarts: 10, bufferCapacity: 64 }, rng.split('init'));
    const data = randomBuffer(100, 3, 2, 1);
    const s = data.sample(40, Rng.fromSeed(0));
    learner.observe({
      task: 't', size: 40, obsDim: 3, actDim: 2, discreteActions: false, episode: new Int32Array(40), step: new Int32Array(40),
      observation: s.observation, nextObservation: s.nextObservation, action: s.action, reward: s.reward, terminated: Uint8Array.from(s.done), truncated: new Uint8Array(40),
    });
    learner.update(rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) learner.update(rng);
    const acts = learner.act(s.observation.subarray(0, 6), 2, { explore: true, rng });
    assert.ok(acts.every((x) => x >= -1 && x <= 1));
    assert.equal(tf.memory().numTensors, before);
    learner.dispose();
  };
  const runDiscrete = (): void => {
    const rng = Rng.fromSeed(7);
    const learner = createSacDiscreteLearner({ obsDim: 3, actions: 4 }, { hidden: [8, 8], batchSize: 16, learningStarts: 10, bufferCapacity: 64 }, rng.split('init'));
    const data = randomBuffer(100, 3, 1, 2, true, 4);
    const s = data.sample(40, Rng.fromSeed(0));
    learner.observe({
      task: 't', size: 40, obsDim: 3, actDim: 1, discreteActions: true, episode: new Int32Array(40), step: new Int32Array(40),
      observation: s.observation, nextObservation: s.nextObservation, action: Int32Array.from(s.action), reward: s.reward, terminated: Uint8Array.from(s.done), truncated: new Uint8Array(40),
    });
    learner.update(rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) learner.update(rng);
    assert.equal(tf.memory().numTensors, before);
    learner.dispose();
  };
  runContinuous();
  runDiscrete();
});
