import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { gaussianKl, klDistillLoss } from '../../src/algos/distillation/index.ts';
import { boundedGaussian, boundedGaussianSample } from '../../src/nn/gaussian.ts';
import { selectBackend } from '../../src/nn/backend.ts';

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const close = (got: number, want: number, tol: number, what = ''): void => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want}`);

/** KL(N(m1, s1²) ‖ N(m2, s2²)) for one dimension, in plain numbers. */
const kl1 = (m1: number, s1: number, m2: number, s2: number): number => Math.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - 0.5;

test('KL(S‖T) of diagonal Gaussians: closed-form values, summed over dimensions, in the thesis direction', () => {
  // Student μ 0.3, σ 0.2 against teacher μ 0.5, σ 0.1: log(0.1/0.2) + (0.04 + 0.04)/0.02 − 0.5 = 3.5 − ln 2.
  close(kl1(0.3, 0.2, 0.5, 0.1), 3.5 - Math.LN2, 1e-12, 'hand value');
  const student = { mean: tf.tensor2d([[0.3, -0.2], [0, 0]]), logStd: tf.tensor2d([[Math.log(0.2), -1], [0.5, 0]]) };
  const teacher = { mean: tf.tensor2d([[0.5, 0.4], [0, 0]]), logStd: tf.tensor2d([[Math.log(0.1), 0.3], [0.5, 0]]) };
  const perRow = gaussianKl(student, teacher).dataSync();
  close(perRow[0], kl1(0.3, 0.2, 0.5, 0.1) + kl1(-0.2, Math.exp(-1), 0.4, Math.exp(0.3)), 1e-5, 'row 0');
  close(perRow[1], 0, 1e-6, 'identical Gaussians');
  const mean = klDistillLoss(student, teacher).dataSync()[0];
  close(mean, (perRow[0] + perRow[1]) / 2, 1e-6, 'batch mean');
  // The direction matters when σ differ: KL(T‖S) is another number (3.5 − ln 2 vs ≈ 0.82).
  const reverse = gaussianKl(teacher, student).dataSync()[0];
  close(reverse, kl1(0.5, 0.1, 0.3, 0.2) + kl1(0.4, Math.exp(0.3), -0.2, Math.exp(-1)), 1e-5, 'reverse');
  assert.ok(Math.abs(reverse - perRow[0]) > 0.5);
  tf.dispose([student.mean, student.logStd, teacher.mean, teacher.logStd]);
});

test('the bounded Gaussian actor: tanh outputs are [μ | log σ], both inside (−1, 1)', () => {
  const out = tf.tanh(tf.tensor2d([[0.2, -3, 5, -40]])) as tf.Tensor2D;
  const g = boundedGaussian(out);
  const m = g.mean.dataSync();
  const l = g.logStd.dataSync();
  close(m[0], Math.tanh(0.2), 1e-6);
  close(m[1], Math.tanh(-3), 1e-6);
  close(l[0], Math.tanh(5), 1e-6);
  close(l[1], -1, 1e-6, 'log σ saturates at −1 (σ ≥ e^−1)');
  assert.throws(() => boundedGaussian(tf.zeros([1, 3]) as tf.Tensor2D), /even number/);
  tf.dispose([out, g.mean, g.logStd]);
});

/** Central differences of f at x (a flat array), one coordinate at a time. */
const numericalGradient = (f: (x: Float32Array) => number, x: Float32Array, h = 1e-3): Float32Array =>
  Float32Array.from(x, (_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });

test("the KL loss through the student's bounded head: autodiff gradient equals central differences", () => {
  // Raw pre-tanh student outputs [B=2, 2d=4] against a fixed teacher Gaussian.
  const raw = Float32Array.from([0.3, -0.5, 0.2, -0.4, -0.1, 0.7, -0.6, 0.1]);
  const teacher = { mean: tf.tensor2d([[0.5, 0.4], [-0.3, 0.2]]), logStd: tf.tensor2d([[-0.8, 0.3], [0, -0.5]]) };
  const loss = (x: tf.Tensor2D): tf.Scalar => klDistillLoss(boundedGaussian(tf.tanh(x) as tf.Tensor2D), teacher);
  const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D))(tf.tensor2d(raw, [2, 4])).dataSync();
  const numeric = numericalGradient((x) => tf.tidy(() => loss(tf.tensor2d(x, [2, 4])).dataSync()[0]), raw);
  for (let i = 0; i < raw.length; i++) close(grad[i], numeric[i], 2e-3, `dKL/draw[${i}]`);
  // At the teacher's own parameters the loss and its gradient vanish.
  const atTeacher = tf.concat([teacher.mean, teacher.logStd], 1) as tf.Tensor2D;
  close(klDistillLoss(boundedGaussian(atTeacher), teacher).dataSync()[0], 0, 1e-6, 'KL(T‖T)');
  tf.dispose([teacher.mean, teacher.logStd, atTeacher]);
});

test('a reparameterised bounded-Gaussian action and its output gradient (clip included) match central differences', () => {
  // Outputs after tanh [μ | log σ] for 2 rows, d = 2; row 1's first action is clipped at 1.
  const out = Float32Array.from([0.1, -0.3, -0.5, 0.2, 0.9, 0.0, 0.4, -0.9]);
  const eps = tf.tensor2d([[0.7, -1.2], [1.5, 0.3]]);
  const weights = tf.tensor2d([[1, -2], [0.5, 3]]);
  // A linear function of the action, L = Σ w ⊙ a, so dL/da = w.
  const value = (o: Float32Array): number => tf.tidy(() => tf.sum(tf.mul(boundedGaussianSample(tf.tensor2d(o, [2, 4]), eps).action, weights)).dataSync()[0]);
  const sample = boundedGaussianSample(tf.tensor2d(out, [2, 4]), eps);
  const a = sample.action.dataSync();
  close(a[0], 0.1 + Math.exp(-0.5) * 0.7, 1e-6, 'μ + σε');
  close(a[2], 1, 0, 'clipped to the action box');
  const grad = sample.outputGrad(weights).dataSync();
  const numeric = numericalGradient(value, out);
  for (let i = 0; i < out.length; i++) close(grad[i], numeric[i], 2e-3, `dL/dout[${i}]`);
  // Row 1, action 0 is clipped: no gradient to its μ (output 4) or its log σ (output 6).
  assert.equal(grad[4], 0, 'no gradient through the clip (μ)');
  assert.equal(grad[6], 0, 'no gradient through the clip (log σ)');
  tf.dispose([eps, weights, sample.action]);
});
