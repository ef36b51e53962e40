import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TransitionBatchBuilder, type Trajectory } from '../../src/core/batch.ts';
import { Rng } from '../../src/core/rng.ts';
import { SacDiscrete } from '../../src/algos/sac/sac-discrete.ts';
import { CellAverage, otSharingStream } from '../../src/jobs/ot-sharing.ts';
import { OT_PROXY_COLUMN } from '../../src/operators/ot-reward.ts';
import { trainOtSacJob, type TrainOtSacInput } from '../../src/jobs/train-ot-sac.ts';
import type { JobEvent } from '../../src/core/job.ts';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** A trajectory over 3 one-hot states and 2 actions: steps [state, action], reward −0.01 each. */
const trajectory = (task: string, steps: readonly (readonly [number, number])[]): Trajectory => {
  const b = new TransitionBatchBuilder({ task, obsDim: 3, actDim: 1, discreteActions: true }, steps.length);
  steps.forEach(([s, a], t) => {
    const obs = [0, 0, 0];
    obs[s] = 1;
    b.push({ episode: 0, step: t, observation: obs, action: a, reward: -0.01, nextObservation: obs, terminated: t === steps.length - 1, truncated: false });
  });
  return b.flush();
};

const OPTIONS = { sigma: 0.3, beta: 2, epsilon: 0.01, iterations: 100, featureStats: 'none', actionCount: 2 } as const;

/** Pushes trajectories through the sharing stream; returns what reached the buffers, with its solve. */
const share = (trajectories: readonly Trajectory[], recent = 3, seed = 1) => {
  const out: { t: Trajectory; converged: boolean }[] = [];
  const stream = otSharingStream({ ...OPTIONS, recent }, Rng.fromSeed(seed), (t, solve) => out.push({ t, converged: solve.converged }));
  for (const t of trajectories) stream.push(t);
  return { out, unpaired: stream.end() };
};

test('proxy reward against a one-step partner: σ where the partner is, σ·e^{−β} where the cost is the max', () => {
  // B has one step, so the plan sends each of A's 2 rows (mass ½) to it. Costs 0 and d, divided by
  // their max d: [0, 1]; scaled by T = 2: c = [0, 1]. Proxy = σ·exp(−β·c) = [σ, σ·e^{−β}].
  const b = trajectory('bottom', [[0, 1]]);
  const a = trajectory('top', [
    [0, 1],
    [2, 0],
  ]);
  const { out } = share([b, a]);
  const aug = out.find((x) => x.t.task === 'top')!.t;
  const proxy = aug.rewards![OT_PROXY_COLUMN];
  assert.ok(Math.abs(proxy[0] - 0.3) < 1e-6, `${proxy[0]}`);
  assert.ok(Math.abs(proxy[1] - 0.3 * Math.exp(-2)) < 1e-6, `${proxy[1]}`);
  for (let t = 0; t < a.size; t++) assert.ok(Math.abs(aug.reward[t] - (a.reward[t] + proxy[t])) < 1e-7);
  // The trajectory itself is left untouched (its env rewards are what the returns report).
  assert.deepEqual([...a.reward], [Math.fround(-0.01), Math.fround(-0.01)]);
});

test('sharing stream: a trajectory waits for a partner of another task; every stored one is augmented and bounded by σ', () => {
  const top1 = trajectory('top', [[0, 1]]);
  const top2 = trajectory('top', [[1, 0]]);
  const bottom = trajectory('bottom', [[2, 1]]);
  const stream: Trajectory[] = [];
  const s = otSharingStream({ ...OPTIONS, recent: 3 }, Rng.fromSeed(3), (t) => stream.push(t));
  s.push(top1);
  s.push(top2);
  assert.equal(stream.length, 0, 'no partner yet: nothing stored');
  s.push(bottom);
  assert.deepEqual(stream.map((t) => t.task).sort(), ['bottom', 'top', 'top']);
  for (const t of stream) {
    const proxy = t.rewards![OT_PROXY_COLUMN];
    for (let i = 0; i < t.size; i++) assert.ok(proxy[i] > 0 && proxy[i] <= 0.3 + 1e-7);
  }
  assert.equal(s.end(), 0);
});

test('sharing stream: one task alone never finds a partner, and says so', () => {
  const { out, unpaired } = share([trajectory('top', [[0, 1]]), trajectory('top', [[1, 1]])]);
  assert.equal(out.length, 0);
  assert.equal(unpaired, 2);
});

