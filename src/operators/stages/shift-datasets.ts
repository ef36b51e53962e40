import { join } from 'node:path';
import type * as t from 'io-ts';
import { concatMap, defer, from, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import { NonNegativeNumber, PositiveInt, section, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure } from '../../core/errors.ts';
import type { Policy } from '../../envs/types.ts';
import { uniformRandom } from '../../envs/policies/uniform-random.ts';
import type { TrainTeacherOutput } from '../../jobs/index.ts';
import { loadPolicyModel, modelPolicy } from '../../jobs/policy-model.ts';
import { recordDataset } from '../collect-dataset.ts';
import type { RunContext } from '../context.ts';
import { mix, shareCounts } from '../mix.ts';
import { rollouts } from '../rollouts.ts';
import type { TaskEnv } from '../with-env.ts';

/**
 * The thesis' composed distribution-shift datasets (section 5.2), per task, from its trained
 * teacher: Online = 100% teacher episodes; Noise = 10% teacher, 90% teacher + N(0, 1) action
 * noise clipped to [−1, 1]; Random90 = 10% teacher, 90% uniform actions; Random99 = 1% teacher,
 * 99% uniform.
 */
export const SHIFT_DATASETS = {
  online: [{ source: 'teacher', fraction: 1 }],
  noise: [
    { source: 'teacher', fraction: 0.1 },
    { source: 'noisy-teacher', fraction: 0.9 },
  ],
  random90: [
    { source: 'teacher', fraction: 0.1 },
    { source: 'uniform', fraction: 0.9 },
  ],
  random99: [
    { source: 'teacher', fraction: 0.01 },
    { source: 'uniform', fraction: 0.99 },
  ],
} as const satisfies Record<string, readonly { readonly source: ShiftSource; readonly fraction: number }[]>;
export type ShiftKind = keyof typeof SHIFT_DATASETS;
export const SHIFT_KINDS = Object.keys(SHIFT_DATASETS) as ShiftKind[];
type ShiftSource = 'teacher' | 'noisy-teacher' | 'uniform';

export const ShiftParams = section(
  {
    episodes: withDefault(PositiveInt, 100, 'episodes per composed dataset (the thesis: 1000; Random99 then has 10 teacher episodes, here 1)'),
    noise: withDefault(NonNegativeNumber, 1, "std of the Gaussian noise on the teacher's actions in the Noise dataset (the thesis: 1)"),
  },
  "the composed distribution-shift datasets rolled out from each task's teacher",
);
export type ShiftParams = t.TypeOf<typeof ShiftParams>;

/**
 * Rolls out each task's teacher into the four composed datasets `datasets/<task>-<kind>.arrow`
 * (kind: online, noise, random90, random99) and adds them to the record's datasets. Within a
 * file the sources come in order (teacher episodes first), numbered as one run of episodes.
 * RNG: `shift/<task>/<kind>` (`env/<source>`, `rollouts/<source>`).
 *
 *   {task, teacher, datasets} ──shiftDatasets──▶ {task, teacher, datasets: {…, online, noise, random90, random99}}
 */
export const shiftDatasets = <V extends { readonly task: string; readonly teacher: TrainTeacherOutput; readonly datasets: Readonly<Record<string, string>> }>(
  p: ShiftParams,
  env: TaskEnv,
  ctx: RunContext,
): OperatorFunction<V, V & { readonly datasets: Readonly<Record<string, string>> }> =>
  mergeMap((v: V) =>
    defer(() => from(loadPolicyModel(v.teacher.checkpointDir)())).pipe(
      mergeMap((model) => {
        if (model._tag === 'Left') throw new DistilleryFailure(model.left);
        const policies: Record<ShiftSource, Policy> = {
          teacher: modelPolicy(model.right, 'teacher'),
          'noisy-teacher': modelPolicy(model.right, 'teacher', p.noise),
          uniform: uniformRandom(env.family.actionSpace),
        };
        return from(SHIFT_KINDS).pipe(
          concatMap((kind) => composedDataset(kind, policies, p, env, ctx, v.task).pipe(map((path) => [kind, path] as const))),
          toArray(),
          map((files) => ({ ...v, datasets: { ...v.datasets, ...Object.fromEntries(files) } })),
        );
      }),
    ),
  );

const composedDataset = (kind: ShiftKind, policies: Record<ShiftSource, Policy>, p: ShiftParams, env: TaskEnv, ctx: RunContext, task: string) => {
  const rng = ctx.rng.split(`shift/${task}/${kind}`);
  const parts = SHIFT_DATASETS[kind];
  const shares = shareCounts(
    parts.map((x) => x.fraction),
    p.episodes,
  );
  const firstEpisode = shares.map((_, i) => shares.slice(0, i).reduce((a, b) => a + b, 0));
  const description = parts.map((x, i) => `${shares[i]} ${x.source === 'noisy-teacher' ? `teacher+N(0,${p.noise}²)` : x.source}`).join(' + ');
  return recordDataset(
    ctx,
    {
      env: env.family.make(task, env.config, rng.split('env').seed()),
      episodes: p.episodes,
      rng,
      path: join(ctx.datasetsDir, `${task}-${kind}.arrow`),
      behaviorPolicy: `${kind}: ${description} episodes`,
      envConfig: env.config,
      step: 'shift',
      id: `shift/${task}/${kind}`,
      label: `${task} ${kind} data`,
    },
    () =>
      mix(
        parts.map((x, i) => ({
          name: x.source,
          fraction: x.fraction,
          source: rollouts(env.family.make(task, env.config, rng.split(`env/${x.source}`).seed()), policies[x.source], {
            episodes: Math.max(shares[i], 0),
            rng: rng.split(`rollouts/${x.source}`),
            firstEpisode: firstEpisode[i],
          }),
        })),
        { total: p.episodes },
      ),
  );
};
