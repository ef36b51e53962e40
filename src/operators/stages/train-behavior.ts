import { join } from 'node:path';
import type { OperatorFunction } from 'rxjs';
import { LayerWidths, PositiveInt, PositiveNumber, Probability, section, withDefault } from '../../core/codecs.ts';
import type * as t from 'io-ts';
import type { TrainBehaviorOutput } from '../../jobs/index.ts';
import { trainBehaviorJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage } from '../job-stage.ts';
import type { TaskEnv } from '../with-env.ts';

/** Online TD3 behavior training (the source of MOP's datasets); laptop-budget defaults. */
export const BehaviorParams = section(
  {
    steps: withDefault(PositiveInt, 6000, 'environment steps (one TD3 update per step once learning starts)'),
    hidden: withDefault(LayerWidths, [64, 64], 'actor and critic hidden widths (thesis: [1024, 1024])'),
    lr: withDefault(PositiveNumber, 1e-3, 'actor and critic learning rate (thesis: 1e-4)'),
    batchSize: withDefault(PositiveInt, 128, 'TD3 batch size'),
    learningStarts: withDefault(PositiveInt, 1000, 'random-action steps before learning'),
    evalEvery: withDefault(PositiveInt, 1000, 'steps between evaluated snapshots'),
    evalEpisodes: withDefault(PositiveInt, 3, 'episodes per snapshot evaluation'),
    mediumFraction: withDefault(Probability, 0.5, 'medium = first snapshot reaching this fraction of the way from the first to the best return'),
  },
  'TD3 behavior policies (online), one per task',
);
export type BehaviorParams = t.TypeOf<typeof BehaviorParams>;

/**
 * Trains each task's TD3 behavior policy (a worker job per task, `workers` at once), keeping its
 * expert and medium snapshots and the medium-replay dataset. RNG: `behavior/<task>`.
 *
 *   {task} ──trainBehavior──▶ {task, behavior}
 */
export const trainBehavior = <V extends { readonly task: string }>(
  p: BehaviorParams,
  env: TaskEnv,
  ctx: RunContext,
  options: { readonly workers?: number } = {},
): OperatorFunction<V, V & { readonly behavior: TrainBehaviorOutput }> =>
  jobStage(ctx, {
    job: trainBehaviorJobRef,
    ...(options.workers ? { workers: options.workers } : {}),
    input: ({ task }) => ({
      envId: env.id,
      envConfig: env.config,
      task,
      hyper: { hidden: p.hidden, actorLr: p.lr, criticLr: p.lr, batchSize: p.batchSize, learningStarts: p.learningStarts },
      steps: p.steps,
      evalEvery: p.evalEvery,
      evalEpisodes: p.evalEpisodes,
      mediumFraction: p.mediumFraction,
      seed: ctx.rng.split(`behavior/${task}`).seed(),
      backend: ctx.backend.preference,
      outDir: join(ctx.runDir, 'behavior', task),
      pipeline: `${ctx.pipeline}/behavior`,
    }),
    output: (v, behavior) => ({ ...v, behavior }),
    cache: (b) => [b.expert.checkpointDir, b.medium.checkpointDir, b.mediumReplay.path],
    display: ({ task }) => ({ id: `behavior/${task}`, label: `TD3 behavior ${task}`, tags: { task } }),
  });