test('CellAverage: mean per cell, NaN where nothing was added', () => {
  const c = new CellAverage(4);
  c.add([1, 1, 3], [0.2, 0.4, 1], 3);
  const m = c.mean();
  assert.ok(Math.abs(m[1] - 0.3) < 1e-12);
  assert.equal(m[3], 1);
  assert.ok(Number.isNaN(m[0]) && Number.isNaN(m[2]));
});

const tinyInput = (sharing: 'none' | 'ot', seed: number, proxy: 'update' | 'trajectory' = 'update'): TrainOtSacInput => ({
  envId: 'grid/zigzag',
  envConfig: { maxEpisodeSteps: 20 },
  tasks: [],
  sharing,
  stepsPerTask: 60,
  hyper: { hidden: [8], batchSize: 8, learningStarts: 20, bufferCapacity: 200, initialAlpha: 0.05, autoEntropy: false },
  targetEntropyRatio: null,
  updateEvery: 10,
  ot: { sigma: 0.3, beta: 2, epsilon: 0.05, iterations: 50, normalize: 'running', features: 'xy', proxy, recent: 4 },
  seed,
  backend: 'cpu',
});

/**
 * Tensors left behind by creating and disposing the job's 2 learners without using them. Adam
 * (src/nn/adam.ts) leaves the zerosLike initial values of its moment variables registered (a
 * constant per optimizer, reported to the lead); the job must leak nothing beyond that, in
 * particular nothing per step or per update.
 */
const constructionResidue = (): number => {
  const before = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) new SacDiscrete({ obsDim: 64, actions: 8 }, { hidden: [8], autoEntropy: false }, Rng.fromSeed(i)).dispose();
  return tf.memory().numTensors - before;
};

test('the job is deterministic, reports env-only returns and leaks no tensors', async () => {
  const residue = constructionResidue();
  const before = tf.memory().numTensors;
  const events: JobEvent[] = [];
  const a = await trainOtSacJob(tinyInput('ot', 3), { report: (e) => events.push(e) });
  assert.equal(tf.memory().numTensors - before, residue);
  const b = await trainOtSacJob(tinyInput('ot', 3), { report: () => undefined });
  assert.deepEqual([...a.steps], [...b.steps]);
  assert.deepEqual([...a.returns], [...b.returns]);
  assert.deepEqual([...a.proxyPerCell!], [...b.proxyPerCell!]);
  assert.ok(a.updates > 0 && a.otSolves > 0);
  assert.ok(a.steps[a.steps.length - 1] >= 120);

  // Env rewards are −0.01 per step and +1 on the goal step, so a round's returns sum to
  // −0.01·(its steps) + (goals reached): an integer once the step cost is added back. Any proxy
  // reward (up to 0.3 per step here) in the reported returns would break that.
  const m = a.tasks.length;
  for (let r = 0; r < a.steps.length; r++) {
    const dt = a.steps[r] - (r > 0 ? a.steps[r - 1] : 0);
    let s = 0;
    for (let i = 0; i < m; i++) s += a.returns[r * m + i];
    const goals = s + 0.01 * dt;
    assert.ok(Math.abs(goals - Math.round(goals)) < 1e-6 && Math.round(goals) >= 0 && Math.round(goals) <= m, `round ${r}: ${s} over ${dt} steps`);
  }
  const reported = events.filter((e): e is Extract<JobEvent, { kind: 'metric' }> => e.kind === 'metric' && e.name === 'sac/return' && e.tags?.task !== undefined);
  assert.deepEqual(
    reported.map((e) => e.value),
    [...a.returns],
  );
  // The heat map only holds proxy rewards of visited cells, in (0, σ].
  const cells = a.proxyPerCell!;
  let visited = 0;
  for (let c = 0; c < cells.length; c++) {
    if (a.proxyCount![c] === 0) assert.ok(Number.isNaN(cells[c]));
    else {
      visited += a.proxyCount![c];
      assert.ok(a.grid.free[c] === 1 && cells[c] > 0 && cells[c] <= 0.3 + 1e-6, `cell ${c}: ${cells[c]}`);
    }
  }
  assert.ok(visited > 0);

  const c = await trainOtSacJob(tinyInput('ot', 4), { report: () => undefined });
  // Tiny episodes all time out (same returns), but another seed visits other cells.
  assert.notDeepEqual([...c.proxyPerCell!], [...a.proxyPerCell!]);
});

test('without sharing the job runs the same loop with no proxy', async () => {
  const residue = constructionResidue();
  const before = tf.memory().numTensors;
  const out = await trainOtSacJob(tinyInput('none', 3), { report: () => undefined });
  assert.equal(tf.memory().numTensors - before, residue);
  assert.equal(out.proxyPerCell, undefined);
  assert.equal(out.otSolves, 0);
  assert.ok(out.updates > 0);
});
