import type * as t from 'io-ts';
import { concatMap, defer, from, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { PositiveInt, section, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure } from '../../core/errors.ts';
import { result } from '../../core/events.ts';
import { summarize, type Summary } from '../../metrics/statistics.ts';
import type { Env } from '../../envs/types.ts';
import { episodeReturns, loadActor, loadStudentActor } from '../../jobs/evaluate.ts';
import type { RunContext } from '../context.ts';
import type { TaskEnv } from '../with-env.ts';

export const EvaluationParams = section(
  { episodes: withDefault(PositiveInt, 10, 'evaluation episodes per task and policy (deterministic actions)') },
  'evaluation in the environment',
);
export type EvaluationParams = t.TypeOf<typeof EvaluationParams>;

/** What to evaluate: a saved policy (behavior or teacher) or a student for one of its tasks. */
export type PolicyRef =
  | { readonly kind: 'policy'; readonly dir: string }
  | { readonly kind: 'student'; readonly dir: string; readonly taskIndex: number };

export interface PolicyToEvaluate {
  readonly task: string;
  /** Label of what is evaluated (teacher, student, naive…): `evaluation.<task>.<role>` in results.json. */
  readonly role: string;
  readonly policy: PolicyRef;
  /** Keep the simulator states of episode 0 (for animations). */
  readonly record?: boolean;
}

export interface RecordedEpisode {
  /** Simulator states, `(steps + 1) × stateDim`, from the reset on. */
  readonly states: Float64Array;
  readonly steps: number;
  readonly stateDim: number;
  readonly return: number;
}

export interface EvaluationResult {
  readonly task: string;
  readonly role: string;
  readonly returns: readonly number[];
  readonly summary: Summary;
  readonly episode0?: RecordedEpisode;
}

/**
 * Deterministic evaluation, N episodes per listed policy, one after the other. Every policy of a
 * task faces the same start states (RNG `eval-env/<task>` for the env, `evaluation/<task>` for the
 * episodes). Each result is recorded as `evaluation.<task>.<role>`.
 *
 *   v ──evaluate──▶ {...v, evaluations: [teacher on left, student on left, …]}
 */
export const evaluate = <V>(
  p: EvaluationParams,
  env: TaskEnv,
  ctx: RunContext,
  policies: (v: V) => readonly PolicyToEvaluate[],
): OperatorFunction<V, V & { readonly evaluations: readonly EvaluationResult[] }> =>
  mergeMap((v: V) =>
    from(policies(v)).pipe(
      concatMap((req) => evaluateOne(p.episodes, env, ctx, req)),
      toArray(),
      map((evaluations) => ({ ...v, evaluations })),
    ),
  );

const evaluateOne = (episodes: number, env: TaskEnv, ctx: RunContext, req: PolicyToEvaluate) =>
  defer(() => from(req.policy.kind === 'student' ? loadStudentActor(req.policy.dir, req.policy.taskIndex)() : loadActor(req.policy.dir)())).pipe(
    map((actor): EvaluationResult => {
      if (E.isLeft(actor)) throw new DistilleryFailure(actor.left);
      const e = env.family.make(req.task, env.config, ctx.rng.split(`eval-env/${req.task}`).seed());
      const recorder = req.record ? new EpisodeRecorder(e) : undefined;
      const returns = episodeReturns(e, actor.right, episodes, ctx.rng.split(`evaluation/${req.task}`), recorder ? (ep, x) => ep === 0 && recorder.add(x) : undefined);
      const summary = summarize(returns);
      ctx.emit(result(`evaluation.${req.task}.${req.role}`, { returns, ...summary }));
      return { task: req.task, role: req.role, returns, summary, ...(recorder ? { episode0: recorder.done(returns[0]) } : {}) };
    }),
  );

class EpisodeRecorder {
  private readonly states: Float64Array;
  private steps = -1;

  constructor(private readonly env: Env) {
    this.states = new Float64Array((env.maxEpisodeSteps + 1) * env.stateDim);
  }

  add(env: Env): void {
    if ((this.steps + 2) * env.stateDim > this.states.length) return;
    this.steps++;
    this.states.set(env.getState(), this.steps * env.stateDim);
  }

  done(ret: number): RecordedEpisode {
    return { states: this.states.subarray(0, (this.steps + 1) * this.env.stateDim), steps: this.steps, stateDim: this.env.stateDim, return: ret };
  }
}

/** results.json entry of one evaluation: mean, sample std, 95% CI half-width, episodes. */
export const returnsEntry = (s: Summary) => ({ mean: s.mean, std: s.std, ci95: s.halfWidth, episodes: s.n });

/** The evaluation of `role` on `task`, or a failure naming what is missing. */
export const findEvaluation = (evaluations: readonly EvaluationResult[], task: string, role: string): Summary => {
  const r = evaluations.find((x) => x.task === task && x.role === role);
  if (!r) throw new DistilleryFailure({ _tag: 'DistilleryError', code: 'internal', message: `no evaluation of ${role} on task ${task}` });
  return r.summary;
};
