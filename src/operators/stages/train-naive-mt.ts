import { join } from 'node:path';
import type * as t from 'io-ts';
import type { OperatorFunction } from 'rxjs';
import { PositiveInt, section, withDefault } from '../../core/codecs.ts';
import type { TrainNaiveMtOutput } from '../../jobs/index.ts';
import { trainNaiveMtJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage } from '../job-stage.ts';
import { datasetKindOf, type DatasetChoice } from './dataset-choice.ts';
import { TaskEncodingCodec } from './distill.ts';
import type { TeacherParams } from './train-teacher.ts';

export const NaiveMtParams = section(
  {
    steps: withDefault(PositiveInt, 3000, 'updates per task (keep it equal to teacher.steps for a fair comparison)'),
    encoding: withDefault(TaskEncodingCodec, 'onehot', 'how the task id enters the actor'),
  },
  'naive multi-task PBRL: one task-conditioned actor, a critic ensemble per task',
);
export type NaiveMtParams = t.TypeOf<typeof NaiveMtParams>;

/**
 * Naive multi-task PBRL on every task's chosen dataset (one job), with the teachers' PBRL settings
 * (hidden sizes, batch, lr, γ, τ). Its actor is a student checkpoint (`actorDir`). RNG: `naive-mt`.
 *
 *   [d1, d2] ──trainNaiveMt──▶ {tasks: [d1, d2], naive}
 */
export const trainNaiveMt = <T extends { readonly task: string; readonly datasets: Readonly<Record<string, string>> }>(
  p: NaiveMtParams,
  teacher: TeacherParams,
  ctx: RunContext,
  options: { readonly dataset: DatasetChoice },
): OperatorFunction<readonly T[], { readonly tasks: readonly T[]; readonly naive: TrainNaiveMtOutput }> =>
  jobStage(ctx, {
    job: trainNaiveMtJobRef,
    workers: 1,
    input: (tasks) => ({
      tasks: tasks.map((d) => ({ task: d.task, datasets: [d.datasets[datasetKindOf(options.dataset, d.task)]] })),
      hyper: { hidden: teacher.hidden, batchSize: teacher.batchSize, actorLr: teacher.lr, criticLr: teacher.lr, gamma: teacher.gamma, tau: teacher.tau },
      encoding: p.encoding,
      steps: p.steps,
      seed: ctx.rng.split('naive-mt').seed(),
      backend: ctx.backend.preference,
      checkpointDir: join(ctx.runDir, 'naive-mt'),
      metricsEvery: Math.max(1, Math.floor(p.steps / 100)),
    }),
    output: (tasks, naive) => ({ tasks, naive }),
    cache: (naive) => [naive.actorDir, naive.criticsDir],
    display: () => ({ id: 'naive-mt', label: 'naive multi-task PBRL' }),
  });
