import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom } from 'rxjs';
import { Rng } from '../../src/core/rng.ts';
import { newDatasetMetadata } from '../../src/data/index.ts';
import { makeBehaviorPolicy, makeEnv } from '../../src/envs/index.ts';
import { persist, rollouts } from '../../src/operators/index.ts';

/** A small fixture of the job tests: 2 expert episodes of a pointmass/maze task written as `<dir>/<task>.arrow`; returns the path. */
export const pointmassExpertDataset = async (dir: string, task: string): Promise<string> => {
  const env = makeEnv('pointmass/maze', { task }, 1);
  const policy = makeBehaviorPolicy('pointmass/maze', 'expert', {});
  assert.ok(E.isRight(env) && E.isRight(policy));
  const path = join(dir, `${task}.arrow`);
  const metadata = newDatasetMetadata({
    envId: 'pointmass/maze',
    envConfig: {},
    tasks: [task],
    behaviorPolicy: policy.right.name,
    seed: 1,
    observationSpace: env.right.observationSpace,
    actionSpace: env.right.actionSpace,
    pipeline: 'test',
  });
  await lastValueFrom(rollouts(env.right, policy.right, { episodes: 2, rng: Rng.fromSeed(2) }).pipe(persist(path, metadata)));
  return path;
};
