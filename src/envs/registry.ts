import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decode } from '../core/codecs.ts';
import { distilleryError, errorOf, toDistilleryError, type DistilleryError } from '../core/errors.ts';
import type { Env, EnvConfig, MultiTaskEnv, RewardFn } from './types.ts';
import { fig61 } from './grid/fig61.ts';
import { twoRoom } from './grid/two-room.ts';
import { zigzag } from './grid/zigzag.ts';
import { separated } from './grid/separated.ts';
import { pointMassMaze } from './pointmass/pointmass-env.ts';
import { walkerEnv } from './walker/index.ts';
import { CLASSIC_ENVS } from './classic/index.ts';
import { invertedPendulum } from './mujoco-pendulums/inverted-pendulum.ts';
import { invertedDoublePendulum } from './mujoco-pendulums/inverted-double-pendulum.ts';
import { cartpoleSwingup } from './mujoco-pendulums/cartpole-swingup.ts';

const ENVS: readonly MultiTaskEnv[] = [fig61, twoRoom, zigzag, separated, pointMassMaze, walkerEnv, ...CLASSIC_ENVS, invertedPendulum, invertedDoublePendulum, cartpoleSwingup];

export const listEnvs = (): MultiTaskEnv[] => [...ENVS];

export const getEnv = (id: string): E.Either<DistilleryError, MultiTaskEnv> => {
  const env = ENVS.find((e) => e.id === id);
  return env
    ? E.right(env)
    : E.left(distilleryError('not-found', `unknown env ${JSON.stringify(id)} (known: ${ENVS.map((e) => e.id).join(', ')})`));
};

/** `{ task, ...config }`: the task and the env family's config, as a user writes them. */
export type EnvSpec = Readonly<Record<string, unknown>>;

export interface ResolvedEnv {
  readonly family: MultiTaskEnv;
  readonly task: string;
  /** The decoded config, defaults filled in (what datasets record as the env config). */
  readonly config: EnvConfig;
}

/** Looks up the family, checks the task and decodes the rest of the spec as the family's config. */
export const resolveEnv = (id: string, spec: EnvSpec): E.Either<DistilleryError, ResolvedEnv> =>
  pipe(
    getEnv(id),
    E.chain((family) => {
      const { task, ...config } = spec ?? {};
      if (typeof task !== 'string' || !family.tasks.includes(task)) {
        const what = task === undefined ? 'no task given' : `unknown task ${JSON.stringify(task)}`;
        return E.left(distilleryError(task === undefined ? 'invalid-input' : 'not-found', `${id}: ${what} (tasks: ${family.tasks.join(', ')})`));
      }
      return pipe(
        decode(family.configCodec, config, `${id} config`),
        E.map((decoded): ResolvedEnv => ({ family, task, config: decoded })),
      );
    }),
  );

/** An env bound to one task, or a one-line error: unknown env, unknown task, or a bad config field. */
export const makeEnv = (id: string, spec: EnvSpec, seed: number): E.Either<DistilleryError, Env> =>
  pipe(
    resolveEnv(id, spec),
    E.chain(({ family, task, config }) => E.tryCatch(() => family.make(task, config, seed), errorOf)),
  );

/** The reward function R_task(s, a, s') of an env configuration (relabeling stored states uses it). */
export const makeRewardFn = (id: string, spec: EnvSpec): E.Either<DistilleryError, RewardFn> =>
  pipe(
    resolveEnv(id, spec),
    E.chain(({ family, task, config }) => E.tryCatch(() => family.reward(task, config), errorOf)),
  );

export interface ResolvedEnvTasks {
  readonly family: MultiTaskEnv;
  /** The tasks asked for, or every task of the env when none were given. */
  readonly tasks: readonly string[];
  readonly config: EnvConfig;
}

/** An env id, a list of its tasks (empty = all) and a config, checked together (pipelines use it). */
export const resolveEnvTasks = (id: string, tasks: readonly string[], config: Readonly<Record<string, unknown>>): E.Either<DistilleryError, ResolvedEnvTasks> =>
  pipe(
    getEnv(id),
    E.chain((family) => {
      const unknown = tasks.find((t) => !family.tasks.includes(t));
      if (unknown !== undefined)
        return E.left(distilleryError('not-found', `${id}: unknown task ${JSON.stringify(unknown)} (tasks: ${family.tasks.join(', ')})`));
      return pipe(
        decode(family.configCodec, config, `${id} config`),
        E.map((decoded): ResolvedEnvTasks => ({ family, tasks: tasks.length > 0 ? [...tasks] : [...family.tasks], config: decoded })),
      );
    }),
  );

/**
 * Loads what an env family needs before `make`/`reward` can run synchronously (the MuJoCo
 * WebAssembly module for the walker); a no-op for pure-JS envs.
 */
export const prepareEnv = async (family: MultiTaskEnv): Promise<E.Either<DistilleryError, MultiTaskEnv>> => {
  try {
    await family.prepare?.();
    return E.right(family);
  } catch (e) {
    return E.left(toDistilleryError(e, 'unsupported', `${family.id}: cannot load the simulator`));
  }
};

/** Prepares every registered env (tests and tools that walk the whole registry). */
export const prepareAllEnvs = async (): Promise<void> => {
  for (const f of ENVS) await f.prepare?.();
};
