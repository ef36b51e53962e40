import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { concatBatches, type TransitionBatch } from '../../src/core/batch.ts';
import { Rng } from '../../src/core/rng.ts';
import { makeBehaviorPolicy } from '../../src/envs/policies/behavior.ts';
import { makeEnv } from '../../src/envs/registry.ts';
import type { Env, Policy } from '../../src/envs/types.ts';
import { rollouts, type RolloutOptions } from '../../src/operators/rollouts.ts';

/**
 * The README's promise: "episode n uses the RNG sub-stream episode/n, so results do not depend
 * on the batch size". Checked three ways: the same data whatever the batch size; episode n the
 * same whether or not episodes 0…n−1 ran before it; and episode n equal to a hand-written loop
 * that draws only from rng.split(`episode/n`).
 */

const setup = (envId: string, task: string, behavior: string): { env: Env; policy: Policy } => {
  const env = makeEnv(envId, { task }, 0);
  const policy = makeBehaviorPolicy(envId, behavior);
  if (env._tag === 'Left' || policy._tag === 'Left') throw new Error('test setup: env or policy');
  return { env: env.right, policy: policy.right };
};

const collect = async (envId: string, task: string, behavior: string, options: Omit<RolloutOptions, 'rng'>, seed = 5): Promise<{ batches: TransitionBatch[]; all: TransitionBatch }> => {
  const { env, policy } = setup(envId, task, behavior);
  const batches = await lastValueFrom(rollouts(env, policy, { ...options, rng: Rng.fromSeed(seed) }).pipe(toArray()));
  return { batches, all: concatBatches(batches) };
};

const columns = (b: TransitionBatch): Record<string, number[]> => ({
  episode: [...b.episode],
  step: [...b.step],
  observation: [...b.observation],
  action: [...b.action],
  reward: [...b.reward],
  nextObservation: [...b.nextObservation],
  terminated: [...b.terminated],
  truncated: [...b.truncated],
  physics: b.physics ? [...b.physics.state] : [],
  nextPhysics: b.physics ? [...b.physics.nextState] : [],
});

/** The rows of episode `n` only. */
const episodeRows = (b: TransitionBatch, n: number): Record<string, number[]> => {
  const rows = [...b.episode].flatMap((e, i) => (e === n ? [i] : []));
  const pick = (xs: ArrayLike<number>, width: number): number[] => rows.flatMap((i) => Array.from({ length: width }, (_, k) => xs[i * width + k]));
  const pd = b.physics?.dim ?? 0;
  return {
    step: pick(b.step, 1),
    observation: pick(b.observation, b.obsDim),
    action: pick(b.action, b.discreteActions ? 1 : b.actDim),
    reward: pick(b.reward, 1),
    nextObservation: pick(b.nextObservation, b.obsDim),
    terminated: pick(b.terminated, 1),
    truncated: pick(b.truncated, 1),
    physics: b.physics ? pick(b.physics.state, pd) : [],
    nextPhysics: b.physics ? pick(b.physics.nextState, pd) : [],
  };
};

for (const [envId, task, behavior] of [
  ['pointmass/maze', 'left', 'medium'],
  ['grid/two-room', 'middle', 'medium'],
] as const) {
  test(`${envId}: the same transitions whatever the batch size`, async () => {
    const reference = await collect(envId, task, behavior, { episodes: 3 });
    assert.equal(reference.batches.length, 1, 'default batch size: one batch');
    assert.deepEqual([...new Set(reference.all.episode)], [0, 1, 2]);
    for (const batchSize of [1, 7, 64]) {
      const other = await collect(envId, task, behavior, { episodes: 3, batchSize });
      assert.equal(other.batches.length, Math.ceil(reference.all.size / batchSize));
      assert.ok(other.batches.every((b) => b.size <= batchSize));
      assert.deepEqual(columns(other.all), columns(reference.all), `batch size ${batchSize}`);
    }
    // A different seed gives different data (the comparison above is not vacuous).
    const reseeded = await collect(envId, task, behavior, { episodes: 3 }, 6);
    assert.notDeepEqual(columns(reseeded.all).observation, columns(reference.all).observation);
  });

  test(`${envId}: episode n is drawn from the sub-stream episode/n alone`, async () => {
    const { all } = await collect(envId, task, behavior, { episodes: 4, batchSize: 16 });
    // Run alone (firstEpisode 3, nothing drawn before it) it is the same episode.
    const alone = await collect(envId, task, behavior, { episodes: 1, firstEpisode: 3 });
    assert.deepEqual([...new Set(alone.all.episode)], [3]);
    assert.deepEqual(episodeRows(alone.all, 3), episodeRows(all, 3));
    // Episodes are not copies of each other.
    assert.notDeepEqual(episodeRows(all, 2).action, episodeRows(all, 3).action);

    // A hand-written loop with the documented draws: reset(seed from episode/n), then every
    // policy draw from the same sub-stream.
    const { env, policy } = setup(envId, task, behavior);
    for (const n of [0, 2]) {
      const epRng = Rng.fromSeed(5).split(`episode/${n}`);
      let obs = env.reset(epRng.seed());
      policy.reset?.(env, epRng);
      const want: Record<string, number[]> = { step: [], observation: [], action: [], reward: [], nextObservation: [], terminated: [], truncated: [], physics: [], nextPhysics: [] };
      for (let step = 0; ; step++) {
        const state = env.getState();
        const action = policy.act(obs, epRng, env);
        const r = env.step(action);
        want.step.push(step);
        want.observation.push(...obs);
        want.action.push(...(typeof action === 'number' ? [action] : action));
        want.reward.push(Math.fround(r.reward));
        want.nextObservation.push(...r.observation);
        want.terminated.push(r.terminated ? 1 : 0);
        want.truncated.push(r.truncated ? 1 : 0);
        want.physics.push(...state);
        want.nextPhysics.push(...env.getState());
        obs = r.observation;
        if (r.terminated || r.truncated) break;
      }
      assert.deepEqual(episodeRows(all, n), want, `episode ${n}`);
    }
  });
}

test('a transition budget cuts the last episode, marks it truncated, and leaves the earlier ones unchanged', async () => {
  const { all } = await collect('grid/two-room', 'middle', 'medium', { episodes: 3 });
  const budget = all.size - 2;
  const cut = await collect('grid/two-room', 'middle', 'medium', { transitions: budget, batchSize: 5 });
  assert.equal(cut.all.size, budget);
  const last = cut.all.episode[budget - 1];
  for (let n = 0; n < last; n++) assert.deepEqual(episodeRows(cut.all, n), episodeRows(all, n));
  assert.equal(cut.all.truncated[budget - 1], 1);
  assert.equal(cut.all.terminated[budget - 1], 0);
});
