import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransitionBatchBuilder, type Trajectory } from '../../src/core/batch.ts';
import { Rng } from '../../src/core/rng.ts';
import { getEnv } from '../../src/envs/index.ts';
import type { GridEnv, GridFamily } from '../../src/envs/index.ts';
import { trajectoryOtRewards } from '../../src/ot/index.ts';
import { featureTrajectory } from '../../src/jobs/ot-sharing.ts';
import { UpdateTimeProxy, type FeatureTrajectory } from '../../src/jobs/ot-update-proxy.ts';
import { pathOverlap } from '../../src/jobs/ot-run.ts';

/** A trajectory on a 1×5 corridor: steps [cell, action]; observation one-hot over 5 cells. */
const corridor = (task: string, episode: number, steps: readonly (readonly [number, number])[]): Trajectory & FeatureTrajectory => {
  const b = new TransitionBatchBuilder({ task, obsDim: 5, actDim: 1, discreteActions: true }, steps.length);
  steps.forEach(([c, a], t) => {
    const obs = [0, 0, 0, 0, 0];
    obs[c] = 1;
    b.push({ episode, step: t, observation: obs, action: a, reward: -0.01, nextObservation: obs, terminated: false, truncated: false });
  });
  return featureTrajectory(b.flush(), Int32Array.from(steps.map(([c]) => c)), 5, 'xy');
};

const OPTIONS = { sigma: 0.5, beta: 2, epsilon: 0.05, iterations: 100, actionCount: 2, recent: 4, featureStats: 'none' as const };

test('featureTrajectory: xy features are (column, row) of each step cell', () => {
  const f = corridor('a', 0, [
    [3, 0],
    [1, 1],
  ]);
  assert.equal(f.obsDim, 2);
  assert.deepEqual(Array.from(f.observation), [3, 0, 1, 0]);
  const b = new TransitionBatchBuilder({ task: 'x', obsDim: 1, actDim: 1, discreteActions: true }, 1);
  b.push({ episode: 0, step: 0, observation: [0], action: 0, reward: 0, nextObservation: [0], terminated: false, truncated: false });
  // cell 13 of a 5-column grid is row 2, column 3
  assert.deepEqual(Array.from(featureTrajectory(b.flush(), Int32Array.of(13), 5, "xy").observation), [3, 2]);
});

test('update-time proxy: each sampled row gets its step proxy against a fresh partner, one solve per trajectory', () => {
  const p = new UpdateTimeProxy(['a', 'b'], 100, OPTIONS, Rng.fromSeed(1));
  const a0 = corridor('a', 0, [
    [0, 0],
    [1, 0],
    [2, 1],
  ]);
  const b0 = corridor('b', 0, [
    [2, 1],
    [3, 1],
  ]);
  p.add(0, a0);
  p.add(1, b0);
  // rows of task a's buffer: 0..2 = a0's steps 0..2
  const out = p.forBatch(0, [2, 0, 2]);
  assert.equal(out.solves.length, 1, 'one trajectory in the batch: one solve');
  const expected = trajectoryOtRewards(a0, b0, { sigma: 0.5, beta: 2, epsilon: 0.05, maxIterations: 100, featureStats: 'none', actionCount: 2, scale: 'rows' }).rewards;
  assert.deepEqual([...out.rewards], [expected[2], expected[0], expected[2]]);
  assert.deepEqual([...out.cells], [2, 0, 2]);
  assert.deepEqual([...out.paired], [1, 1, 1]);
  // a0's step 2 is (2, 0) with action 1, exactly b0's step 0: the cheaper row earns more
  assert.ok(out.rewards[0] > out.rewards[1]);
});

test('update-time proxy: partners are drawn again at every update; rows without a partner get 0', () => {
  const p = new UpdateTimeProxy(['a', 'b'], 100, OPTIONS, Rng.fromSeed(2));
  p.add(0, corridor('a', 0, [[0, 0]]));
  const lonely = p.forBatch(0, [0]);
  assert.deepEqual([...lonely.rewards], [0]);
  assert.equal(lonely.unpairedRows, 1);
  assert.deepEqual([...lonely.paired], [0]);
  p.add(1, corridor('b', 0, [[0, 0]]));
  p.add(1, corridor('b', 1, [[4, 1]]));
  const seen = new Set<number>();
  for (let k = 0; k < 20; k++) seen.add(p.forBatch(0, [0]).rewards[0]);
  // partner b0 (same cell and action: proxy σ) or b1 (the max cost: σ·e^{−β·1})
  assert.deepEqual([...seen].sort(), [Math.fround(0.5 * Math.exp(-2)), 0.5].sort());
});

test('update-time proxy: rows follow the replay buffer ring once it wraps', () => {
  const p = new UpdateTimeProxy(['a', 'b'], 3, OPTIONS, Rng.fromSeed(3));
  p.add(1, corridor('b', 0, [[4, 1]]));
  p.add(0, corridor('a', 0, [
    [0, 0],
    [1, 0],
  ]));
  // 3 more rows into a 3-row ring: rows 2, 0, 1 now hold a1's steps 0, 1, 2
  p.add(0, corridor('a', 1, [
    [4, 1],
    [3, 1],
    [2, 1],
  ]));
  assert.deepEqual([...p.forBatch(0, [2, 0, 1]).cells], [4, 3, 2]);
});

test('pathOverlap: two copies of one task share all their traffic (1 on the goal, Σ = mean path length + 1)', () => {
  const family = getEnv('grid/zigzag');
  assert.ok(family._tag === 'Right');
  const f = family.right as GridFamily;
  const env = f.make(f.tasks[0], { maxEpisodeSteps: 50 }, 0) as GridEnv;
  const other = f.make(f.tasks[1], { maxEpisodeSteps: 50 }, 0) as GridEnv;
  const same = pathOverlap([env, env]);
  assert.ok(Math.abs(same[env.goal] - 1) < 1e-12);
  const goals = new Set([env.goal]);
  const starts = Array.from(env.layout.freeCells).filter((c) => !goals.has(c));
  const dist = f.distances(env.task);
  const meanLength = starts.reduce((s, c) => s + dist[c], 0) / starts.length;
  // (the start set excludes both tasks' goals in the two-task call below, not here)
  assert.ok(Math.abs(same.reduce((s, x) => s + x, 0) - (meanLength + 1)) < 1e-9);
  const mixed = pathOverlap([env, other]);
  for (let c = 0; c < mixed.length; c++) assert.ok(mixed[c] >= 0 && mixed[c] <= 1 + 1e-12);
  assert.ok(mixed.some((x) => x > 0), 'the two zigzag tasks share some cells');
  assert.ok(mixed.reduce((s, x) => s + x, 0) < same.reduce((s, x) => s + x, 0));
});
