import { join } from 'node:path';
import type * as t from 'io-ts';
import type { OperatorFunction } from 'rxjs';
import { LayerWidths, NonNegativeInt, PositiveInt, PositiveNumber, oneOf, section, withDefault } from '../../core/codecs.ts';
import type { DistillLossKind, RegularizerOptions } from '../../algos/distillation/index.ts';
import type { DistillOutput, TrainTeacherOutput } from '../../jobs/index.ts';
import { distillJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage, type JobDisplay } from '../job-stage.ts';
import { datasetKindOf, type DatasetChoice } from './dataset-choice.ts';
import type { TaskEnv } from '../with-env.ts';

export const DistillLoss = oneOf<DistillLossKind>(['mse', 'q', 'kl'], 'DistillLoss');
export const TaskEncodingCodec = oneOf(['onehot', 'scalar'] as const, 'TaskEncoding');

/** The multi-task student (laptop-budget defaults; the thesis: [256, 256], 500k steps, batch 1024, lr 1e-4). */
export const StudentParams = section(
  {
    hidden: withDefault(LayerWidths, [64, 64], 'hidden widths of the student'),
    encoding: withDefault(TaskEncodingCodec, 'onehot', 'how the task id enters the student: onehot, or scalar as in the reference code'),
    steps: withDefault(PositiveInt, 2000, 'distillation steps (tasks round-robin)'),
    batchSize: withDefault(PositiveInt, 256, 'states per task per step'),
    lr: withDefault(PositiveNumber, 1e-3, 'Adam learning rate'),
    evalEvery: withDefault(NonNegativeInt, 200, "evaluate the student every this many steps while distilling (learning curves; 0: never; the thesis: every 10k)"),
    evalEpisodes: withDefault(PositiveInt, 3, 'episodes per task of each evaluation during distillation (the thesis: 10)'),
  },
  'the multi-task student',
);
export type StudentParams = t.TypeOf<typeof StudentParams>;

export interface DistillOptions<T extends TaughtTask = TaughtTask> {
  readonly loss: DistillLossKind;
  /** A ranking regularizer across task ids (thesis chapter 6; share-data.ts' `regularizerOf`). */
  readonly regularizer?: RegularizerOptions;
  /** Per-task overrides of the job's input: Data Sharing's union of states, the Q-switch's teachers. */
  readonly perTask?: (x: T, all: readonly T[]) => { readonly datasets: readonly string[]; readonly switchTeacherDirs?: readonly string[] };
  /** Which of each task's datasets the distillation states come from (one kind, or one per task). */
  readonly dataset: DatasetChoice;
  /** Checkpoint folder under the run directory (default `student`). */
  readonly dir?: string;
  /**
   * Distillation states from the student's own episodes on `env` (on-policy, DAgger-like: every
   * `every` steps, `episodes` per task, pools of `maxStates`) instead of the datasets.
   */
  readonly studentStates?: { readonly env: TaskEnv; readonly every: number; readonly episodes: number; readonly maxStates: number };
  /** The env the tasks come from: the student's evaluation returns are recorded while it learns (`evalEvery`). */
  readonly env?: TaskEnv;
  readonly display?: JobDisplay;
}

/** A task with its data and frozen teacher: what distillation consumes. */
export interface TaughtTask {
  readonly task: string;
  readonly datasets: Readonly<Record<string, string>>;
  readonly teacher: TrainTeacherOutput;
}

/**
 * Distils the tasks' teachers into one student (one job); the student's task index i is the
 * position in the array. Every student of a run draws from RNG `student`, so students differ only
 * by what the caller varies (the loss…).
 *
 *   [t1, t2] ──distill──▶ {tasks: [t1, t2], student}
 */
export const distill = <T extends TaughtTask>(
  p: StudentParams,
  ctx: RunContext,
  options: DistillOptions<T>,
): OperatorFunction<readonly T[], { readonly tasks: readonly T[]; readonly student: DistillOutput }> =>
  jobStage(ctx, {
    job: distillJobRef,
    workers: 1,
    input: (tasks) => ({
      tasks: tasks.map((x) => ({ task: x.task, teacherDir: x.teacher.checkpointDir, datasets: [x.datasets[datasetKindOf(options.dataset, x.task)]] })),
      ...(options.perTask ? { tasks: tasks.map((x) => ({ task: x.task, teacherDir: x.teacher.checkpointDir, ...options.perTask!(x, tasks) })) } : {}),
      loss: options.loss,
      ...(options.regularizer ? { regularizer: options.regularizer } : {}),
      student: { hidden: p.hidden, encoding: p.encoding },
      steps: p.steps,
      batchSize: p.batchSize,
      lr: p.lr,
      seed: ctx.rng.split('student').seed(),
      backend: ctx.backend.preference,
      checkpointDir: join(ctx.runDir, options.dir ?? 'student'),
      metricsEvery: Math.max(1, Math.floor(p.steps / 100)),
      ...(options.studentStates
        ? {
            studentStates: {
              envId: options.studentStates.env.id,
              envConfig: options.studentStates.env.config,
              every: options.studentStates.every,
              episodes: options.studentStates.episodes,
              maxStates: options.studentStates.maxStates,
            },
          }
        : {}),
      ...(options.env && p.evalEvery > 0 ? { curves: { envId: options.env.id, envConfig: options.env.config, every: p.evalEvery, episodes: p.evalEpisodes } } : {}),
    }),
    output: (tasks, student) => ({ tasks, student }),
    cache: (student) => [student.checkpointDir],
    display: () => options.display ?? { id: 'student', label: `${options.loss.toUpperCase()} student` },
  });
