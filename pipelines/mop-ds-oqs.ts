/**
 * MOP vs Data Sharing vs Offline Q-Switch (thesis chapter 6), per seed:
 *
 *   tasks ─▶ TD3 behavior ─▶ datasets D_i ─▶ MOP teachers T_i (D_i)
 *         ─▶ relabel every D_j with every task's reward (exact, from the stored physics)
 *         ─▶ (all tasks) ─▶ DS teachers (∪_j D_j, reward i) ─▶ OQS teachers T_ij (D_j, reward i)
 *         ─▶ three students: MOP (T_i, states D_i), DS (DS teachers, states ∪ D_j),
 *            OQS (target of (s, i): π_ij*(s), j* = argmax_j Q_ij(s, π_ij(s)); states ∪ D_j)
 *         ─▶ returns, Kendall τ per layer (Table 6.2), every teacher on every task (Table 6.3)
 *   (all seeds) ─▶ the same tables over seeds
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { forkJoin, map, mergeMap, of, toArray, type Observable } from 'rxjs';
import {
  RELABELED,
  RegularizerProps,
  SeedsParam,
  SharingParams,
  StudentParams,
  byTaskOrder,
  checkRegularizer,
  datasetKindOf,
  definePipeline,
  distill,
  evaluate,
  findEvaluation,
  forEachSeed,
  measureSharing,
  regularizerOf,
  relabelDatasets,
  result,
  section,
  seedsEntry,
  table,
  trainDataSharingTeachers,
  trainQSwitchTeachers,
  trainTeacher,
  withEnv,
  type EvaluationResult,
  type PipelineContext,
  type SeedRun,
  type SharingReport,
  type TaskEnv,
  type TaughtTask,
  type TrainTeacherOutput,
} from 'distillery';
import { MopParams, taskDatasets, validateMop } from './mop.ts';

export const MopDsOqsParams = t.type({
  ...MopParams.props,
  seeds: SeedsParam(3),
  student: section(
    { ...StudentParams.props, ...RegularizerProps },
    'the three multi-task students (MSE loss: the Q-switch gives actions, not critics or Gaussians)',
  ),
  sharing: SharingParams,
});
export type MopDsOqsParams = t.TypeOf<typeof MopDsOqsParams>;

const METHODS = ['mop', 'ds', 'oqs'] as const;
type Method = (typeof METHODS)[number];
const LABEL: Record<Method, string> = { mop: 'MOP', ds: 'DS', oqs: 'OQS' };

export default definePipeline({
  name: 'mop-ds-oqs',
  description: 'MOP vs Data Sharing vs Offline Q-Switch over seeds: returns, Kendall τ per layer (Table 6.2), cross-task teacher returns (Table 6.3)',
  params: MopDsOqsParams,
  validate: (p) => E.chainFirst(() => checkRegularizer(p.student))(validateMop(p)),
  graph: (p, ctx) =>
    withEnv(p, (env) => forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => seedGraph(p, env, seedCtx)).pipe(map((runs) => overSeeds(runs, p, env, ctx)))),
});

interface SharedTask extends TaughtTask {
  readonly dsTeacher: TrainTeacherOutput;
  readonly switchTeachers: readonly TrainTeacherOutput[];
}

interface SeedResult {
  /** returns[method][task] = mean over evaluation episodes. */
  readonly returns: Record<Method, Record<string, number>>;
  readonly sharing: Record<Method, SharingReport>;
  /** cross[teacher role][task] = mean return of that teacher deployed on the task. */
  readonly cross: Record<string, Record<string, number>>;
}

