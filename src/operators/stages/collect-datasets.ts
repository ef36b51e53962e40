import { join } from 'node:path';
import * as t from 'io-ts';
import { concat, defer, from, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import { section, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure } from '../../core/errors.ts';
import type { TrainBehaviorOutput } from '../../jobs/index.ts';
import { loadPolicyModel, modelPolicy } from '../../jobs/policy-model.ts';
import { collectDataset } from '../collect-dataset.ts';
import type { RunContext } from '../context.ts';
import type { TaskEnv } from '../with-env.ts';
import { NonNegativeNumber, PositiveInt } from '../../core/codecs.ts';
import { DatasetSource } from './datasets-from.ts';

/** The thesis' dataset kinds: expert (best snapshot), medium (early-stopped), medium-replay (replay buffer up to medium). */
export const DATASET_KINDS = ['medium', 'expert', 'medium-replay'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export const DataParams = section(
  {
    episodes: withDefault(PositiveInt, 50, 'episodes per medium / expert dataset (the thesis: 1M transitions)'),
    noise: withDefault(NonNegativeNumber, 0, 'Gaussian action noise (std) added to the behavior policy while collecting (the thesis: 0, policies rolled out as they are)'),
    from: withDefault(
      t.union([t.null, DatasetSource]),
      null,
      'offline first: datasets from files instead of behavior training — a previous run directory, or {"<task>": "file.arrow"}',
    ),
  },
  'offline datasets rolled out from the behavior snapshots',
);
export type DataParams = t.TypeOf<typeof DataParams>;

/** Dataset files of one task by kind. */
export type TaskDatasets = Readonly<Record<DatasetKind, string>>;

/**
 * Rolls out each task's medium and expert snapshots into `datasets/<task>-<kind>.arrow` (with the
 * medium-replay file from behavior training beside them). RNG: `data/<task>` (`env/<kind>`,
 * `rollouts/<kind>`).
 *
 *   {task, behavior} ──collectDatasets──▶ {task, behavior, datasets: {medium, expert, medium-replay}}
 */
export const collectDatasets = <V extends { readonly task: string; readonly behavior: TrainBehaviorOutput }>(
  p: DataParams,
  env: TaskEnv,
  ctx: RunContext,
): OperatorFunction<V, V & { readonly datasets: TaskDatasets }> =>
  mergeMap((v: V) => {
    const rng = ctx.rng.split(`data/${v.task}`);
    const one = (kind: 'medium' | 'expert') =>
      defer(() => from(loadPolicyModel(v.behavior[kind].checkpointDir)())).pipe(
        mergeMap((model) => {
          if (model._tag === 'Left') throw new DistilleryFailure(model.left);
          const e = env.family.make(v.task, env.config, rng.split(`env/${kind}`).seed());
          const policy = modelPolicy(model.right, `td3-${kind}`, p.noise);
          return collectDataset(ctx, {
            env: e,
            policy,
            episodes: p.episodes,
            rng: rng.split(`rollouts/${kind}`),
            path: join(ctx.datasetsDir, `${v.task}-${kind}.arrow`),
            behaviorPolicy: `${policy.name} (TD3 snapshot at step ${v.behavior[kind].step})`,
            envConfig: env.config,
            step: 'data',
            id: `data/${v.task}/${kind}`,
            label: `${v.task} ${kind} data`,
          });
        }),
      );
    return concat(one('medium'), one('expert')).pipe(
      toArray(),
      map(([medium, expert]) => ({ ...v, datasets: { medium, expert, 'medium-replay': v.behavior.mediumReplay.path } })),
    );
  });
