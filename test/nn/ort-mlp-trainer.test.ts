import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { mseLoss } from '../../src/nn/loss.ts';
import { Mlp, MlpTrainer, mlpSpec } from '../../src/nn/mlp.ts';
import { OrtMlpTrainer } from '../../src/nn/ort-mlp-trainer.ts';

/** MlpTrainer + mseLoss on tfjs and the same steps as one ORT graph each: same losses and weights. */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

test('ORT MLP regression step equals tfjs MlpTrainer with mseLoss over 8 Adam steps (ReLU hidden, tanh output)', () => {
  const rng = Rng.fromSeed(3);
  const spec = mlpSpec([7, 24, 24, 4], 'tanh');
  const mlp = Mlp.create(spec, rng.split('net'));
  const initial = mlp.weights();
  const tfTrainer = new MlpTrainer(mlp, { lr: 5e-3 });
  const ort = new OrtMlpTrainer(spec, initial, { lr: 5e-3 });
  try {
    for (let k = 0; k < 8; k++) {
      const rows = 20 + k; // the batch size is symbolic in the graph
      const x = rng.fillNormal(new Float32Array(rows * 7)) as Float32Array;
      const y = rng.fillUniform(new Float32Array(rows * 4), -0.9, 0.9) as Float32Array;
      const want = tf.tidy(() => tfTrainer.step(tf.tensor2d(x, [rows, 7]), mseLoss(tf.tensor2d(y, [rows, 4]))));
      const got = ort.step(x, y, rows);
      assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `step ${k}: ${got} vs ${want}`);
    }
    const tfWeights = mlp.weights();
    for (const [i, w] of ort.weights().entries()) {
      let d = 0;
      for (let j = 0; j < w.data.length; j++) d = Math.max(d, Math.abs(w.data[j] - tfWeights[i].data[j]));
      assert.ok(d < 1e-6, `${w.name} differs by ${d}`);
    }
  } finally {
    ort.dispose();
    tfTrainer.dispose();
    mlp.dispose();
  }
});
