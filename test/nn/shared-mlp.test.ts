import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { mseLoss } from '../../src/nn/loss.ts';
import { SharedMlp, sharedMlpSpec, zeroPadColumns, type TaskBatch } from '../../src/nn/shared-mlp.ts';
import { checkGradients, maxAbsDiff } from './gradcheck.ts';

before(async () => {
  const r = await selectBackend('cpu')();
  assert.equal(r._tag, 'Right');
});

const randomTensor = (rng: Rng, shape: [number, number]): tf.Tensor2D =>
  tf.tensor2d(rng.fillUniform(new Float32Array(shape[0] * shape[1]), -1, 1) as Float32Array, shape);

/** Two tasks with observations of 3 and 5 values (CartPole-like and Acrobot-like sizes), 2 and 4 outputs. */
const SPEC = sharedMlpSpec([3, 5], [2, 4], [6, 7, 6], 'none', 'tanh');

test('forward: task t reads its own first n_t columns of the zero-padded input; a float64 reference of f_t(h(w_t(x)))', () => {
  const rng = Rng.fromSeed(1);
  const net = SharedMlp.create(SPEC, rng.split('net'));
  assert.equal(net.paddedInputSize, 5);
  const x = randomTensor(rng, [4, 3]);
  const padded = zeroPadColumns(x, 5);
  assert.deepEqual(Array.from(padded.dataSync()).filter((_, i) => i % 5 >= 3), new Array(8).fill(0));
  const own = net.predict(0, x).dataSync();
  assert.deepEqual(net.predict(0, padded).dataSync(), own);
  // The padding columns meet no weights: anything there changes nothing.
  const garbage = tf.concat([x, randomTensor(rng, [4, 2])], 1);
  assert.deepEqual(net.predict(0, garbage).dataSync(), own);

  const w = new Map(net.weights().map((v) => [v.name, v.data]));
  const layer = (input: number[], prefix: string, nIn: number, nOut: number, act: (z: number) => number): number[] => {
    const k = w.get(`${prefix}/kernel`)!;
    const b = w.get(`${prefix}/bias`)!;
    return Array.from({ length: nOut }, (_, j) => act(b[j] + input.reduce((s, xi, i) => s + xi * k[i * nOut + j], 0)));
  };
  const xs = x.dataSync();
  for (let r = 0; r < 4; r++) {
    const a = layer(Array.from(xs.subarray(r * 3, r * 3 + 3)), 'task0/input/layer0', 3, 6, Math.tanh);
    const h1 = layer(a, 'shared/layer0', 6, 7, Math.tanh);
    const h2 = layer(h1, 'shared/layer1', 7, 6, Math.tanh);
    const y = layer(h2, 'task0/head/layer0', 6, 2, (z) => z);
    assert.ok(maxAbsDiff(y, own.subarray(r * 2, r * 2 + 2)) < 1e-5);
  }
  assert.deepEqual(net.predict(1, randomTensor(rng, [3, 5])).shape, [3, 4]);
  net.dispose();
});

test("backward: the summed loss's gradients match finite differences for every parameter (both tasks, padded inputs)", () => {
  const rng = Rng.fromSeed(2);
  const net = SharedMlp.create(SPEC, rng.split('net'));
  const x0 = zeroPadColumns(randomTensor(rng, [5, 3]), 5);
  const x1 = randomTensor(rng, [5, 5]);
  const y0 = randomTensor(rng, [5, 2]);
  const y1 = randomTensor(rng, [5, 4]);
  const batches: TaskBatch[] = [
    { task: 0, x: x0, loss: mseLoss(y0) },
    { task: 1, x: x1, loss: mseLoss(y1) },
  ];
  const { grads } = net.lossAndGrads(batches);
  assert.equal(grads.length, net.params.length);
  const total = (): number => tf.tidy(() => net.lossAndGrads(batches).loss.dataSync()[0]);
  const checked = checkGradients(net.params, grads, total, { h: 1e-2, rtol: 2e-2, atol: 1e-4 });
  assert.ok(checked >= net.params.length, `${checked} entries checked`);
  net.dispose();
});

test("the shared block's gradient is the sum of the tasks'; a task without a batch gets zero gradients for w_t and f_t", () => {
  const rng = Rng.fromSeed(3);
  const net = SharedMlp.create(SPEC, rng.split('net'));
  const b0: TaskBatch = { task: 0, x: randomTensor(rng, [4, 3]), loss: mseLoss(randomTensor(rng, [4, 2])) };
  const b1: TaskBatch = { task: 1, x: randomTensor(rng, [4, 5]), loss: mseLoss(randomTensor(rng, [4, 4])) };
  const both = net.lossAndGrads([b0, b1]);
  const only0 = net.lossAndGrads([b0]);
  const only1 = net.lossAndGrads([b1]);
  const nIn = 2 * 2; // two input blocks of one layer (kernel, bias)
  const nShared = 2 * 2;
  for (let i = nIn; i < nIn + nShared; i++) {
    const sum = tf.add(only0.grads[i], only1.grads[i]).dataSync();
    assert.ok(maxAbsDiff(both.grads[i].dataSync(), sum) < 1e-6, `shared param ${i - nIn}`);
  }
  // Task 1's input block (params 2, 3) and head (the last two) get nothing from task 0's batch.
  for (const i of [2, 3, both.grads.length - 2, both.grads.length - 1]) assert.ok(only0.grads[i].dataSync().every((g) => g === 0));
  assert.ok(Math.abs(both.loss.dataSync()[0] - (only0.loss.dataSync()[0] + only1.loss.dataSync()[0])) < 1e-6);
  assert.equal(net.taskParams(1).length, 4);
  assert.throws(() => net.lossAndGrads([b0, b0]), /two batches for task 0/);
  net.dispose();
});

test('initialisation is deterministic per seed, and the spec is checked', () => {
  const a = SharedMlp.create(SPEC, Rng.fromSeed(4));
  const b = SharedMlp.create(SPEC, Rng.fromSeed(4));
  const c = SharedMlp.create(SPEC, Rng.fromSeed(5));
  assert.deepEqual(a.weights(), b.weights());
  assert.notDeepEqual(a.weights()[0].data, c.weights()[0].data);
  assert.deepEqual(
    a.weights().map((w) => w.name),
    [
      'task0/input/layer0/kernel',
      'task0/input/layer0/bias',
      'task1/input/layer0/kernel',
      'task1/input/layer0/bias',
      'shared/layer0/kernel',
      'shared/layer0/bias',
      'shared/layer1/kernel',
      'shared/layer1/bias',
      'task0/head/layer0/kernel',
      'task0/head/layer0/bias',
      'task1/head/layer0/kernel',
      'task1/head/layer0/bias',
    ],
  );
  [a, b, c].forEach((m) => m.dispose());
  assert.throws(() => SharedMlp.create(sharedMlpSpec([3], [2, 2], [4, 4]), Rng.fromSeed(0)), /one input size and one output size per task/);
  assert.throws(() => SharedMlp.create(sharedMlpSpec([3], [2], [4]), Rng.fromSeed(0)), /at least one layer/);
});
