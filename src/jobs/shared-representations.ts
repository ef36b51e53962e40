/**
 * What the online multi-task jobs of the shared-representation experiments (train-mt-ddpg; the
 * same steps as train-mt-dqn) share: making each task's env from its id, and writing a task's
 * collected transitions as an Arrow dataset.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../core/batch.ts';
import { DistilleryFailure } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { newDatasetMetadata, openDatasetWriter } from '../data/index.ts';
import { getEnv, makeEnv, prepareEnv, type Env } from '../envs/index.ts';

export interface TaskRef {
  readonly env: string;
  readonly task: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

export const taskName = (t: TaskRef): string => `${t.env}/${t.task}`;

/** The task's env, seeded from `rng.split(<stream>/<env>/<task>)`; a bad id or config is a DistilleryFailure. */
export const makeTaskEnv = async (t: TaskRef, rng: Rng, stream: string): Promise<Env> => {
  const family = getEnv(t.env);
  if (E.isLeft(family)) throw new DistilleryFailure(family.left);
  const prepared = await prepareEnv(family.right);
  if (E.isLeft(prepared)) throw new DistilleryFailure(prepared.left);
  const env = makeEnv(t.env, { task: t.task, ...(t.config ?? {}) }, rng.split(`${stream}/${taskName(t)}`).seed());
  if (E.isLeft(env)) throw new DistilleryFailure(env.left);
  return env.right;
};

/** One task's transitions (in collection order, with physics) as an Arrow dataset; returns its rows. */
export const writeTaskDataset = async (
  path: string,
  batch: TransitionBatch,
  t: TaskRef,
  env: Env,
  meta: { readonly behaviorPolicy: string; readonly seed: number; readonly pipeline: string },
): Promise<number> => {
  const writer = await openDatasetWriter(path, {
    metadata: newDatasetMetadata({
      envId: t.env,
      envConfig: { ...(t.config ?? {}) },
      tasks: [t.task],
      behaviorPolicy: meta.behaviorPolicy,
      seed: meta.seed,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      pipeline: meta.pipeline,
    }),
    shape: { obsDim: batch.obsDim, actDim: batch.actDim, discreteActions: batch.discreteActions, physicsDim: env.stateDim, rewardTasks: [] },
  })();
  if (E.isLeft(writer)) throw new DistilleryFailure(writer.left);
  try {
    await writer.right.write(batch);
  } catch (e) {
    await writer.right.abort();
    throw e;
  }
  return (await writer.right.close()).rows;
};
