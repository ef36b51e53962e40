import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { NeuralDistral, distralSoftValue } from '../../src/algos/distral/neural.ts';
import { emptySampledBatch } from '../../src/algos/replay-buffer.ts';
import { trainOtDistralNeuralJob } from '../../src/jobs/train-ot-distral-neural.ts';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

test('soft value V = (1/β) log Σ π0^α exp(βQ): hand values for α = 1, 0.5, 0', () => {
  const q = tf.tensor2d([[1, 0]]);
  const logPi0 = tf.log(tf.tensor2d([[0.25, 0.75]]));
  const v = (alpha: number) => distralSoftValue(q, logPi0, alpha, 2).dataSync()[0];
  // α = 1: ½ log(¼e² + ¾); α = 0.5: ½ log(½e² + √¾); α = 0: ½ log(e² + 1)
  assert.ok(Math.abs(v(1) - 0.5 * Math.log(0.25 * Math.exp(2) + 0.75)) < 1e-5);
  assert.ok(Math.abs(v(0.5) - 0.5 * Math.log(0.5 * Math.exp(2) + Math.sqrt(0.75))) < 1e-5);
  assert.ok(Math.abs(v(0) - 0.5 * Math.log(Math.exp(2) + 1)) < 1e-5);
  tf.dispose([q, logPi0]);
});

test('an update moves Q(s, a) toward r + γV(s′) and π0 toward the task policy', () => {
  const d = new NeuralDistral({ obsDim: 2, actions: 2, tasks: 2 }, { hidden: [8], lr: 0.05, gamma: 0.5, tau: 1, alpha: 1, beta: 1 }, Rng.fromSeed(1));
  const b = emptySampledBatch(4, 2, 1);
  // terminal transitions from state [1, 0] with action 1 and reward 1: the target is 1 whatever V is
  for (let j = 0; j < 4; j++) {
    b.observation.set([1, 0], 2 * j);
    b.action[j] = 1;
    b.reward[j] = 1;
    b.done[j] = 1;
  }
  const q = () => tf.tidy(() => d.q[0].predict(tf.tensor2d([1, 0], [1, 2])).dataSync()[1]);
  const before = Math.abs(q() - 1);
  for (let k = 0; k < 30; k++) d.update(0, b);
  assert.ok(Math.abs(q() - 1) < before / 2, `|Q − 1| ${before} → ${Math.abs(q() - 1)}`);
  // π_0 prefers action 1 where task 0's policy does; task 1's network is untouched
  const pi0 = tf.tidy(() => tf.softmax(d.pi0.predict(tf.tensor2d([1, 0], [1, 2]))).dataSync());
  assert.ok(d.policy(0, Float32Array.of(1, 0))[1] > 0.5 && pi0[1] > 0.5, `π0 ${pi0[1]}`);
  d.dispose();
});

test('the neural Distral job runs the OT-maze protocol deterministically', async () => {
  const input = {
    envId: 'grid/zigzag',
    envConfig: { maxEpisodeSteps: 20 },
    tasks: [],
    stepsPerTask: 60,
    hidden: [8],
    lr: 1e-3,
    batchSize: 8,
    gamma: 0.99,
    tau: 0.01,
    learningStarts: 20,
    updateEvery: 10,
    alpha: 1,
    beta: 20,
    seed: 3,
    backend: 'cpu' as const,
  };
  const a = await trainOtDistralNeuralJob(input, { report: () => undefined });
  const b = await trainOtDistralNeuralJob(input, { report: () => undefined });
  assert.deepEqual([...a.returns], [...b.returns]);
  assert.ok(a.updates > 0 && a.steps[a.steps.length - 1] >= 120);
  await assert.rejects(trainOtDistralNeuralJob({ ...input, alpha: 2 }, { report: () => undefined }), /alpha must be in \[0, 1\]/);
});
