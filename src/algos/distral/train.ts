import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, errorOf, fail, type DistilleryError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { DistralLearner } from './learner.ts';
import type { TaskEnv } from './mdp.ts';

/** What one round of training reports: one episode per task. */
export interface DistralEpisodeMetrics {
  /** Round index (0-based); round k ran episode k of every task. */
  readonly episode: number;
  /** Undiscounted environment return of each task's episode. */
  readonly returns: Float64Array;
  /** γ-discounted environment return of each task's episode. */
  readonly discountedReturns: Float64Array;
  /** Steps of each task's episode. */
  readonly steps: Int32Array;
  /** Environment steps taken so far over all tasks. */
  readonly totalSteps: number;
}

export interface DistralTrainingOptions {
  /** Rounds to run (each: one episode per task, tasks in order). */
  readonly episodes: number;
  /** Safety cap on an episode's length, treated as a time-limit truncation (bootstrapped). */
  readonly maxStepsPerEpisode?: number;
}

/**
 * Online Distral on one environment per task. Deterministic given `rng`: task i samples its
 * actions from the stream `act/i` and reseeds its environment from `env/i` every episode.
 * Fails (Left) on a setup error; a state index out of range during training throws a
 * DistilleryFailure from the generator.
 */
export const distralTraining = (
  learner: DistralLearner,
  envs: readonly TaskEnv[],
  rng: Rng,
  options: DistralTrainingOptions,
): E.Either<DistilleryError, Generator<DistralEpisodeMetrics, void, undefined>> => {
  if (envs.length !== learner.numTasks)
    return E.left(distilleryError('invalid-input', `distral: ${envs.length} environments for ${learner.numTasks} tasks`));
  if (!Number.isInteger(options.episodes) || options.episodes < 0)
    return E.left(distilleryError('invalid-input', `distral: episodes must be a non-negative integer, got ${options.episodes}`));
  const cap = options.maxStepsPerEpisode ?? 10_000;
  if (!(cap >= 1)) return E.left(distilleryError('invalid-input', `distral: maxStepsPerEpisode must be at least 1, got ${cap}`));
  return E.right(episodes(learner, envs, rng, options.episodes, cap));
};

function* episodes(learner: DistralLearner, envs: readonly TaskEnv[], rng: Rng, count: number, cap: number): Generator<DistralEpisodeMetrics, void, undefined> {
  const m = envs.length;
  const actRngs = envs.map((_, i) => rng.split(`act/${i}`));
  const envRngs = envs.map((_, i) => rng.split(`env/${i}`));
  const { gamma, discountedLikelihood } = learner.config;
  const S = learner.numStates;
  const check = (task: number, s: number): number =>
    Number.isInteger(s) && s >= 0 && s < S ? s : fail('invalid-input', `distral: task ${task}: stateOf returned ${s}, expected an integer in [0, ${S})`);
  let totalSteps = 0;
  for (let episode = 0; episode < count; episode++) {
    const returns = new Float64Array(m);
    const discountedReturns = new Float64Array(m);
    const steps = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const { env, stateOf } = envs[i];
      let s = check(i, stateOf(env.reset(envRngs[i].seed())));
      let discount = 1;
      let t = 0;
      let prev = -1;
      for (;;) {
        const a = learner.act(i, s, actRngs[i], prev);
        const r = env.step(a);
        const sNext = check(i, stateOf(r.observation));
        learner.update(i, s, a, r.reward, sNext, r.terminated, discountedLikelihood ? discount : 1, prev);
        prev = a;
        returns[i] += r.reward;
        discountedReturns[i] += discount * r.reward;
        discount *= gamma;
        t++;
        s = sNext;
        if (r.terminated || r.truncated || t >= cap) break;
      }
      steps[i] = t;
      totalSteps += t;
    }
    yield { episode, returns, discountedReturns, steps, totalSteps };
  }
}

/**
 * Runs training to the end, calling `onEpisode` after every round (return false to stop early).
 * Errors, including those thrown by environments, come back as a Left.
 */
export const runDistral = (
  learner: DistralLearner,
  envs: readonly TaskEnv[],
  rng: Rng,
  options: DistralTrainingOptions,
  onEpisode?: (metrics: DistralEpisodeMetrics) => boolean | void,
): E.Either<DistilleryError, { readonly episodes: number; readonly totalSteps: number }> =>
  E.chain((gen: Generator<DistralEpisodeMetrics, void, undefined>) => {
    let done = 0;
    let totalSteps = 0;
    try {
      for (const metrics of gen) {
        done++;
        totalSteps = metrics.totalSteps;
        if (onEpisode?.(metrics) === false) break;
      }
    } catch (u) {
      return E.left(errorOf(u));
    }
    return E.right({ episodes: done, totalSteps });
  })(distralTraining(learner, envs, rng, options));
