/**
 * Evaluation: deterministic actions, N episodes per task, returns per episode. Pure JS policies, so
 * it runs anywhere without tensors.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { DistilleryError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Env } from '../envs/types.ts';
import { loadStudentNet } from '../nn/student-activations.ts';
import { jsActor, loadPolicyModel } from './policy-model.ts';

export type Actor = (obs: ArrayLike<number>) => Float32Array;

/**
 * Undiscounted return of each of `episodes` episodes; episode e starts from seed
 * `rng.split('episode/e')`. `observe` sees the env after the reset and after every step (to record
 * an episode's simulator states).
 */
export const episodeReturns = (env: Env, act: Actor, episodes: number, rng: Rng, observe?: (episode: number, env: Env) => void): number[] => {
  const out: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(rng.split(`episode/${e}`).seed());
    observe?.(e, env);
    let total = 0;
    for (;;) {
      const r = env.step(Float32Array.from(act(obs)));
      observe?.(e, env);
      total += r.reward;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    out.push(total);
  }
  return out;
};

/** A saved teacher or behavior policy as a JS actor. */
export const loadActor = (dir: string): TE.TaskEither<DistilleryError, Actor> => pipe(loadPolicyModel(dir), TE.map(jsActor));

/** The student's actor for task index `task` (its task encoding appended to each observation). */
export const loadStudentActor = (dir: string, task: number): TE.TaskEither<DistilleryError, Actor> =>
  pipe(
    loadStudentNet(dir),
    TE.map(({ spec, net }) => {
      const x = new Float32Array(net.inputSize);
      if (spec.encoding === 'onehot') x[spec.stateDim + task] = 1;
      else x[spec.stateDim] = task;
      return (obs: ArrayLike<number>) => {
        for (let k = 0; k < spec.stateDim; k++) x[k] = obs[k];
        const out = net.forward1(x);
        // A Gaussian head outputs [μ | log σ] (after tanh); its deterministic action is μ.
        return spec.head === 'gaussian' ? out.slice(0, spec.actionDim) : out;
      };
    }),
  );
