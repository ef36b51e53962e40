import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import { saveNetwork } from '../../src/nn/checkpoint.ts';
import { Mlp, mlpSpec } from '../../src/nn/mlp.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { loadStudentNet, studentActivations } from '../../src/nn/student-activations.ts';

const relu = (v: number): number => (v > 0 ? v : 0);

/** [rows, out] = relu([rows, in] · W + b), W row-major [in, out]: the layer as written in the test. */
const denseRelu = (x: Float32Array, rows: number, w: Float32Array, b: Float32Array): Float32Array => {
  const nOut = b.length;
  const nIn = w.length / nOut;
  const out = new Float32Array(rows * nOut);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i] * w[i * nOut + j];
      out[r * nOut + j] = relu(s);
    }
  return out;
};

for (const encoding of ['onehot', 'scalar'] as const) {
  test(`student activations (${encoding} id): every hidden layer, from the checkpoint, no tensors left`, async () => {
    await tf.setBackend('cpu');
    const spec = studentSpec({ stateDim: 4, actionDim: 2, tasks: 3, hidden: [8, 5], encoding });
    const student = Student.create(spec, Rng.fromSeed(3));
    const dir = join(mkdtempSync(join(tmpdir(), 'distillery-acts-')), 'student');
    const saved = await saveNetwork(dir, student)();
    assert.ok(E.isRight(saved));
    const loaded = await loadStudentNet(dir)();
    if (E.isLeft(loaded)) throw new Error(loaded.left.message);

    const rows = 6;
    const states = Rng.fromSeed(4).fillNormal(new Float32Array(rows * 4)) as Float32Array;
    const weights = new Map(student.mlp.weights().map((w) => [w.name, w.data]));
    const tensorsBefore = tf.memory().numTensors;
    for (const task of [0, 2]) {
      const acts = studentActivations(loaded.right, states, task);
      if (E.isLeft(acts)) throw new Error(acts.left.message);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'capture creates no tensors');
      assert.deepEqual(acts.right.map((m) => [m.rows, m.width]), [[rows, 8], [rows, 5]]);
      // The same input rows the student encodes for training, then the two ReLU layers by hand.
      const input = tf.tidy(() => student.encode(states, task).dataSync() as Float32Array);
      const h0 = denseRelu(input, rows, weights.get('layer0/kernel')!, weights.get('layer0/bias')!);
      const h1 = denseRelu(h0, rows, weights.get('layer1/kernel')!, weights.get('layer1/bias')!);
      for (const [got, want] of [[acts.right[0].data, h0], [acts.right[1].data, h1]] as const)
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `task ${task} ${i}: ${got[i]} vs ${want[i]}`);
    }
    student.dispose();
  });
}

test('student activations: bad task ids, partial rows and non-student checkpoints are Lefts', async () => {
  await tf.setBackend('cpu');
  const student = Student.create(studentSpec({ stateDim: 3, actionDim: 1, tasks: 2, hidden: [4] }), Rng.fromSeed(1));
  const root = mkdtempSync(join(tmpdir(), 'distillery-acts-'));
  assert.ok(E.isRight(await saveNetwork(join(root, 'student'), student)()));
  const loaded = await loadStudentNet(join(root, 'student'))();
  if (E.isLeft(loaded)) throw new Error(loaded.left.message);
  const bad = studentActivations(loaded.right, new Float32Array(6), 2);
  assert.ok(E.isLeft(bad) && bad.left.code === 'invalid-input');
  const partial = studentActivations(loaded.right, new Float32Array(5), 0);
  assert.ok(E.isLeft(partial) && partial.left.code === 'invalid-input');

  const mlp = Mlp.create(mlpSpec([3, 4, 1]), Rng.fromSeed(2));
  assert.ok(E.isRight(await saveNetwork(join(root, 'mlp'), mlp)()));
  assert.ok(E.isLeft(await loadStudentNet(join(root, 'mlp'))()));
  assert.ok(E.isLeft(await loadStudentNet(join(root, 'missing'))()));
  student.dispose();
  mlp.dispose();
});
