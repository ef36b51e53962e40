/**
 * Knowledge sharing between tasks through their data (thesis chapter 6): every task's dataset
 * relabeled with every task's reward, then Data Sharing (DS) teachers, one per task on the union
 * of the relabeled data, and Offline Q-Switch (OQS) teachers, T_ij on task j's data with task i's
 * reward.
 */
import { join } from 'node:path';
import { defer, from, ignoreElements, concat, map, mergeMap, of, toArray, type OperatorFunction } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { openDatasetReader, type DatasetMetadata } from '../../data/index.ts';
import type { TrainTeacherOutput } from '../../jobs/index.ts';
import { trainTeacherJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage } from '../job-stage.ts';
import { persist } from '../persist.ts';
import { relabel } from '../relabel.ts';
import { replay } from '../replay.ts';
import { byTaskOrder, type TaskEnv } from '../with-env.ts';
import { datasetKindOf, type DatasetChoice } from './dataset-choice.ts';
import type { TeacherParams } from './train-teacher.ts';

interface WithDatasets {
  readonly task: string;
  readonly datasets: Readonly<Record<string, string>>;
}

/** The dataset kind under which `relabelDatasets` stores the relabeled copy. */
export const RELABELED = 'relabeled';

/**
 * Copies the task's dataset (of kind `dataset`) with one `reward/<task>` column per task of the
 * env, recomputed exactly from the stored simulator states (`relabel`), to
 * `<datasetsDir>/<task>-<kind>-relabeled.arrow`, and adds it to the record's datasets under
 * `relabeled`. One file at a time (memory: one record batch).
 *
 *   {task, datasets} ──relabelDatasets──▶ {task, datasets: {…, relabeled}}
 */
export const relabelDatasets = <V extends WithDatasets>(env: TaskEnv, ctx: RunContext, options: { readonly dataset: DatasetChoice }): OperatorFunction<V, V> =>
  mergeMap((v: V) => {
    const kind = datasetKindOf(options.dataset, v.task);
    const source = v.datasets[kind];
    if (source === undefined) throw new DistilleryFailure(distilleryError('not-found', `relabel: task ${v.task} has no ${kind} dataset`));
    const path = join(ctx.datasetsDir, `${v.task}-${kind}-${RELABELED}.arrow`);
    const rewards = Object.fromEntries(env.tasks.map((task) => [task, env.family.reward(task, env.config)]));
    return defer(() => metadataOf(source)).pipe(
      mergeMap((metadata) =>
        concat(
          replay(source).pipe(relabel(rewards), persist(path, { ...metadata, pipeline: `${ctx.pipeline}/relabel`, createdAt: new Date().toISOString() }), ignoreElements()),
          of({ ...v, datasets: { ...v.datasets, [RELABELED]: path } }),
        ),
      ),
    );
  }, 1);

const metadataOf = async (path: string): Promise<DatasetMetadata> => {
  const reader = await openDatasetReader(path)();
  if (E.isLeft(reader)) throw new DistilleryFailure(reader.left);
  const { metadata } = reader.right;
  await reader.right.close();
  return metadata;
};

export interface SharedTeacherOptions {
  /** The dataset kind every teacher reads: `RELABELED` (after relabelDatasets). */
  readonly dataset: string;
  readonly workers?: number;
}

const teacherInput = (p: TeacherParams, ctx: RunContext, o: { task: string; datasets: readonly string[]; reward: string; seedName: string; dir: string }) => ({
  task: o.task,
  datasets: o.datasets,
  rewardColumn: o.reward,
  algo: p.algo,
  hyper: { hidden: p.hidden, batchSize: p.batchSize, actorLr: p.lr, criticLr: p.lr, gamma: p.gamma, tau: p.tau },
  steps: p.steps,
  seed: ctx.rng.split(o.seedName).seed(),
  backend: ctx.backend.preference,
  checkpointDir: join(ctx.runDir, o.dir),
  metricsEvery: Math.max(1, Math.floor(p.steps / 100)),
});

