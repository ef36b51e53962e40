/**
 * MOP — offline multi-task policy distillation (van Lith 2024), end to end:
 *
 *   tasks ─▶ trainBehavior (TD3, online) ─▶ collectDatasets (medium / expert / medium-replay)
 *         ─▶ trainTeacher (TD3+BC | PBRL, offline, one per task) ─▶ (all tasks)
 *         ─▶ distill (MSE | Q, one multi-task student) ─▶ evaluate ─▶ report
 *
 * Budgets default to a laptop scale (a few minutes on 2 cores) and are parameters; the thesis'
 * scale is 1M transitions per dataset, 1M teacher updates and 500k distillation steps.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { from, map, mergeMap, toArray, type Observable } from 'rxjs';
import {
  BehaviorParams,
  DataParams,
  DistillLoss,
  EvaluationParams,
  NonEmptyString,
  PositiveInt,
  StudentParams,
  TeacherParams,
  byTaskOrder,
  checkDatasetSource,
  collectDatasets,
  datasetReturns,
  datasetsFrom,
  definePipeline,
  distill,
  evaluate,
  findEvaluation,
  oneOf,
  resolveTaskEnv,
  result,
  returnsEntry,
  section,
  table,
  trainBehavior,
  trainTeacher,
  withDefault,
  withEnv,
  type EvaluationResult,
  type PipelineContext,
  type TaskEnv,
} from 'distillery';

export const MopParams = t.type({
  env: withDefault(NonEmptyString, 'pointmass/maze', 'environment id (distillery envs)'),
  tasks: withDefault(t.array(NonEmptyString), [], 'tasks to learn (empty: every task of the env)'),
  envConfig: withDefault(t.record(t.string, t.unknown), {}, 'environment configuration'),
  dataset: withDefault(oneOf(['medium', 'expert', 'medium-replay'] as const, 'DatasetKind'), 'expert', 'which dataset each teacher learns from'),
  workers: withDefault(PositiveInt, 2, 'parallel worker threads (one job per task)'),
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

export const validateMop = (p: Pick<MopParams, 'env' | 'tasks' | 'envConfig' | 'data' | 'dataset'>) =>
  E.chain((env: TaskEnv) => (p.data.from === null ? E.right(env) : E.map(() => env)(checkDatasetSource(p.data.from, env.tasks, p.dataset))))(
    resolveTaskEnv(p.env, p.tasks, p.envConfig),
  );

export default definePipeline({
  name: 'mop',
  description: 'Offline multi-task policy distillation: TD3 behavior data → offline teachers → one student → evaluation',
  params: MopParams,
  validate: validateMop,
  graph: (p, ctx) => withEnv(p, (env) => mopGraph(p, env, ctx)),
});

/** The MOP graph on a resolved env; `recordStudent` keeps the student's first evaluation episode (for animations). */
export const mopGraph = (p: MopParams, env: TaskEnv, ctx: PipelineContext, options: { readonly recordStudent?: boolean } = {}) =>
  taughtTasks(p, env, ctx).pipe(
    distill(p.student, ctx, { loss: p.student.loss, dataset: p.dataset }),
    evaluate(p.evaluation, env, ctx, ({ tasks, student }) =>
      tasks.flatMap(({ task, teacher }, i) => [
        { task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } } as const,
        { task, role: 'student', policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i }, record: options.recordStudent ?? false } as const,
      ]),
    ),
    mergeMap((run) => report(run, p, ctx)),
  );

interface MopRun {
  readonly tasks: readonly { readonly task: string; readonly datasets: Readonly<Record<string, string>> }[];
  readonly evaluations: readonly EvaluationResult[];
}

/** returns.<task>.behavior|teacher|student {mean, std, ci95, episodes}, and the table; passes the run on. */
const report = <R extends MopRun>(run: R, p: MopParams, ctx: PipelineContext): Observable<R> =>
  from(run.tasks).pipe(
    mergeMap(({ task, datasets }) => datasetReturns([datasets[p.dataset]], task).pipe(map((behavior) => ({ task, behavior }))), 1),
    toArray(),
    map((behaviors) => {
      const rows = behaviors.map(({ task, behavior }) => {
        const teacher = findEvaluation(run.evaluations, task, 'teacher');
        const student = findEvaluation(run.evaluations, task, 'student');
        ctx.emit(result(`returns.${task}`, { behavior, teacher: returnsEntry(teacher), student: returnsEntry(student) }));
        return [task, p.dataset, behavior.mean, teacher.mean, teacher.halfWidth, student.mean, student.halfWidth, student.mean / teacher.mean];
      });
      ctx.emit(
        table(
          `MOP on ${p.env}: returns (${p.evaluation.episodes} evaluation episodes; ± is the 95% CI half-width)`,
          ['task', 'dataset', 'behavior', 'teacher', '±', 'student', '±', 'student/teacher'],
          rows,
        ),
      );
      return run;
    }),
  );
