/**
 * What the online multi-task jobs of the shared-representation experiments (train-mt-ddpg,
 * train-mt-dqn) share: making each task's env from its id, greedy evaluation, and writing each
 * task's collected transitions as an Arrow dataset.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { TransitionBatchBuilder, type BatchShape, type TransitionBatch } from '../core/batch.ts';
import { DistilleryFailure } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { BackendPreference } from '../nn/index.ts';
import { newDatasetMetadata, openDatasetWriter } from '../data/index.ts';
import { getEnv, makeEnv, prepareEnv, type Action, type Env, type StepResult } from '../envs/index.ts';

export interface TaskRef {
  readonly env: string;
  readonly task: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

/** The input every shared-representation job takes besides its hyper-parameters. */
export interface SharedRepresentationJobInput {
  /** The tasks, in network order: an env id and its task (and config). */
  readonly tasks: readonly TaskRef[];
  /** Iterations: each is one env step in every task (and one update once learning started). */
  readonly steps: number;
  /** Greedy evaluation every this many iterations (and at 0 and at the end). */
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  readonly seed: number;
  readonly backend: BackendPreference;
  readonly metricsEvery: number;
  /** Where to write each task's collected transitions (`<env>-<task>.arrow`, `/` as `-`); absent: not written. */
  readonly datasetsDir?: string;
  /** The producing pipeline, for the datasets' metadata. */
  readonly pipeline?: string;
}

/** What every shared-representation job returns. */
export interface SharedRepresentationJobOutput {
  readonly tasks: readonly string[];
  /** Mean greedy return per task at each evaluation. */
  readonly curve: readonly { readonly step: number; readonly returns: readonly number[] }[];
  /** The datasets written (one per task, in task order), when `datasetsDir` was given. */
  readonly datasets: readonly { readonly task: string; readonly path: string; readonly transitions: number }[];
  readonly backend: string;
  readonly seconds: number;
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

/** Mean undiscounted return of `act` over `episodes` episodes of `env`. */
export const meanReturn = (env: Env, episodes: number, act: (observation: Float32Array) => Action): number => {
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let o = env.reset();
    for (;;) {
      const r = env.step(act(o));
      total += r.reward;
      o = r.observation;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
};

/** Every task's transitions written as `<dir>/<env>-<task>.arrow` (`/` as `-`), in task order. */
export const writeTaskDatasets = async (
  dir: string,
  tasks: readonly TaskRef[],
  batches: readonly { flush(): TransitionBatch }[],
  envs: readonly Env[],
  meta: { readonly behaviorPolicy: string; readonly seed: number; readonly pipeline: string },
): Promise<{ task: string; path: string; transitions: number }[]> => {
  const datasets = [];
  for (const [i, t] of tasks.entries()) {
    const path = join(dir, `${taskName(t).replaceAll('/', '-')}.arrow`);
    datasets.push({ task: taskName(t), path, transitions: await writeTaskDataset(path, batches[i].flush(), t, envs[i], meta) });
  }
  return datasets;
};

/**
 * The episode bookkeeping of the online multi-task jobs: each task's current observation and
 * simulator state, its episode and step counters, resets at episode ends, and (when datasets are
 * written) every transition in collection order with its simulator states.
 */
export class TaskRollouts {
  private readonly observations: Float32Array[];
  private readonly states: Float64Array[];
  private readonly episodes: number[];
  private readonly episodeSteps: number[];
  readonly history: TransitionBatchBuilder[] | undefined;

  /** `historySteps` sizes the history (absent: nothing is kept). */
  constructor(
    private readonly envs: readonly Env[],
    shapes: readonly BatchShape[],
    historySteps?: number,
  ) {
    this.observations = envs.map((e) => e.reset());
    this.states = envs.map((e) => e.getState());
    this.episodes = envs.map(() => 0);
    this.episodeSteps = envs.map(() => 0);
    this.history = historySteps === undefined ? undefined : envs.map((e, i) => new TransitionBatchBuilder({ ...shapes[i], physicsDim: e.stateDim }, historySteps));
  }

  /** Task i's current observation. */
  observation(i: number): Float32Array {
    return this.observations[i];
  }

  /** Steps task i's env with `action` (recorded as given), resets it at an episode's end; returns the step's result. */
  step(i: number, action: Action): StepResult {
    const o = this.observations[i];
    const r = this.envs[i].step(action);
    const next = this.envs[i].getState();
    this.history?.[i].push({
      episode: this.episodes[i],
      step: this.episodeSteps[i],
      observation: o,
      action,
      reward: r.reward,
      nextObservation: r.observation,
      terminated: r.terminated,
      truncated: r.truncated,
      physics: this.states[i],
      nextPhysics: next,
    });
    this.episodeSteps[i]++;
    if (r.terminated || r.truncated) {
      this.observations[i] = this.envs[i].reset();
      this.states[i] = this.envs[i].getState();
      this.episodes[i]++;
      this.episodeSteps[i] = 0;
    } else {
      this.observations[i] = r.observation;
      this.states[i] = next;
    }
    return r;
  }
}
