import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { autodiffLoss, mseLoss } from '../../src/nn/loss.ts';
import { Mlp, MlpTrainer, mlpSpec } from '../../src/nn/mlp.ts';
import { checkGradients, maxAbsDiff } from './gradcheck.ts';
import type { NamedWeight } from '../../src/nn/mlp.ts';
import { RefAdam, backward as refBackward, forward as refForward, knownNet, maxWeightDiff, mlpWeights as refMlpWeights } from '../algos/reference.ts';

before(async () => {
  const r = await selectBackend('cpu')();
  assert.equal(r._tag, 'Right');
});

const randomTensor = (rng: Rng, shape: [number, number], low = -1, high = 1): tf.Tensor2D =>
  tf.tensor2d(rng.fillUniform(new Float32Array(shape[0] * shape[1]), low, high) as Float32Array, shape);

test('initialisation is uniform within ±1/sqrt(fan_in) and deterministic', () => {
  const a = Mlp.create(mlpSpec([16, 8, 3]), Rng.fromSeed(5));
  const b = Mlp.create(mlpSpec([16, 8, 3]), Rng.fromSeed(5));
  const c = Mlp.create(mlpSpec([16, 8, 3]), Rng.fromSeed(6));
  const wa = a.weights();
  wa.forEach((w, i) => {
    const bound = 1 / Math.sqrt(i < 2 ? 16 : 8);
    assert.ok(w.data.every((x) => Math.abs(x) <= bound));
    assert.deepEqual(w.data, b.weights()[i].data);
  });
  assert.notDeepEqual(wa[0].data, c.weights()[0].data);
  // 128 draws from U(±1/4): the spread must be near the bound (range > 90% of it).
  const k = wa[0].data;
  assert.ok(Math.max(...k) > 0.225 && Math.min(...k) < -0.225);
  [a, b, c].forEach((m) => m.dispose());
});

test('forward matches a float64 reference computation', () => {
  const rng = Rng.fromSeed(2);
  const mlp = Mlp.create(mlpSpec([3, 5, 2], 'tanh'), rng);
  const xs = rng.fillUniform(new Float32Array(4 * 3), -1, 1) as Float32Array;
  const out = tf.tidy(() => mlp.predict(tf.tensor2d(xs, [4, 3])).dataSync());
  const [k0, b0, k1, b1] = mlp.weights().map((w) => w.data);
  for (let r = 0; r < 4; r++) {
    const h = Array.from({ length: 5 }, (_, j) => Math.max(0, b0[j] + [0, 1, 2].reduce((s, i) => s + xs[r * 3 + i] * k0[i * 5 + j], 0)));
    for (let o = 0; o < 2; o++) {
      const y = Math.tanh(b1[o] + h.reduce((s, hj, j) => s + hj * k1[j * 2 + o], 0));
      assert.ok(Math.abs(y - out[r * 2 + o]) < 1e-5);
    }
  }
  mlp.dispose();
});

test('hand-written backward equals finite differences and tfjs autodiff', () => {
  const rng = Rng.fromSeed(3);
  for (const output of ['tanh', 'none'] as const) {
    const mlp = Mlp.create(mlpSpec([4, 6, 5, 3], output), rng.split(output));
    const x = randomTensor(rng, [7, 4]);
    const target = randomTensor(rng, [7, 3], -0.8, 0.8);
    const loss = mseLoss(target);
    const { grads } = mlp.lossAndGrads(x, loss);
    const checked = checkGradients(mlp.params, grads, () => tf.tidy(() => loss(mlp.predict(x)).loss.dataSync()[0]));
    assert.ok(checked >= 30);
    // Autodiff through the same forward, as a second oracle on every entry.
    const auto = tf.variableGrads(() => tf.mean(tf.square(tf.sub(mlp.forwardAll(x)[3], target))) as tf.Scalar, mlp.params);
    mlp.params.forEach((p, i) => assert.ok(maxAbsDiff(auto.grads[p.name].dataSync(), grads[i].dataSync()) < 1e-5));
    // A loss through autodiffLoss gives the same gradients as the closed-form one.
    const viaAuto = mlp.lossAndGrads(x, autodiffLoss((y: tf.Tensor2D) => tf.mean(tf.square(tf.sub(y, target)))));
    viaAuto.grads.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), grads[i].dataSync()) < 1e-6));
    // dL/dx when asked for.
    const outs = mlp.forwardAll(x);
    const dx = mlp.backward(outs, loss(outs[3]).grad, true)[6];
    const autoDx = tf.grad((xx: tf.Tensor) => tf.mean(tf.square(tf.sub(mlp.predict(xx as tf.Tensor2D), target))) as tf.Scalar)(x);
    assert.ok(maxAbsDiff(dx.dataSync(), autoDx.dataSync()) < 1e-6);
    mlp.dispose();
  }
});

