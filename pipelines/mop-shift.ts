/**
 * MOP under distribution shift (the thesis' section 5.2): how the student's return depends on the
 * data its states come from and on its width, over seeds.
 *
 *   seeds ─▶ tasks ─▶ behavior ─▶ datasets ─▶ teachers                          (exactly as pipelines/mop.ts)
 *                 ─▶ shiftDatasets (Online / Noise / Random90 / Random99, rolled out from each teacher)
 *                 ─▶ (all tasks) ─┬─ distill on each composed dataset × each width ─▶ evaluate   (Fig. 5.8)
 *                                 └─ distill on the student's own episodes (on-policy) ─▶ evaluate (Fig. 5.7)
 *         ─▶ (all seeds) ─▶ return vs width per dataset (table, SVG with 95% CI bands over seeds)
 *                        ─▶ dataset states vs the student's own states (table)
 *
 * A student's return here is its mean over tasks (each task's mean over evaluation episodes);
 * per-task values are in results.json. Defaults are a laptop budget, labelled in the tables;
 * the thesis: 1000 episodes per composed dataset, 500k distillation steps, walker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import { from, map, mergeMap, of, toArray, type Observable } from 'rxjs';
import {
  PositiveInt,
  SHIFT_KINDS,
  ShiftParams,
  artifact,
  byTaskOrder,
  curveSpec,
  definePipeline,
  distill,
  evaluate,
  findEvaluation,
  forEachSeed,
  nonEmptyArray,
  oneOf,
  renderVegaLiteSvg,
  result,
  section,
  seedsEntry,
  shiftDatasets,
  table,
  withDefault,
  withDefaults,
  withEnv,
  type Curve,
  type EvaluationResult,
  type PipelineContext,
  type SeedRun,
  type SeedsEntry,
  type TaskEnv,
} from 'distillery';
import { MopParams, taughtTasks, validateMop } from './mop.ts';

const MopShiftCodec = t.type({
  ...MopParams.props,
  shift: ShiftParams,
  widths: withDefault(nonEmptyArray(PositiveInt), [16, 32, 64, 128, 256, 512], 'student widths swept (two hidden layers of each width; the thesis: 16 … 512)'),
  studentStates: section(
    {
      every: withDefault(PositiveInt, 100, "refresh the on-policy student's state pools every this many distillation steps"),
      episodes: withDefault(PositiveInt, 2, 'episodes per task per refresh'),
      maxStates: withDefault(PositiveInt, 50_000, 'states kept per task (the oldest leave first)'),
    },
    "the state-sampling comparison: a student as wide as `student.hidden`'s first layer, distilled on the states of its own episodes (on-policy, DAgger-like) instead of a dataset's",
  ),
  reference: withDefault(oneOf(SHIFT_KINDS, 'ShiftKind'), 'online', 'the composed dataset the on-policy student is compared with at width `student.hidden`'),
});
export const MopShiftParams = withDefaults(MopShiftCodec, { student: { steps: 1000 } });
export type MopShiftParams = t.TypeOf<typeof MopShiftCodec>;

export default definePipeline({
  name: 'mop-shift',
  description: 'MOP under distribution shift (thesis 5.2): students of widths 16…512 on Online/Noise/Random90/Random99 datasets, and states from the student itself, over seeds',
  params: MopShiftParams,
  validate: validateMop,
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => shiftGraph(p, env, seedCtx)).pipe(mergeMap((runs) => report(runs, p, env, ctx))),
    ),
});

interface Student {
  /** `<kind>` for a composed dataset, `student-states` for the on-policy student. */
  readonly states: string;
  readonly width: number;
  readonly evaluations: readonly EvaluationResult[];
}

const widthName = (w: number) => `w${w}`;
const ON_POLICY = 'student-states';

/** One seed: teachers, their composed datasets, then every student (jobs share the run's workers). */
const shiftGraph = (p: MopShiftParams, env: TaskEnv, ctx: PipelineContext): Observable<readonly Student[]> =>
  taughtTasks(p, env, ctx).pipe(
    mergeMap((tasks) => from(tasks).pipe(shiftDatasets(p.shift, env, ctx), toArray(), map(byTaskOrder(env)))),
    mergeMap((tasks) => {
      const defaultWidth = p.student.hidden[0];
      const runs = [
        ...SHIFT_KINDS.flatMap((kind) => p.widths.map((width) => ({ states: kind as string, width }))),
        // the dataset side of the state-sampling comparison, when the sweep does not have it
        ...(p.widths.includes(defaultWidth) ? [] : [{ states: p.reference as string, width: defaultWidth }]),
        { states: ON_POLICY, width: defaultWidth },
      ];
      return from(runs).pipe(
        mergeMap(({ states, width }) => {
          const name = `${states}-${widthName(width)}`;
          const hidden = p.student.hidden.map(() => width);
          return of(tasks).pipe(
            distill({ ...p.student, hidden }, ctx, {
              loss: p.student.loss,
              dataset: states === ON_POLICY ? p.dataset : states,
              dir: join('students', name),
              display: { id: `student/${name}`, label: `student ${states} ${hidden.join('×')}` },
              env,
              ...(states === ON_POLICY ? { studentStates: { env, ...p.studentStates } } : {}),
            }),
            evaluate(p.evaluation, env, ctx, ({ student }) =>
              tasks.map(({ task }, i) => ({ task, role: name, policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i } }) as const),
            ),
            map(({ evaluations }): Student => ({ states, width, evaluations })),
          );
        }),
        toArray(),
        // the teachers too, on the same start states: the ceiling each student is measured against
        mergeMap((students) =>
          of(tasks).pipe(
            evaluate(p.evaluation, env, ctx, () => tasks.map(({ task, teacher }) => ({ task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } }) as const)),
            map(({ evaluations }) => [...students, { states: 'teacher', width: 0, evaluations }]),
          ),
        ),
      );
    }),
  );

