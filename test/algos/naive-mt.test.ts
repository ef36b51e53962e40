import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TransitionBatchBuilder } from '../../src/core/batch.ts';
import { Rng } from '../../src/core/rng.ts';
import { NaiveMtLearner, NaiveMtPbrl } from '../../src/algos/naive-mt/index.ts';
import { ReplayBuffer } from '../../src/algos/replay-buffer.ts';
import { flatWeights, randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

const close = (got: number, want: number, tol = 1e-5, what = ''): void => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want}`);

/** Transitions with constant reward r and no terminal: the in-distribution target is then the same on every row. */
const constantRewardBuffer = (n: number, obsDim: number, actDim: number, reward: number, seed: number): ReplayBuffer => {
  const rng = Rng.fromSeed(seed);
  const b = new TransitionBatchBuilder({ task: 't', obsDim, actDim, discreteActions: false }, n);
  for (let i = 0; i < n; i++)
    b.push({
      episode: 0,
      step: i,
      observation: Array.from({ length: obsDim }, () => rng.normal()),
      action: Array.from({ length: actDim }, () => rng.range(-1, 1)),
      reward,
      nextObservation: Array.from({ length: obsDim }, () => rng.normal()),
      terminated: false,
      truncated: false,
    });
  return ReplayBuffer.fromDataset([b.flush()]);
};

/** Makes every member k of task `task`'s critics (online and target) the constant function Q_k = c[k]. */
const constantCritics = (algo: NaiveMtPbrl, task: number, c: readonly number[]): void => {
  const { online, target } = algo.critics[task];
  for (const e of [online, target])
    tf.tidy(() => {
      e.params.forEach((p) => p.assign(tf.zerosLike(p)));
      const lastBias = e.biases[e.layers - 1];
      lastBias.assign(tf.tensor3d([...c], [c.length, 1, 1]));
    });
};

test("each task's update uses that task's critics: PBRL targets on hand-made numbers", () => {
  // Constant critics make every Q exact: task 0 has Q = 1, 2, 3 (sample std 1), task 1 Q = 4, 4, 4.
  // γ 0.9, β_in 0.1, reward 1, no terminal, β_ood = 3 at the first update:
  //   task 0: y_k = 1 + 0.9(c_k − 0.1) = 1.81, 2.71, 3.61 → in-distribution loss mean_k (c_k − y_k)²
  //           = (0.81² + 0.71² + 0.61²)/3 = 0.5108; OOD target max(c_k − 3·1, 0) = 0 → loss (1 + 4 + 9)/3.
  //   task 1: y = 1 + 0.9·4 = 4.6 → loss 0.36; OOD target max(4 − 0, 0) = 4 → loss 0.
  const algo = new NaiveMtPbrl({ obsDim: 3, actDim: 2, tasks: 2 }, { hidden: [8], ensembleSize: 3, gamma: 0.9, betaIn: 0.1 }, Rng.fromSeed(1));
  constantCritics(algo, 0, [1, 2, 3]);
  constantCritics(algo, 1, [4, 4, 4]);
  const buffers = [constantRewardBuffer(64, 3, 2, 1, 2), constantRewardBuffer(64, 3, 2, 1, 3)];
  const learner = new NaiveMtLearner(algo, buffers, 16);
  const rng = Rng.fromSeed(4);
  const m0 = learner.update(rng);
  const m1 = learner.update(rng);
  assert.equal(m0.task, 0);
  assert.equal(m1.task, 1);
  assert.equal(m0.betaOod, 3);
  assert.equal(m1.betaOod, 3);
  close(m0.criticLoss, (0.81 ** 2 + 0.71 ** 2 + 0.61 ** 2) / 3, 1e-5, 'task 0 in-distribution loss');
  close(m0.oodLoss, 14 / 3, 1e-5, 'task 0 OOD loss');
  close(m0.q, 2, 1e-6, 'task 0 mean Q');
  close(m0.qStd, 1, 1e-6, 'task 0 Q std');
  close(m1.criticLoss, 0.36, 1e-5, 'task 1 in-distribution loss');
  close(m1.oodLoss, 0, 1e-6, 'task 1 OOD loss');
  close(m1.q, 4, 1e-6, 'task 1 mean Q');
  learner.dispose();
});

test('round-robin alternation: task order, per-task β_ood and actor steps, other tasks untouched', () => {
  const algo = new NaiveMtPbrl({ obsDim: 4, actDim: 2, tasks: 3 }, { hidden: [8, 8], ensembleSize: 2, policyDelay: 2 }, Rng.fromSeed(5));
  const learner = new NaiveMtLearner(
    algo,
    [0, 1, 2].map((i) => randomBuffer(50, 4, 2, 10 + i)),
    8,
  );
  const rng = Rng.fromSeed(6);
  const tasks: number[] = [];
  const actorSteps: boolean[] = [];
  for (let u = 0; u < 7; u++) {
    assert.equal(learner.nextTask, u % 3);
    // Only the trained task's critics may change.
    const before = algo.critics.map((c) => flatWeights(c.online.weights()));
    const m = learner.update(rng);
    tasks.push(m.task);
    actorSteps.push(m.actorLoss !== undefined);
    algo.critics.forEach((c, i) => {
      const same = flatWeights(c.online.weights()).every((x, j) => x === before[i][j]);
      assert.equal(same, i !== m.task, `update ${u} (task ${m.task}) and the critics of task ${i}`);
    });
  }
  assert.deepEqual(tasks, [0, 1, 2, 0, 1, 2, 0]);
  // policyDelay 2 counts each task's own updates: the actor moves on every task's second update.
  assert.deepEqual(actorSteps, [false, false, false, true, true, true, false]);
  assert.equal(algo.actorStepCount, 3);
  assert.deepEqual([0, 1, 2].map((i) => algo.updateCount(i)), [3, 2, 2]);
  close(algo.betaOod(0), 3 * 0.99995 ** 3, 1e-12);
  close(algo.betaOod(1), 3 * 0.99995 ** 2, 1e-12);
  assert.equal(learner.steps, 7);
  learner.dispose();
});

// The update itself is checked against a hand computation in pbrl-update.test.ts.
test('no tensors left by updates or acting', () => {
  const run = (seed: number): void => {
    const rng = Rng.fromSeed(seed);
    const algo = new NaiveMtPbrl({ obsDim: 3, actDim: 2, tasks: 2 }, { hidden: [16, 16], ensembleSize: 3 }, rng.split('init'));
    const learner = new NaiveMtLearner(algo, [randomBuffer(100, 3, 2, 1), randomBuffer(100, 3, 2, 2)], 32);
    const updates = rng.split('updates');
    learner.update(updates);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 9; i++) learner.update(updates);
    const a = algo.act(new Float32Array(6), 2, 1);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(a.length, 4);
    assert.ok(a.every((x) => x > -1 && x < 1));
    learner.dispose();
  };
  run(7);
});

test('weights round-trip through setWeights', () => {
  const a = new NaiveMtPbrl({ obsDim: 3, actDim: 1, tasks: 2 }, { hidden: [4], ensembleSize: 2 }, Rng.fromSeed(1));
  const b = new NaiveMtPbrl({ obsDim: 3, actDim: 1, tasks: 2 }, { hidden: [4], ensembleSize: 2 }, Rng.fromSeed(2));
  assert.notDeepEqual(flatWeights(b.weights()), flatWeights(a.weights()));
  b.setWeights(a.weights());
  assert.deepEqual(flatWeights(b.weights()), flatWeights(a.weights()));
  a.dispose();
  b.dispose();
});

/**
 * A one-step bandit: actions uniform in [−1, 1], reward 3 − (a − best)², terminal. Rewards stay
 * positive because PBRL's OOD target max(Q − β·std, 0) assumes Q ≥ 0 (negative Q would be pulled up).
 */
const banditFor = (best: number, n: number, seed: number): ReplayBuffer => {
  const rng = Rng.fromSeed(seed);
  const b = new TransitionBatchBuilder({ task: 't', obsDim: 2, actDim: 1, discreteActions: false }, n);
  for (let i = 0; i < n; i++) {
    const obs = [rng.range(-1, 1), rng.range(-1, 1)];
    const a = rng.range(-1, 1);
    b.push({ episode: i, step: 0, observation: obs, action: [a], reward: 3 - (a - best) ** 2, nextObservation: obs, terminated: true, truncated: false });
  }
  return ReplayBuffer.fromDataset([b.flush()]);
};

test('the task-conditioned actor learns opposite actions per task from the task id alone', () => {
  // Same state distribution, opposite optima (+0.5 for task 0, −0.5 for task 1): one actor can
  // only serve both through its task input, so an actor ignoring the id cannot pass. Untrained,
  // both tasks' mean actions are ≈ 0.3; after 250 updates (~0.9 and ~−0.6 with this seed) the
  // signs must be right with a margin.
  const rng = Rng.fromSeed(9);
  const algo = new NaiveMtPbrl(
    { obsDim: 2, actDim: 1, tasks: 2 },
    { hidden: [16, 16], ensembleSize: 3, criticLr: 1e-2, actorLr: 1e-3, betaOodInitial: 0.1, betaOodMin: 0.1, policyDelay: 1 },
    rng.split('init'),
  );
  const learner = new NaiveMtLearner(algo, [banditFor(0.5, 256, 1), banditFor(-0.5, 256, 2)], 32);
  const updates = rng.split('updates');
  for (let i = 0; i < 250; i++) learner.update(updates);
  const states = Rng.fromSeed(3).fillUniform(new Float32Array(2 * 32), -1, 1) as Float32Array;
  const meanAction = (task: number): number => algo.act(states, 32, task).reduce((s, x) => s + x, 0) / 32;
  const [a0, a1] = [meanAction(0), meanAction(1)];
  assert.ok(a0 > 0.25 && a1 < -0.25, `mean actions ${a0} (task 0, best 0.5) and ${a1} (task 1, best −0.5)`);
  learner.dispose();
});