/**
 * Data Sharing: teacher i learns from every task's relabeled data with task i's reward
 * (checkpoint `teachers-ds/<task>`, RNG `teacher-ds/<task>`).
 *
 *   [t1, t2] ──trainDataSharingTeachers──▶ [{…t1, dsTeacher}, {…t2, dsTeacher}]
 */
export const trainDataSharingTeachers = <V extends WithDatasets>(
  p: TeacherParams,
  env: TaskEnv,
  ctx: RunContext,
  options: SharedTeacherOptions,
): OperatorFunction<readonly V[], (V & { readonly dsTeacher: TrainTeacherOutput })[]> =>
  mergeMap((all: readonly V[]) =>
    from(all).pipe(
      jobStage(ctx, {
        job: trainTeacherJobRef,
        ...(options.workers ? { workers: options.workers } : {}),
        input: ({ task }: V) =>
          teacherInput(p, ctx, { task, datasets: all.map((x) => x.datasets[options.dataset]), reward: task, seedName: `teacher-ds/${task}`, dir: join('teachers-ds', task) }),
        output: (v: V, dsTeacher: TrainTeacherOutput) => ({ ...v, dsTeacher }),
        cache: (t: TrainTeacherOutput) => [t.checkpointDir],
        display: ({ task }: V) => ({ id: `teacher-ds/${task}`, label: `DS ${p.algo.toUpperCase()} teacher ${task}`, tags: { task } }),
      }),
      toArray(),
      map(byTaskOrder(env)),
    ),
  );

/**
 * Offline Q-Switch teachers: for task i, T_ij learns from task j's relabeled data with task i's
 * reward (checkpoint `teachers-oqs/<i>-from-<j>`, RNG `teacher-oqs/<i>/<j>`); for j = i the
 * record's own teacher (trained on D_i with R_i: the same problem) is reused. `switchTeachers`
 * lists T_i1 … T_im in task order.
 *
 *   [t1, t2] ──trainQSwitchTeachers──▶ [{…t1, switchTeachers: [T_11, T_12]}, {…t2, switchTeachers: [T_21, T_22]}]
 */
export const trainQSwitchTeachers = <V extends WithDatasets & { readonly teacher: TrainTeacherOutput }>(
  p: TeacherParams,
  env: TaskEnv,
  ctx: RunContext,
  options: SharedTeacherOptions,
): OperatorFunction<readonly V[], (V & { readonly switchTeachers: readonly TrainTeacherOutput[] })[]> =>
  mergeMap((all: readonly V[]) => {
    const pairs = all.flatMap((target) => all.filter((from) => from.task !== target.task).map((from) => ({ target: target.task, from })));
    return from(pairs).pipe(
      jobStage(ctx, {
        job: trainTeacherJobRef,
        ...(options.workers ? { workers: options.workers } : {}),
        input: ({ target, from: source }: (typeof pairs)[number]) =>
          teacherInput(p, ctx, {
            task: target,
            datasets: [source.datasets[options.dataset]],
            reward: target,
            seedName: `teacher-oqs/${target}/${source.task}`,
            dir: join('teachers-oqs', `${target}-from-${source.task}`),
          }),
        output: (pair: (typeof pairs)[number], teacher: TrainTeacherOutput) => ({ ...pair, teacher }),
        cache: (t: TrainTeacherOutput) => [t.checkpointDir],
        display: ({ target, from: source }: (typeof pairs)[number]) => ({
          id: `teacher-oqs/${target}/${source.task}`,
          label: `OQS teacher ${target} ← ${source.task} data`,
          tags: { task: target },
        }),
      }),
      toArray(),
      map((trained) =>
        byTaskOrder(env)(
          all.map((v) => ({
            ...v,
            switchTeachers: all.map((source) => (source.task === v.task ? v.teacher : trained.find((x) => x.target === v.task && x.from.task === source.task)!.teacher)),
          })),
        ),
      ),
    );
  });
