import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { memberStd } from '../../src/algos/actor-critic.ts';
import { memberBackward, memberForward, memberOutputs } from '../../src/algos/member-ops.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { mlpSpec } from '../../src/nn/mlp.ts';
import { Pbrl, createPbrlLearner } from '../../src/algos/pbrl/pbrl.ts';
import { ReplayBuffer } from '../../src/algos/replay-buffer.ts';
import { oodPenaltyWeight, pbrlInDistributionTarget, pbrlOodTarget } from '../../src/algos/pbrl/targets.ts';
import { randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

const closeAll = (got: ArrayLike<number>, want: number[], tol = 1e-5): void => {
  const g = Array.from(got);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `[${g}] vs [${want}]`);
};

test('in-distribution target r + γ(1 − done)(Q_k − β_in·std) on hand-made numbers', () => {
  // Column 0: Q = 1, 2, 3 (sample std 1); column 1: Q = 4, 4, 4 (std 0) but terminal.
  const q = tf.tensor2d([
    [1, 4],
    [2, 4],
    [3, 4],
  ]);
  const y = pbrlInDistributionTarget(q, tf.tensor1d([1, 0.5]), tf.tensor1d([0, 1]), 0.9, 0.1);
  // 1 + 0.9·(q − 0.1): 1.81, 2.71, 3.61; terminal column: r.
  closeAll(y.dataSync(), [1.81, 0.5, 2.71, 0.5, 3.61, 0.5]);
  tf.dispose([q, y]);
});

test('OOD target max(Q_k − β_ood·std, 0) on hand-made numbers', () => {
  const q = tf.tensor2d([
    [1, 0.1],
    [3, 0.3],
  ]);
  // std: √2 and 0.1·√2; with β = 1: [1 − √2 → 0, 3 − √2], [0.1 − 0.1√2 → 0, 0.3 − 0.1√2].
  const y = pbrlOodTarget(q, 1);
  closeAll(y.dataSync(), [0, 0, 3 - Math.SQRT2, 0.3 - 0.1 * Math.SQRT2]);
  const s = memberStd(q);
  closeAll(s.dataSync(), [Math.SQRT2, 0.1 * Math.SQRT2]);
  tf.dispose([q, y, s]);
});

test('OOD penalty schedule β_ood = max(3·0.99995^step, 0.1)', () => {
  assert.equal(oodPenaltyWeight(0), 3);
  assert.ok(Math.abs(oodPenaltyWeight(1000) - 2.8536847062751374) < 1e-12);
  // 3·0.99995^t = 0.1 at t = ln(1/30)/ln(0.99995) ≈ 68022.25.
  assert.ok(oodPenaltyWeight(68022) > 0.1);
  assert.equal(oodPenaltyWeight(68023), 0.1);
  assert.equal(oodPenaltyWeight(1_000_000), 0.1);
});

test('min_k Q gradient with respect to the actions matches finite differences', () => {
  const p = new Pbrl({ obsDim: 3, actDim: 2 }, { hidden: [8, 8], ensembleSize: 3 }, Rng.fromSeed(1));
  const s = tf.tensor2d([
    [0.1, -0.3, 0.5],
    [1, 0.2, -0.4],
  ]);
  const a = tf.tensor2d([
    [0.2, -0.1],
    [0.5, 0.3],
  ]);
  const { q, grad } = p.minQWithActionGrad(s, a);
  const all = p.critics(s, a);
  assert.deepEqual(all.shape, [3, 2]);
  closeAll(q.dataSync(), [...(tf.min(all, 0).dataSync() as Float32Array)]);
  const f = (x: tf.Tensor2D): number => tf.tidy(() => tf.sum(tf.min(p.critics(s, x), 0)).dataSync()[0]);
  const h = 1e-2;
  const numeric: number[] = [];
  for (let i = 0; i < 4; i++) {
    const d = new Float32Array(4);
    d[i] = h;
    const step = tf.tensor2d(d, [2, 2]);
    const plus = tf.add(a, step) as tf.Tensor2D;
    const minus = tf.sub(a, step) as tf.Tensor2D;
    numeric.push((f(plus) - f(minus)) / (2 * h));
    tf.dispose([step, plus, minus]);
  }
  closeAll(grad.dataSync(), numeric, 2e-4);
  tf.dispose([s, a, q, grad, all]);
  p.dispose();
});