const seedGraph = (p: MopDsOqsParams, env: TaskEnv, ctx: PipelineContext): Observable<SeedResult> => {
  const kind = (task: string) => datasetKindOf(p.dataset, task);
  const union = (all: readonly SharedTask[]) => all.map((x) => x.datasets[kind(x.task)]);
  const regularizer = regularizerOf(p.student);
  const common = { loss: 'mse' as const, dataset: p.dataset, ...(regularizer ? { regularizer } : {}) };
  return taskDatasets(p, env, ctx).pipe(
    trainTeacher(p.teacher, ctx, { dataset: p.dataset, workers: p.workers }),
    relabelDatasets(env, ctx, { dataset: p.dataset }),
    toArray(),
    map(byTaskOrder(env)),
    trainDataSharingTeachers(p.teacher, env, ctx, { dataset: RELABELED, workers: p.workers }),
    trainQSwitchTeachers(p.teacher, env, ctx, { dataset: RELABELED, workers: p.workers }),
    mergeMap((tasks: readonly SharedTask[]) =>
      forkJoin({
        mop: of(tasks).pipe(distill(p.student, ctx, { ...common, display: { id: 'student', label: 'MOP student' } })),
        ds: of(tasks.map((x) => ({ ...x, teacher: x.dsTeacher }))).pipe(
          distill(p.student, ctx, { ...common, dir: 'student-ds', perTask: (_x: SharedTask, all: readonly SharedTask[]) => ({ datasets: union(all) }), display: { id: 'student-ds', label: 'DS student' } }),
        ),
        oqs: of(tasks).pipe(
          distill(p.student, ctx, {
            ...common,
            dir: 'student-oqs',
            perTask: (x: SharedTask, all: readonly SharedTask[]) => ({ datasets: union(all), switchTeacherDirs: x.switchTeachers.map((s) => s.checkpointDir) }),
            display: { id: 'student-oqs', label: 'OQS student' },
          }),
        ),
      }).pipe(map((students) => ({ tasks, students }))),
    ),
    evaluate(p.evaluation, env, ctx, ({ tasks, students }) => [
      ...METHODS.flatMap((m) => tasks.map(({ task }, i) => ({ task, role: `student-${m}`, policy: { kind: 'student', dir: students[m].student.checkpointDir, taskIndex: i } }) as const)),
      // Table 6.3: every teacher on every task's reward.
      ...teacherRoles(tasks).flatMap(({ role, dir }) => tasks.map(({ task }) => ({ task, role, policy: { kind: 'policy', dir } }) as const)),
    ]),
    mergeMap((run) =>
      forkJoin(
        Object.fromEntries(
          METHODS.map((m) => [
            m,
            of({ tasks: run.tasks, student: run.students[m].student }).pipe(
              measureSharing(p.sharing, env, ctx, { dataset: p.dataset, key: `sharing.${m}` }),
              map((x) => x.sharing),
            ),
          ]),
        ) as Record<Method, Observable<SharingReport>>,
      ).pipe(map((sharing) => seedReport(run.tasks, run.evaluations, sharing, p, ctx))),
    ),
  );
};

/** Every teacher of the run with its results name: MOP and DS teachers per task, OQS T_ij. */
const teacherRoles = (tasks: readonly SharedTask[]): { role: string; dir: string }[] => [
  ...tasks.map((x) => ({ role: `teacher-mop-${x.task}`, dir: x.teacher.checkpointDir })),
  ...tasks.map((x) => ({ role: `teacher-ds-${x.task}`, dir: x.dsTeacher.checkpointDir })),
  ...tasks.flatMap((x) => x.switchTeachers.map((s, j) => ({ role: `teacher-oqs-${x.task}-from-${tasks[j].task}`, dir: s.checkpointDir }))),
];

const seedReport = (tasks: readonly SharedTask[], evaluations: readonly EvaluationResult[], sharing: Record<Method, SharingReport>, p: MopDsOqsParams, ctx: PipelineContext): SeedResult => {
  const returns = Object.fromEntries(METHODS.map((m) => [m, Object.fromEntries(tasks.map(({ task }) => [task, findEvaluation(evaluations, task, `student-${m}`).mean]))])) as SeedResult['returns'];
  const cross = Object.fromEntries(teacherRoles(tasks).map(({ role }) => [role, Object.fromEntries(tasks.map(({ task }) => [task, findEvaluation(evaluations, task, role).mean]))]));
  ctx.emit(result('returns', returns));
  ctx.emit(result('crossTask', cross));
  ctx.emit(table(`Student returns on ${p.env} (${p.evaluation.episodes} episodes)`, ['method', ...tasks.map((x) => x.task)], METHODS.map((m) => [LABEL[m], ...tasks.map(({ task }) => returns[m][task])])));
  return { returns, sharing, cross };
};

