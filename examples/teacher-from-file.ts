/**
 * Offline RL on a dataset you already have: one teacher per task trained on a stored Arrow file,
 * then evaluated in the environment. With no file given, it first collects a scripted expert
 * dataset (so the example runs as is); `--set 'files={"left":"path/to/left.arrow"}'` uses yours.
 *
 *   files ─▶ trainTeacher (TD3+BC) ─▶ evaluate ─▶ table
 */
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, from, map, mergeMap, of, toArray } from 'rxjs';
import {
  DistilleryFailure,
  EvaluationParams,
  NonEmptyString,
  TeacherParams,
  collectDataset,
  definePipeline,
  evaluate,
  makeBehaviorPolicy,
  table,
  trainTeacher,
  withDefault,
  withDefaults,
  withEnv,
} from 'distillery';

const Params = t.type({
  env: withDefault(NonEmptyString, 'pointmass/maze', 'environment the files were collected on'),
  files: withDefault(t.record(t.string, NonEmptyString), {}, 'task → Arrow file (empty: collect a scripted expert dataset per task first)'),
  teacher: withDefaults(TeacherParams, { steps: 300 }),
  evaluation: EvaluationParams,
});

export default definePipeline({
  name: 'teacher-from-file',
  description: 'one offline teacher per task on stored Arrow files, evaluated in the env',
  params: Params,
  graph: (p, ctx) =>
    withEnv({ env: p.env, tasks: Object.keys(p.files), envConfig: {} }, (env) =>
      from(env.tasks).pipe(
        // Your file, or a freshly collected one.
        mergeMap((task) =>
          task in p.files
            ? of({ task, datasets: { data: p.files[task] } })
            : defer(() => {
                const policy = makeBehaviorPolicy(p.env, 'expert', {});
                if (E.isLeft(policy)) throw new DistilleryFailure(policy.left);
                return collectDataset(ctx, {
                  env: env.family.make(task, env.config, ctx.rng.split(`env/${task}`).seed()),
                  policy: policy.right,
                  episodes: 10,
                  rng: ctx.rng.split(`collect/${task}`),
                  path: join(ctx.datasetsDir, `${task}-expert.arrow`),
                  envConfig: env.config,
                  id: `collect/${task}`,
                  label: `${task} expert`,
                }).pipe(map((path) => ({ task, datasets: { data: path } })));
              }),
        ),
        trainTeacher(p.teacher, ctx, { dataset: 'data' }),
        toArray(),
        evaluate(p.evaluation, env, ctx, (taught) => taught.map(({ task, teacher }) => ({ task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } }) as const)),
        map(({ evaluations }) => {
          ctx.emit(table(`${p.teacher.algo.toUpperCase()} teachers on stored data (${p.teacher.steps} updates)`, ['task', 'return', '± 95% CI'], evaluations.map((e) => [e.task, e.summary.mean, e.summary.halfWidth])));
          return evaluations;
        }),
      ),
    ),
});
