/**
 * MOP — offline multi-task policy distillation (van Lith 2024), end to end, once per seed:
 *
 *   seeds ─▶ tasks ─▶ trainBehavior (TD3, online) ─▶ collectDatasets (medium / expert / medium-replay)
 *                 ─▶ trainTeacher (TD3+BC | PBRL, offline, one per task) ─▶ (all tasks)
 *                 ─▶ distill (MSE | Q | KL, one multi-task student) ─▶ evaluate ─▶ seed's returns
 *         ─▶ (all seeds) ─▶ returns over seeds (mean, 95% CI over seeds)
 *
 * Budgets default to a laptop scale (a few minutes on 2 cores) and are parameters; the thesis'
 * scale is 1M transitions per dataset, 1M teacher updates and 500k distillation steps.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, mergeMap, toArray, type Observable } from 'rxjs';
import {
  BehaviorParams,
  DataParams,
  DistillLoss,
  EvaluationParams,
  NonEmptyString,
  PositiveInt,
  SeedsParam,
  StudentParams,
  TeacherParams,
  byTaskOrder,
  checkDatasetChoice,
  checkDatasetSource,
  collectDatasets,
  datasetChoiceCodec,
  datasetKindOf,
  datasetReturns,
  datasetsFrom,
  describeDatasetChoice,
  definePipeline,
  distilleryError,
  distill,
  evaluate,
  findEvaluation,
  forEachSeed,
  oneOf,
  resolveTaskEnv,
  result,
  returnsEntry,
  section,
  seedsEntry,
  table,
  trainBehavior,
  trainTeacher,
  withDefault,
  withEnv,
  type DistilleryError,
  type EvaluationResult,
  type PipelineContext,
  type SeedRun,
  type Summary,
  type TaskEnv,
} from 'distillery';

export const DatasetKind = oneOf(['medium', 'expert', 'medium-replay'] as const, 'DatasetKind');

export const MopParams = t.type({
  env: withDefault(NonEmptyString, 'pointmass/maze', 'environment id (distillery envs)'),
  tasks: withDefault(t.array(NonEmptyString), [], 'tasks to learn (empty: every task of the env)'),
  envConfig: withDefault(t.record(t.string, t.unknown), {}, 'environment configuration'),
  seeds: SeedsParam(3),
  dataset: withDefault(
    datasetChoiceCodec(DatasetKind),
    'expert',
    'which dataset each teacher learns from: one kind for every task, or one per task ({"left": "expert", "right": "medium"})',
  ),
  workers: withDefault(PositiveInt, 2, 'parallel worker threads (jobs at once, across tasks and seeds)'),
  behavior: BehaviorParams,
  data: DataParams,
  teacher: TeacherParams,
  student: section({ ...StudentParams.props, loss: withDefault(DistillLoss, 'mse', 'distillation loss: mse, q or kl') }, 'the multi-task student'),
  evaluation: EvaluationParams,
});
export type MopParams = t.TypeOf<typeof MopParams>;

/** tasks → datasets (behavior training, or files with data.from) for every MOP pipeline (same RNG paths). */
export const taskDatasets = (
  p: Pick<MopParams, 'behavior' | 'data' | 'dataset' | 'workers'>,
  env: TaskEnv,
  ctx: PipelineContext,
): Observable<{ readonly task: string; readonly datasets: Readonly<Record<string, string>> }> => {
  const tasks = from(env.tasks.map((task) => ({ task })));
  return p.data.from === null
    ? tasks.pipe(trainBehavior(p.behavior, env, ctx, { workers: p.workers }), collectDatasets(p.data, env, ctx))
    : tasks.pipe(datasetsFrom(p.data.from, p.dataset, env, ctx));
};

/** tasks → datasets → teachers, the part every MOP pipeline shares. */
export const taughtTasks = (p: Omit<MopParams, 'student'>, env: TaskEnv, ctx: PipelineContext) =>
  taskDatasets(p, env, ctx).pipe(
    trainTeacher(p.teacher, ctx, { dataset: p.dataset, workers: p.workers }),
    toArray(),
    map(byTaskOrder(env)),
  );

export const validateMop = (
  p: Pick<MopParams, 'env' | 'tasks' | 'envConfig' | 'data' | 'dataset'> & {
    readonly teacher?: Pick<MopParams['teacher'], 'algo' | 'actorHead'>;
    readonly student?: { readonly [field: string]: unknown };
  },
) =>
  E.chain((env: TaskEnv) =>
    E.chain(() => (p.data.from === null ? E.right(env) : E.map(() => env)(checkDatasetSource(p.data.from, env.tasks, p.dataset))))(
      E.chain(() => checkTeachersFitLoss(p))(checkDatasetChoice(p.dataset, env.tasks)),
    ),
  )(resolveTaskEnv(p.env, p.tasks, p.envConfig));

/** The KL loss distils Gaussian teachers, which only PBRL trains here: said before anything runs. */
const checkTeachersFitLoss = (p: { readonly teacher?: Pick<MopParams['teacher'], 'algo' | 'actorHead'>; readonly student?: { readonly [field: string]: unknown } }): E.Either<DistilleryError, void> => {
  if (p.teacher?.algo === 'td3bc' && p.teacher.actorHead === 'gaussian')
    return E.left(distilleryError('invalid-input', 'teacher.actorHead=gaussian needs teacher.algo=pbrl (TD3+BC teachers here are deterministic)'));
  if (p.student?.loss === 'kl' && p.teacher && p.teacher.actorHead !== 'gaussian')
    return E.left(distilleryError('invalid-input', 'student.loss=kl distils Gaussian teachers: set teacher.algo=pbrl and teacher.actorHead=gaussian'));
  return E.right(undefined);
};