const fmt = (x: number | null): string => (x !== null && Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const meanCi = (values: readonly { seed: number; value: number }[]): string => {
  const finite = values.filter((v) => Number.isFinite(v.value));
  if (finite.length === 0) return 'n/a';
  const e = seedsEntry(finite);
  return e.ci95 === null ? fmt(e.mean) : `${fmt(e.mean)} ± ${fmt(e.ci95)}`;
};

/** Returns, Table 6.2 (τ per layer and method) and Table 6.3 (cross-task), each over seeds. */
const overSeeds = (runs: readonly SeedRun<SeedResult>[], p: MopDsOqsParams, env: TaskEnv, ctx: PipelineContext): readonly SeedRun<SeedResult>[] => {
  const tasks = env.tasks;
  const seeds = `${runs.length} seed${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.seed).join(', ')})`;
  const perSeed = (f: (r: SeedResult) => number) => runs.map(({ seed, value }) => ({ seed, value: f(value) }));

  const returns = METHODS.map((m) => {
    const entries = Object.fromEntries(tasks.map((task) => [task, seedsEntry(perSeed((r) => r.returns[m][task]))]));
    ctx.emit(result(`returns.${m}`, entries));
    return [LABEL[m], ...tasks.map((task) => meanCi(perSeed((r) => r.returns[m][task])))];
  });
  ctx.emit(table(`Student returns on ${p.env}, mean over ${seeds}, ± 95% CI over seeds (each seed: mean of ${p.evaluation.episodes} episodes)`, ['method', ...tasks], returns));

  // Table 6.2: for each layer, per-state and average τ (first task pair; every pair is in results.json).
  const layers = runs[0].value.sharing.mop.layers.length;
  for (const variant of ['a', 'b'] as const) {
    const rows = METHODS.map((m) => [
      LABEL[m],
      ...Array.from({ length: layers }, (_, l) => [
        meanCi(perSeed((r) => r.sharing[m].layers[l].pairs[0].perState[variant].mean)),
        meanCi(perSeed((r) => r.sharing[m].layers[l].pairs[0].average[variant] ?? NaN)),
      ]).flat(),
    ]);
    const pair = runs[0].value.sharing.mop.layers[0].pairs[0]?.tasks.join('×') ?? '';
    ctx.emit(
      table(
        `Kendall τ-${variant} between ${pair} activations on ${p.env} (Table 6.2 layout), mean over ${seeds} ± 95% CI over seeds`,
        ['method', ...Array.from({ length: layers }, (_, l) => [`layer ${l + 1} per-state`, `layer ${l + 1} average`]).flat()],
        rows,
      ),
    );
  }
  for (const m of METHODS)
    for (let l = 0; l < layers; l++)
      ctx.emit(
        result(`tau.${m}.layer${l + 1}`, {
          perStateA: seedsEntry(perSeed((r) => r.sharing[m].layers[l].pairs[0].perState.a.mean)),
          perStateB: seedsEntry(perSeed((r) => r.sharing[m].layers[l].pairs[0].perState.b.mean)),
          averageA: seedsEntry(perSeed((r) => r.sharing[m].layers[l].pairs[0].average.a ?? NaN)),
          averageB: seedsEntry(perSeed((r) => r.sharing[m].layers[l].pairs[0].average.b ?? NaN)),
        }),
      );

  // Table 6.3: rows are teachers, columns the task whose reward they are deployed on.
  const roles = Object.keys(runs[0].value.cross);
  ctx.emit(
    table(
      `Cross-task evaluation on ${p.env} (Table 6.3): each teacher deployed on each task, mean return over ${seeds} ± 95% CI over seeds`,
      ['teacher', ...tasks.map((task) => `on ${task}`)],
      roles.map((role) => [role.replace(/^teacher-/, ''), ...tasks.map((task) => meanCi(perSeed((r) => r.cross[role][task])))]),
    ),
  );
  ctx.emit(result('crossTask', Object.fromEntries(roles.map((role) => [role, Object.fromEntries(tasks.map((task) => [task, seedsEntry(perSeed((r) => r.cross[role][task]))]))]))));
  return runs;
};