test('member-by-member critic passes equal the batched ensemble (outputs and gradients)', () => {
  const e = MlpEnsemble.create(mlpSpec([5, 7, 6, 2]), 3, Rng.fromSeed(2));
  const x = tf.tensor2d(Rng.fromSeed(3).fillNormal(new Float32Array(4 * 5)) as Float32Array, [4, 5]);
  const dy = tf.tensor3d(Rng.fromSeed(4).fillNormal(new Float32Array(3 * 4 * 2)) as Float32Array, [3, 4, 2]);
  const outs = e.forwardAll(x);
  const ref = e.backward(outs, dy);
  const acts = memberForward(e, x);
  const mine = memberBackward(e, acts, dy, { params: true, input: true });
  closeAll(memberOutputs(acts).dataSync(), [...outs[outs.length - 1].dataSync()]);
  ref.forEach((g, i) => {
    assert.deepEqual(mine.grads![i].shape, g.shape);
    closeAll(mine.grads![i].dataSync(), [...g.dataSync()]);
  });
  assert.deepEqual(mine.inputGrad!.shape, [4, 5]);
  tf.dispose([x, dy, ...outs, ...ref, ...mine.grads!, mine.inputGrad!, ...acts.acts.flat(), ...acts.kernels.flat()]);
  e.dispose();
});

// Both targetCritics settings are checked against a hand computation, and against each other, in pbrl-update.test.ts.
test('PBRL updates: metrics, β_ood decays, no leaked tensors', () => {
  const run = (targetCritics: 'target' | 'online'): void => {
    const rng = Rng.fromSeed(11);
    const learner = createPbrlLearner(randomBuffer(200, 4, 2, 3), { hidden: [16, 16], ensembleSize: 3, batchSize: 32, targetCritics }, rng.split('init'));
    const first = learner.update(rng);
    assert.equal(first.betaOod, 3);
    for (const k of ['criticLoss', 'oodLoss', 'q', 'qStd', 'qOod']) assert.ok(Number.isFinite(first[k]), k);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 9; i++) last = learner.update(rng);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(Number.isFinite(last.actorLoss));
    assert.ok(Math.abs(last.betaOod - 3 * 0.99995 ** 9) < 1e-12);
    assert.equal(learner.steps, 10);
    assert.equal(learner.algo.updateCount, 10);
    const acts = learner.act(new Float32Array(8), 2);
    assert.equal(acts.length, 4);
    assert.ok(acts.every((x) => x > -1 && x < 1));
    learner.dispose();
  };
  run('target');
  run('online');
});

test('OOD pessimism pushes Q of policy actions below the data values', () => {
  // Every transition terminal with reward 1: in-distribution targets are exactly 1, OOD targets are
  // pulled down by β_ood·std; after training, Q at the data actions ≈ 1 and Q at π(s) is lower.
  const rng = Rng.fromSeed(5);
  const buffer = randomBuffer(256, 2, 1, 8);
  // States from a random buffer; constant reward, terminal rows.
  const s = buffer.sample(256, Rng.fromSeed(1));
  const n = 256;
  const batch = {
    task: 't', size: n, obsDim: 2, actDim: 1, discreteActions: false, episode: new Int32Array(n), step: new Int32Array(n),
    observation: s.observation.slice(), nextObservation: s.nextObservation.slice(),
    // Behaviour actions near −0.5: π starts near 0, far enough to be OOD.
    action: new Float32Array(n).fill(-0.5), reward: new Float32Array(n).fill(1), terminated: new Uint8Array(n).fill(1), truncated: new Uint8Array(n),
  };
  const learner = createPbrlLearner(ReplayBuffer.fromDataset([batch]), { hidden: [16, 16], ensembleSize: 4, batchSize: 64, criticLr: 3e-3, actorLr: 1e-5 }, rng.split('init'));
  let m = learner.update(rng);
  for (let i = 0; i < 150; i++) m = learner.update(rng);
  assert.ok(Math.abs(m.q - 1) < 0.15, `Q at data actions ${m.q}`);
  assert.ok(m.qOod < m.q - 0.2, `Q at OOD actions ${m.qOod} vs data ${m.q}`);
  learner.dispose();
});
