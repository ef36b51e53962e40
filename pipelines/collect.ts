/**
 * Behavior datasets per task, stored as Arrow files, then replayed into a summary table: the quick
 * tour of the data layer (scripted random / medium / expert behavior policies, no learning).
 *
 *   tasks × kinds ─▶ collectDataset (rollouts ─▶ persist) ─▶ datasets/<task>-<kind>.arrow
 *                 ─▶ summarizeDatasets (replay) ─▶ per-task transitions, episodes, returns
 */
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, toArray } from 'rxjs';
import {
  DistilleryFailure,
  NonEmptyString,
  PositiveInt,
  definePipeline,
  collectDataset,
  makeBehaviorPolicy,
  nonEmptyArray,
  oneOf,
  resolveTaskEnv,
  result,
  summarizeDatasets,
  table,
  withDefault,
  withEnv,
} from 'distillery';

const BehaviorKind = oneOf(['random', 'medium', 'expert'] as const, 'BehaviorKind');

const Params = t.type({
  env: withDefault(NonEmptyString, 'pointmass/maze', 'environment id (distillery envs)'),
  tasks: withDefault(t.array(NonEmptyString), [], 'tasks to collect (empty: every task of the env)'),
  kinds: withDefault(nonEmptyArray(BehaviorKind), ['random', 'medium', 'expert'], 'scripted behavior policies'),
  episodes: withDefault(PositiveInt, 100, 'episodes per dataset (a reduced budget; the thesis uses 1M transitions per dataset)'),
  envConfig: withDefault(t.record(t.string, t.unknown), {}, 'environment configuration (decoded by the env)'),
});

export default definePipeline({
  name: 'collect',
  description: 'Behavior datasets (random / medium / expert) per task → Arrow files → replay summary',
  params: Params,
  validate: (p) => resolveTaskEnv(p.env, p.tasks, p.envConfig),
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      from(env.tasks.flatMap((task) => p.kinds.map((kind) => ({ task, kind })))).pipe(
        concatMap(({ task, kind }) => {
          const rng = ctx.rng.split(`collect/${task}/${kind}`);
          const policy = makeBehaviorPolicy(p.env, kind, {});
          if (E.isLeft(policy)) throw new DistilleryFailure(policy.left);
          return collectDataset(ctx, {
            env: env.family.make(task, env.config, rng.split('env').seed()),
            policy: policy.right,
            episodes: p.episodes,
            rng: rng.split('rollouts'),
            path: join(ctx.datasetsDir, `${task}-${kind}.arrow`),
            envConfig: env.config,
            step: `collect/${task}-${kind}`,
            id: `collect/${task}/${kind}`,
            label: `${task} ${kind}`,
          }).pipe(map((path) => ({ task, kind, path })));
        }),
        concatMap((f) => summarizeDatasets([f.path]).pipe(map((s) => ({ ...f, s: s.tasks[f.task] })))),
        toArray(),
        map((rows) => {
          for (const r of rows) ctx.emit(result(`datasets.${r.task}.${r.kind}`, { path: r.path, ...r.s }));
          ctx.emit(
            table(
              `${p.env}: behavior datasets (${p.episodes} episodes each)`,
              ['task', 'kind', 'transitions', 'episodes', 'return mean', 'std', 'min', 'max'],
              rows.map(({ task, kind, s }) => [task, kind, s.transitions, s.episodes, s.return.mean, s.return.std, s.return.min, s.return.max]),
            ),
          );
          return rows;
        }),
      ),
    ),
});
