import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import { resolveEnvTasks } from '../../src/envs/registry.ts';
import { StudentStatePools } from '../../src/jobs/student-states.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';

const config = (() => {
  const r = resolveEnvTasks('pointmass/maze', [], { maxEpisodeSteps: 10 });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.config;
})();
const options = { envId: 'pointmass/maze', envConfig: config, every: 5, episodes: 2, maxStates: 30 };

test('student state pools: each refresh plays `episodes` episodes per task with the given actor and keeps every visited state', async () => {
  const pools = await StudentStatePools.create(['left', 'right'], options, Rng.fromSeed(1), 4);
  const seen: { task: number; obs: number[] }[] = [];
  pools.refresh((obs, task) => {
    seen.push({ task, obs: [...obs] });
    return [0, 0];
  });
  // 2 episodes × 10 steps per task: each state acted on is in that task's pool, in order
  for (const task of [0, 1]) {
    const acted = seen.filter((s) => s.task === task).flatMap((s) => s.obs);
    assert.equal(acted.length, 20 * 4);
    assert.deepEqual([...pools.pool(task)], [...Float32Array.from(acted)]);
  }
  assert.deepEqual([1, 2, 5, 6, 7, 11].map((s) => pools.due(s)), [true, false, false, true, false, true]);
});

test('student state pools: the oldest states leave once maxStates is reached; same seed, same episodes', async () => {
  const act = (obs: Float32Array) => [Math.tanh(obs[0]), -Math.tanh(obs[1])];
  const a = await StudentStatePools.create(['left'], options, Rng.fromSeed(3), 4);
  const b = await StudentStatePools.create(['left'], options, Rng.fromSeed(3), 4);
  const visited: number[][] = [];
  a.refresh((obs) => {
    visited.push([...obs]);
    return act(obs);
  });
  a.refresh((obs) => {
    visited.push([...obs]);
    return act(obs);
  });
  b.refresh(act);
  b.refresh(act);
  assert.equal(visited.length, 40);
  assert.equal(a.pool(0).length, 30 * 4, 'capped at maxStates');
  // the pool is a ring: it holds the last 30 states visited (in ring order)
  const held = new Set(Array.from({ length: 30 }, (_, i) => a.pool(0).slice(i * 4, i * 4 + 4).join(',')));
  const last30 = new Set(visited.slice(10).map((o) => Float32Array.from(o).join(',')));
  assert.deepEqual(held, last30);
  assert.deepEqual([...a.pool(0)], [...b.pool(0)]);
});

test('student state pools: an env whose observations do not fit the teachers is refused with one line', async () => {
  await assert.rejects(StudentStatePools.create(['left'], options, Rng.fromSeed(0), 7), (e: unknown) => e instanceof DistilleryFailure && /observations do not match/.test(e.message));
});
