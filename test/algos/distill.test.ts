import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Distiller, gaussianKl, networkTeacher, type Teacher } from '../../src/algos/distillation/index.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { gaussianLogProb, normalNoise, sampleGaussian, squashedLogProb } from '../../src/nn/gaussian.ts';
import { Mlp, mlpSpec } from '../../src/nn/mlp.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { checkGradients } from '../nn/gradcheck.ts';

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const uniform = (rng: Rng, n: number, low = -1, high = 1) => rng.fillUniform(new Float32Array(n), low, high) as Float32Array;

test('closed-form diagonal Gaussian KL agrees with a Monte-Carlo estimate', () => {
  const rng = Rng.fromSeed(41);
  const p = { mean: tf.tensor2d([[0.3, -0.5, 1.0]]), logStd: tf.tensor2d([[-0.2, 0.1, -0.7]]) };
  const q = { mean: tf.tensor2d([[0.0, 0.2, 0.6]]), logStd: tf.tensor2d([[0.1, -0.3, -0.4]]) };
  const closed = gaussianKl(p, q).dataSync()[0];
  // E_p[log p(x) − log q(x)] over 100k draws; tolerance: four standard errors of the estimate.
  const n = 100_000;
  const [mc, sd] = tf.tidy(() => {
    const eps = normalNoise(rng, [n, 3]) as tf.Tensor2D;
    const rep = (g: typeof p) => ({ mean: tf.tile(g.mean, [n, 1]) as tf.Tensor2D, logStd: tf.tile(g.logStd, [n, 1]) as tf.Tensor2D });
    const [pp, qq] = [rep(p), rep(q)];
    const x = sampleGaussian(pp, eps, false).action;
    const { mean, variance } = tf.moments(tf.sub(gaussianLogProb(pp, x), gaussianLogProb(qq, x)));
    return [mean.dataSync()[0], Math.sqrt(variance.dataSync()[0])];
  });
  const se = sd / Math.sqrt(n);
  assert.ok(closed > 0.1 && se < 0.01, `KL ${closed}, standard error ${se}`);
  assert.ok(Math.abs(closed - mc) < 4 * se, `closed ${closed} vs MC ${mc} ± ${se}`);
  assert.ok(Math.abs(gaussianKl(p, p).dataSync()[0]) < 1e-6, 'KL(p‖p) = 0');
  tf.dispose([p.mean, p.logStd, q.mean, q.logStd]);
});

test('squashed sample log-density equals the density of the squashed action', () => {
  const rng = Rng.fromSeed(42);
  const g = { mean: tf.tensor2d(uniform(rng, 8, -0.5, 0.5), [4, 2]), logStd: tf.tensor2d(uniform(rng, 8, -1, 0), [4, 2]) };
  const { action, logProb } = sampleGaussian(g, normalNoise(rng, [4, 2]) as tf.Tensor2D, true);
  const again = squashedLogProb(g, action).dataSync();
  logProb.dataSync().forEach((v, i) => assert.ok(Math.abs(v - again[i]) < 1e-3, `${v} vs ${again[i]}`));
});

const tinyTeacher = (rng: Rng, critics: boolean): Teacher =>
  networkTeacher(Mlp.create(mlpSpec([3, 6, 4], 'none'), rng.split('actor')), {
    gaussianActor: true,
    ...(critics ? { critics: MlpEnsemble.create(mlpSpec([5, 6, 1]), 3, rng.split('critics')) } : {}),
  });

test('gradients of the MSE, Q and KL losses through the student equal finite differences', () => {
  const rng = Rng.fromSeed(43);
  const teachers = [tinyTeacher(rng.split('t0'), true), tinyTeacher(rng.split('t1'), true)];
  const s = uniform(rng, 5 * 3);
  for (const loss of ['mse', 'q', 'kl'] as const)
    for (const head of loss === 'kl' ? (['gaussian'] as const) : (['deterministic', 'gaussian'] as const)) {
      const student = Student.create(studentSpec({ stateDim: 3, actionDim: 2, tasks: 2, hidden: [6], head }), rng.split(`${loss}/${head}`));
      const distiller = new Distiller(student, teachers, { loss });
      const lossOf = (): number => distiller.evaluate(1, s);
      tf.tidy(() => {
        const { grads } = distiller.lossAndGrads(1, s);
        checkGradients(student.mlp.params, grads, lossOf);
      });
      distiller.dispose();
      student.dispose();
    }
});

// Single steps are checked against a hand computation in distill-update.test.ts.
test('the distiller makes a student reproduce two teachers; no tensors left', () => {
  // Two fixed teachers a = tanh(s·A_i) on 4-d states; a 2-task one-hot student (2×32 hidden,
  // Adam lr 3e-3) after 300 round-robin steps of 64 states must reach a held-out MSE below 5e-3
  // on both tasks (initial ≈ 0.15: the targets' mean square); a student ignoring the task id
  // could not go below ~half the mean square of the teachers' difference (≈ 0.1).
  const run = () => {
    const rng = Rng.fromSeed(44);
    const A = [0, 1].map((i) => tf.tensor2d(uniform(rng.split(`A${i}`), 8, -1.2, 1.2), [4, 2]));
    const teachers: Teacher[] = A.map((a) => ({ act: (x: tf.Tensor2D) => tf.tidy(() => tf.tanh(tf.matMul(x, a)) as tf.Tensor2D) }));
    const student = Student.create(studentSpec({ stateDim: 4, actionDim: 2, tasks: 2, hidden: [32, 32] }), rng.split('student'));
    const distiller = new Distiller(student, teachers, { adam: { lr: 3e-3 } });
    const data = rng.split('states');
    const start = tf.memory().numTensors;
    const order: number[] = [];
    for (let i = 0; i < 300; i++) {
      const task = distiller.nextTask();
      order.push(task);
      distiller.step(task, uniform(data, 64 * 4));
    }
    assert.equal(tf.memory().numTensors, start);
    const held = uniform(data, 512 * 4);
    const losses = [0, 1].map((t) => distiller.evaluate(t, held));
    const weights = student.mlp.weights().map((w) => w.data);
    distiller.dispose();
    student.dispose();
    tf.dispose(A);
    return { losses, weights, order };
  };
  const a = run();
  assert.deepEqual(a.order.slice(0, 4), [0, 1, 0, 1]);
  a.losses.forEach((l) => assert.ok(l < 5e-3, `held-out MSE ${l}`));
});

test('the distiller refuses inconsistent configurations', () => {
  const rng = Rng.fromSeed(45);
  const student = Student.create(studentSpec({ stateDim: 3, actionDim: 2, tasks: 2, hidden: [4] }), rng);
  const teacher: Teacher = { act: (x) => tf.zeros([x.shape[0], 2]) };
  assert.throws(() => new Distiller(student, [teacher]), /1 teachers for a student of 2 tasks/);
  assert.throws(() => new Distiller(student, [teacher, teacher], { loss: 'q' }), /needs teachers with critics/);
  assert.throws(() => new Distiller(student, [teacher, teacher], { loss: 'kl' }), /Gaussian student head/);
  student.dispose();
});