export default definePipeline({
  name: 'mop',
  description: 'Offline multi-task policy distillation over seeds: TD3 behavior data → offline teachers → one student → evaluation',
  params: MopParams,
  validate: validateMop,
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => mopGraph(p, env, seedCtx, { table: false })).pipe(map((runs) => reportOverSeeds(runs, p, ctx))),
    ),
});

/**
 * The MOP graph of one seed on a resolved env. `recordStudent` keeps the student's first evaluation
 * episode (for animations); `table: false` leaves the returns table to a report over seeds.
 */
export const mopGraph = (p: MopParams, env: TaskEnv, ctx: PipelineContext, options: { readonly recordStudent?: boolean; readonly table?: boolean } = {}) =>
  taughtTasks(p, env, ctx).pipe(
    distill(p.student, ctx, { loss: p.student.loss, dataset: p.dataset, env }),
    evaluate(p.evaluation, env, ctx, ({ tasks, student }) =>
      tasks.flatMap(({ task, teacher }, i) => [
        { task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } } as const,
        { task, role: 'student', policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i }, record: options.recordStudent ?? false } as const,
      ]),
    ),
    mergeMap((run) => report(run, p, ctx, options.table ?? true)),
  );

interface MopRun {
  readonly tasks: readonly { readonly task: string; readonly datasets: Readonly<Record<string, string>> }[];
  readonly evaluations: readonly EvaluationResult[];
}

/** One task's returns in one seed: the dataset's mean episode return, the teacher's and the student's evaluations. */
export interface MopTaskReturns {
  readonly task: string;
  readonly dataset: string;
  readonly behavior: number;
  readonly teacher: Summary;
  readonly student: Summary;
}

/** returns.<task>.behavior|teacher|student {mean, std, ci95, episodes}, and the table; passes the run on with its returns. */
const report = <R extends MopRun>(run: R, p: MopParams, ctx: PipelineContext, withTable: boolean): Observable<R & { readonly returns: readonly MopTaskReturns[] }> =>
  from(run.tasks).pipe(
    concatMap(({ task, datasets }) => datasetReturns([datasets[datasetKindOf(p.dataset, task)]], task).pipe(map((behavior) => ({ task, behavior })))),
    toArray(),
    map((behaviors) => {
      const returns = behaviors.map(({ task, behavior }): MopTaskReturns => {
        const teacher = findEvaluation(run.evaluations, task, 'teacher');
        const student = findEvaluation(run.evaluations, task, 'student');
        ctx.emit(result(`returns.${task}`, { behavior, teacher: returnsEntry(teacher), student: returnsEntry(student) }));
        return { task, dataset: datasetKindOf(p.dataset, task), behavior: behavior.mean, teacher, student };
      });
      if (withTable)
        ctx.emit(
          table(
            `MOP on ${p.env} (seed ${ctx.seed}): returns (${p.evaluation.episodes} evaluation episodes; ± is the 95% CI half-width over episodes)`,
            ['task', 'dataset', 'behavior', 'teacher', '±', 'student', '±', 'student/teacher'],
            returns.map((r) => [r.task, r.dataset, r.behavior, r.teacher.mean, r.teacher.halfWidth, r.student.mean, r.student.halfWidth, r.student.mean / r.teacher.mean]),
          ),
        );
      return { ...run, returns };
    }),
  );

/**
 * returns.<task>.{behavior, teacher, student, studentOverTeacher}: each the mean over seeds with
 * its 95% CI over seeds and the per-seed values (each seed's value is its mean over evaluation
 * episodes); and the table. Per-seed details stay under seeds.<s>.
 */
export const reportOverSeeds = <R extends { readonly returns: readonly MopTaskReturns[] }>(runs: readonly SeedRun<R>[], p: MopParams, ctx: PipelineContext): readonly SeedRun<R>[] => {
  const tasks = runs[0].value.returns.map((r) => r.task);
  const of = (task: string, value: (r: MopTaskReturns) => number) =>
    seedsEntry(runs.map(({ seed, value: run }) => ({ seed, value: value(run.returns.find((r) => r.task === task)!) })));
  const rows = tasks.map((task) => {
    const behavior = of(task, (r) => r.behavior);
    const teacher = of(task, (r) => r.teacher.mean);
    const student = of(task, (r) => r.student.mean);
    const ratio = of(task, (r) => r.student.mean / r.teacher.mean);
    ctx.emit(result(`returns.${task}`, { behavior, teacher, student, studentOverTeacher: ratio }));
    const perSeed = runs.map(({ value: run }) => run.returns.find((r) => r.task === task)!.student.mean.toFixed(1)).join(' / ');
    return [task, datasetKindOf(p.dataset, task), behavior.mean, teacher.mean, teacher.ci95, student.mean, student.ci95, ratio.mean, perSeed];
  });
  ctx.emit(
    table(
      `MOP on ${p.env} (${describeDatasetChoice(p.dataset)} data): mean return over ${runs.length} seed${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.seed).join(', ')}), ± is the 95% CI over seeds${runs.length < 2 ? ' (needs 2 seeds)' : ''}; each seed's value is its mean over ${p.evaluation.episodes} evaluation episodes`,
      ['task', 'dataset', 'behavior', 'teacher', '±', 'student', '±', 'student/teacher', 'student per seed'],
      rows,
    ),
  );
  return runs;
};
