import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Distiller, networkTeacher, type RegularizerOptions } from '../../src/algos/distillation/index.ts';
import { rankingLoss, rankingLossBatch, type RankingLoss } from '../../src/algos/distillation/ranking.ts';
import { Rng } from '../../src/core/rng.ts';
import { Mlp, mlpSpec } from '../../src/nn/mlp.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { useCpu } from './replay-fixtures.ts';
import { cloneNet, forward, knownNet, mlpWeights, predict, type Mat, type RefNet } from './reference.ts';

/**
 * The ranking regularizers inside distillation: the batch form of each loss against the per-state
 * float64 losses (values and gradients), and the Distiller's combined loss
 * (distillation + λ·regularizer) against a float64 central-difference gradient of the same
 * quantity computed from scratch, plus λ = 0 against plain distillation.
 */

before(useCpu);

const KINDS = ['pairwise', 'listwise', 'ndcg'] as const;
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** ReLU-like rows: some exact zeros. */
const reluRows = (rng: Rng, rows: number, n: number): number[][] =>
  Array.from({ length: rows }, () => Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 0 : Math.fround(Math.abs(rng.normal(0, 1.5))))));

for (const kind of KINDS)
  test(`${kind}: the batch loss is the mean of the per-state losses, with their gradients row by row`, () => {
    const rng = Rng.fromSeed(11);
    const [B, n] = [4, 7];
    const x = reluRows(rng, B, n);
    const y = reluRows(rng, B, n);
    const pure: RankingLoss[] = x.map((row, b) => rankingLoss(kind, row, y[b], 0.7));
    const got = rankingLossBatch(kind, Float64Array.from(x.flat()), Float64Array.from(y.flat()), n, 0.7);
    close(got.loss, pure.reduce((s, r) => s + r.loss, 0) / B, 1e-12, `${kind} loss`);
    for (let b = 0; b < B; b++)
      for (let k = 0; k < n; k++) {
        close(got.gradX[b * n + k], pure[b].gradX[k] / B, 1e-15, `${kind} d/dx[${b}][${k}]`);
        if (kind !== 'ndcg') close(got.gradY![b * n + k], pure[b].gradY![k] / B, 1e-15, `${kind} d/dy[${b}][${k}]`);
      }
    assert.equal(got.gradY === undefined, kind === 'ndcg', 'NDCG: no gradient for the reference');
    assert.throws(() => rankingLossBatch(kind, new Float64Array(6), new Float64Array(6), 4), /rows of 4/);
  });

// A tiny distillation problem: student [2 + 2 | 5, 4 | 1], tanh teachers [2 | 3 | 1].
const TASKS = 2;
const HIDDEN = [5, 4];
const states: Mat = [
  [0.3, -0.8],
  [-1.1, 0.4],
  [0.9, 0.7],
  [-0.2, -0.5],
  [1.3, -1.2],
];
const encode = (s: Mat, task: number): Mat => s.map((row) => [...row, ...Array.from({ length: TASKS }, (_, i) => (i === task ? 1 : 0))]);
const studentRef = knownNet([2 + TASKS, ...HIDDEN, 1], 'tanh', 0.4, 0.8);
const actorRefs = [knownNet([2, 3, 1], 'tanh', 1.5), knownNet([2, 3, 1], 'tanh', 2.9)];

const build = (regularizer?: RegularizerOptions) => {
  const student = Student.fromMlp(studentSpec({ stateDim: 2, actionDim: 1, tasks: TASKS, hidden: HIDDEN }), Mlp.fromWeights(mlpSpec([2 + TASKS, ...HIDDEN, 1], 'tanh'), mlpWeights(studentRef)));
  const actors = actorRefs.map((a) => Mlp.fromWeights(mlpSpec([2, 3, 1], 'tanh'), mlpWeights(a)));
  const distiller = new Distiller(
    student,
    actors.map((a) => networkTeacher(a)),
    { loss: 'mse', adam: { lr: 0.01 }, ...(regularizer ? { regularizer } : {}) },
  );
  const lossAndGrads = (task: number): { loss: number; grads: Float32Array[] } =>
    tf.tidy(() => {
      const { loss, grads } = distiller.lossAndGrads(task, Float32Array.from(states.flat()));
      return { loss: loss.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
    });
  const dispose = (): void => {
    distiller.dispose();
    student.dispose();
    for (const a of actors) a.dispose();
  };
  return { lossAndGrads, dispose };
};

/**
 * The combined loss from scratch in float64: MSE to the teacher + λ · mean_s ranking(h_l(s, i), h_l(s, j)).
 * NDCG's reference ranking h_l(s, j) is a constant: it comes from the unperturbed student.
 */
const referenceLoss = (net: RefNet, task: number, reg: RegularizerOptions): number => {
  const acts = forward(net, encode(states, task));
  const target = predict(actorRefs[task], states);
  const out = acts[acts.length - 1];
  const mse = out.reduce((s, row, b) => s + (row[0] - target[b][0]) ** 2, 0) / states.length;
  const other = forward(reg.kind === 'ndcg' ? studentRef : net, encode(states, 1 - task))[reg.layer];
  const ranking = acts[reg.layer].reduce((s, h, b) => s + rankingLoss(reg.kind, h, other[b], reg.temperature).loss, 0) / states.length;
  return mse + reg.weight * ranking;
};

for (const kind of KINDS)
  for (const layer of [1, 2])
    test(`distillation + λ·${kind} on hidden layer ${layer}: loss and every parameter's gradient match a float64 numerical gradient`, () => {
      const reg: RegularizerOptions = { kind, weight: 3, layer, temperature: 0.5 };
      const d = build(reg);
      try {
        for (const task of [0, 1]) {
          const got = d.lossAndGrads(task);
          const want = referenceLoss(studentRef, task, reg);
          close(got.loss, want, 1e-4 * Math.max(1, Math.abs(want)), `task ${task} loss`);
          const h = 1e-6;
          for (let p = 0; p < studentRef.params.length; p++)
            for (let k = 0; k < studentRef.params[p].length; k++) {
              const net = cloneNet(studentRef);
              net.params[p][k] += h;
              const up = referenceLoss(net, task, reg);
              net.params[p][k] -= 2 * h;
              const down = referenceLoss(net, task, reg);
              const numeric = (up - down) / (2 * h);
              close(got.grads[p][k], numeric, 2e-4 + 2e-3 * Math.abs(numeric), `task ${task} param ${p}[${k}]`);
            }
        }
      } finally {
        d.dispose();
      }
    });

for (const kind of KINDS)
  test(`λ = 0 (${kind}): the combined path gives plain distillation's loss and gradients`, () => {
    const plain = build();
    const zero = build({ kind, weight: 0, layer: 2, temperature: 1 });
    try {
      for (const task of [0, 1]) {
        const a = plain.lossAndGrads(task);
        const b = zero.lossAndGrads(task);
        close(b.loss, a.loss, 1e-7, 'loss');
        a.grads.forEach((g, p) => g.forEach((v, k) => close(b.grads[p][k], v, 1e-6, `param ${p}[${k}]`)));
      }
    } finally {
      plain.dispose();
      zero.dispose();
    }
  });

test('a regularizer on a layer the student does not have is refused', () => {
  assert.throws(() => build({ kind: 'pairwise', weight: 1, layer: 3, temperature: 1 }), /regularizer layer 3 is not a hidden layer of the student \(1 to 2\)/);
});