test('ten MlpTrainer steps (MSE, Adam) equal a float64 reference computation; different data differs', () => {
  // Known weights, ten batches of 8 rows; the reference (test/algos/reference.ts) does the forward
  // pass, the backward pass and torch's Adam in plain float64 JS.
  const sizes = [5, 16, 16, 2];
  const run = (dataSeed: number): { got: NamedWeight[]; want: NamedWeight[] } => {
    const ref = knownNet(sizes, 'tanh', 0.3, 0.4);
    const mlp = Mlp.fromWeights(mlpSpec(sizes, 'tanh'), refMlpWeights(ref));
    const trainer = new MlpTrainer(mlp, { lr: 1e-2 });
    const adam = new RefAdam(ref, 1e-2);
    const data = Rng.fromSeed(dataSeed);
    for (let i = 0; i < 10; i++) {
      const xs = data.fillUniform(new Float32Array(8 * 5), -1, 1) as Float32Array;
      const ys = data.fillUniform(new Float32Array(8 * 2), -0.5, 0.5) as Float32Array;
      const x = tf.tensor2d(xs, [8, 5]);
      const y = tf.tensor2d(ys, [8, 2]);
      const loss = trainer.step(x, mseLoss(y));
      tf.dispose([x, y]);
      const rows = (a: Float32Array, d: number): number[][] => Array.from({ length: 8 }, (_, r) => Array.from(a.subarray(r * d, (r + 1) * d)));
      const acts = refForward(ref, rows(xs, 5));
      const out = acts[acts.length - 1];
      const t = rows(ys, 2);
      const want = out.reduce((s, row, r) => s + row.reduce((u, v, j) => u + (v - t[r][j]) ** 2, 0), 0) / 16;
      assert.ok(Math.abs(loss - want) < 1e-5 * Math.max(1, want), `step ${i}: loss ${loss} vs ${want}`);
      adam.step(refBackward(ref, acts, out.map((row, r) => row.map((v, j) => (2 * (v - t[r][j])) / 16))).grads);
    }
    const got = mlp.weights();
    trainer.dispose();
    mlp.dispose();
    return { got, want: refMlpWeights(ref) };
  };
  const a = run(1);
  const { diff, where } = maxWeightDiff(a.got, a.want);
  assert.ok(diff < 1e-5, `weights differ from the reference by ${diff} at ${where}`);
  assert.ok(maxWeightDiff(run(2).got, a.got).diff > 1e-3);
});

test('Adam matches the PyTorch update rule on a scalar quadratic', () => {
  // torch.optim.Adam on f(p) = p² from p = 1, lr 0.1, 3 steps, computed in float64 by hand below.
  const mlp = Mlp.fromWeights(mlpSpec([1, 1]), [
    { name: 'layer0/kernel', shape: [1, 1], data: new Float32Array([1]) },
    { name: 'layer0/bias', shape: [1], data: new Float32Array([0]) },
  ]);
  const trainer = new MlpTrainer(mlp, { lr: 0.1 });
  const x = tf.tensor2d([[1]]);
  let p = 1, pb = 0, m = 0, v = 0, mb = 0, vb = 0;
  for (let t = 1; t <= 3; t++) {
    trainer.step(x, autodiffLoss((y: tf.Tensor2D) => tf.sum(tf.square(y)) as tf.Scalar));
    const g = 2 * (p + pb);
    m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
    mb = 0.9 * mb + 0.1 * g; vb = 0.999 * vb + 0.001 * g * g;
    const upd = (mm: number, vv: number) => (0.1 / (1 - 0.9 ** t)) * mm / (Math.sqrt(vv) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
    p -= upd(m, v); pb -= upd(mb, vb);
  }
  const [k, b] = mlp.weights();
  assert.ok(Math.abs(k.data[0] - p) < 1e-6, `${k.data[0]} vs ${p}`);
  assert.ok(Math.abs(b.data[0] - pb) < 1e-6);
  trainer.dispose(); mlp.dispose(); x.dispose();
});

test('a student network learns a fixed teacher function', () => {
  // Teacher: tanh of a random linear map of 4 inputs (targets ~U-shaped in ±0.7, variance ≈ 0.13).
  // A 4→32→32→2 tanh MLP represents it closely; after 400 Adam steps (lr 3e-3, batch 64) the MSE
  // must be below 2e-3, i.e. under ~1.5% of the target variance (the untrained net is near 0.13+).
  const rng = Rng.fromSeed(21);
  const A = randomTensor(rng, [4, 2]);
  const teacher = (x: tf.Tensor2D) => tf.tidy(() => tf.tanh(tf.matMul(x, A)) as tf.Tensor2D);
  const mlp = Mlp.create(mlpSpec([4, 32, 32, 2], 'tanh'), rng.split('student'));
  const trainer = new MlpTrainer(mlp, { lr: 3e-3 });
  const before = tf.memory().numTensors;
  let first = 0;
  for (let i = 0; i < 400; i++) {
    const x = randomTensor(rng, [64, 4]);
    const y = teacher(x);
    const l = trainer.step(x, mseLoss(y));
    if (i === 0) first = l;
    tf.dispose([x, y]);
  }
  assert.equal(tf.memory().numTensors, before, 'training leaves no tensors behind');
  const xt = randomTensor(rng, [512, 4]);
  const finalLoss = tf.tidy(() => mseLoss(teacher(xt))(mlp.predict(xt)).loss.dataSync()[0]);
  assert.ok(first > 0.02, `initial loss ${first}`);
  assert.ok(finalLoss < 2e-3, `final held-out MSE ${finalLoss}`);
  tf.dispose([xt, A]);
  trainer.dispose();
  mlp.dispose();
});

test('fromWeights refuses missing and misshaped weights', () => {
  const mlp = Mlp.create(mlpSpec([3, 4, 2]), Rng.fromSeed(1));
  const w = mlp.weights();
  const before = tf.memory().numTensors;
  assert.throws(() => Mlp.fromWeights(mlpSpec([3, 4, 2]), w.slice(1)), /missing weight layer0\/kernel/);
  assert.throws(() => Mlp.fromWeights(mlpSpec([3, 5, 2]), w), /layer0\/kernel has shape \[3, 4\].*\[3, 5\]/);
  assert.equal(tf.memory().numTensors, before);
  mlp.dispose();
});