/** Mean over tasks of each task's mean evaluation return. */
const taskMean = (s: Student, role: string, tasks: readonly string[]): number => tasks.reduce((sum, task) => sum + findEvaluation(s.evaluations, task, role).mean, 0) / tasks.length;

const report = (runs: readonly SeedRun<readonly Student[]>[], p: MopShiftParams, env: TaskEnv, ctx: PipelineContext) => {
  const tasks = env.tasks;
  const find = (students: readonly Student[], states: string, width: number) => students.find((s) => s.states === states && s.width === width)!;
  const entry = (states: string, width: number): SeedsEntry & { readonly tasks: Readonly<Record<string, SeedsEntry>> } => {
    const role = states === 'teacher' ? 'teacher' : `${states}-${widthName(width)}`;
    const over = (value: (s: Student) => number) => seedsEntry(runs.map(({ seed, value: students }) => ({ seed, value: value(find(students, states, width)) })));
    return { ...over((s) => taskMean(s, role, tasks)), tasks: Object.fromEntries(tasks.map((task) => [task, over((s) => findEvaluation(s.evaluations, task, role).mean)])) };
  };
  const teacher = entry('teacher', 0);
  ctx.emit(result('teacher', teacher));
  const cell = (e: SeedsEntry) => (e.ci95 === null ? e.mean.toFixed(2) : `${e.mean.toFixed(2)} ± ${e.ci95.toFixed(2)}`);
  const curveRows: Curve['rows'][number][] = [];
  const shiftRows = SHIFT_KINDS.map((kind) => {
    const cells = p.widths.map((width) => {
      const e = entry(kind, width);
      ctx.emit(result(`shift.${kind}.${widthName(width)}`, e));
      curveRows.push({ series: kind, step: width, mean: e.mean, low: e.ci95 === null ? null : e.mean - e.ci95, high: e.ci95 === null ? null : e.mean + e.ci95, seeds: e.seeds });
      return cell(e);
    });
    return [kind, ...cells];
  });
  const budget = `${p.shift.episodes} episodes per dataset, ${p.student.steps} distillation steps (laptop budget; the thesis: 1000 episodes, 500k steps)`;
  const seeds = `${runs.length} seed${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.seed).join(', ')})`;
  ctx.emit(
    table(
      `MOP under distribution shift on ${p.env}: student return (mean over tasks) by dataset and width, over ${seeds}; ± is the 95% CI over seeds; teacher ${cell(teacher)}; ${budget}`,
      ['dataset', ...p.widths.map(String)],
      shiftRows,
    ),
  );
  const width = p.student.hidden[0];
  const onPolicy = entry(ON_POLICY, width);
  const fromData = entry(p.reference, width);
  ctx.emit(result('statesFrom', { hidden: p.student.hidden.map(() => width), student: onPolicy, dataset: { kind: p.reference, ...fromData } }));
  ctx.emit(
    table(
      `Distillation states from a dataset vs from the student's own episodes (${p.student.hidden.map(() => width).join('×')} student, ${p.studentStates.episodes} episodes per task every ${p.studentStates.every} steps), over ${seeds}`,
      ['states from', 'return', ...tasks],
      [
        [`${p.reference} dataset`, cell(fromData), ...tasks.map((task) => cell(fromData.tasks[task]))],
        ['the student (on-policy)', cell(onPolicy), ...tasks.map((task) => cell(onPolicy.tasks[task]))],
        ['teacher', cell(teacher), ...tasks.map((task) => cell(teacher.tasks[task]))],
      ],
    ),
  );
  const curve: Curve = {
    name: `MOP on ${p.env}: student return vs width, per dataset (${seeds})`,
    series: new Map(SHIFT_KINDS.map((kind) => [kind, runs.length])),
    rows: curveRows,
    min: Math.min(...curveRows.map((r) => r.mean)),
    max: Math.max(...curveRows.map((r) => r.mean)),
  };
  return from(renderVegaLiteSvg(curveSpec(curve, { xTitle: 'student width (units per hidden layer)', xLog: true }))).pipe(
    map((svg) => {
      const path = join(ctx.runDir, 'return-vs-width.svg');
      writeFileSync(path, svg);
      ctx.emit(artifact(path, 'figure', 'student return vs width per dataset (Fig. 5.8)'));
      return runs;
    }),
  );
};
