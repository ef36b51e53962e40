/**
 * MOP's distillation losses side by side (van Lith 2024, "MSE was best"):
 *
 *   tasks ─▶ behavior ─▶ datasets ─▶ teachers                (exactly as pipelines/mop.ts)
 *         ─▶ (all tasks) ─┬─ distill(MSE) ─▶ student
 *                         ├─ distill(Q)   ─▶ student        (−min_k Q_k^T(s, π_S(s, i)))
 *                         └─ distill(KL)  ─▶ Gaussian student (teachers as N(atanh a_T, σ_T²))
 *         ─▶ evaluate (teacher and every student per task, the same start states) ─▶ report
 *
 * The parameters are MOP's with `student.loss` replaced by `losses` and `student.teacherStd`. The
 * stages use mop's RNG names, so with one seed the datasets, teachers and MSE student are mop's.
 */
import * as t from 'io-ts';
import { from, map, mergeMap, toArray } from 'rxjs';
import {
  DistillLoss,
  PositiveNumber,
  StudentParams,
  definePipeline,
  distill,
  evaluate,
  findEvaluation,
  nonEmptyArray,
  result,
  returnsEntry,
  section,
  table,
  withDefault,
  withEnv,
  type EvaluationResult,
  type PipelineContext,
} from 'distillery';
import { MopParams, taughtTasks, validateMop } from './mop.ts';

/** σ_T of the KL loss: a choice (the thesis' PBRL teachers are Gaussian; ours are deterministic). */
const KL_TEACHER_STD = 0.1;

export const MopLossesParams = t.type({
  ...MopParams.props,
  losses: withDefault(nonEmptyArray(DistillLoss), ['mse', 'q', 'kl'], 'the distillation losses compared (one student each)'),
  student: section(
    {
      ...StudentParams.props,
      teacherStd: withDefault(PositiveNumber, KL_TEACHER_STD, "σ_T of the Gaussian put around each deterministic teacher's pre-tanh action (KL loss only)"),
    },
    'the students (one per loss)',
  ),
});
export type MopLossesParams = t.TypeOf<typeof MopLossesParams>;

export default definePipeline({
  name: 'mop-losses',
  description: 'MOP distillation losses compared: the same data and teachers, one student per loss (MSE, Q, KL), evaluated side by side',
  params: MopLossesParams,
  validate: validateMop,
  graph: (p, ctx) =>
    withEnv(p, (env) => {
      const losses = [...new Set(p.losses)];
      return taughtTasks(p, env, ctx).pipe(
        mergeMap((tasks) =>
          from(losses).pipe(
            // One distillation job per loss, `workers` at once; one seed for all: students differ by their loss only.
            mergeMap(
              (loss) =>
                from([tasks]).pipe(
                  distill(p.student, ctx, {
                    loss,
                    dataset: p.dataset,
                    dir: `students/${loss}`,
                    ...(loss === 'kl' ? { teacherStd: p.student.teacherStd } : {}),
                    display: { id: `student/${loss}`, label: `${loss.toUpperCase()} student`, tags: { loss } },
                  }),
                  map(({ student }) => ({ loss, student })),
                ),
              p.workers,
            ),
            toArray(),
            map((students) => ({ tasks, students: students.sort((a, b) => losses.indexOf(a.loss) - losses.indexOf(b.loss)) })),
          ),
        ),
        evaluate(p.evaluation, env, ctx, ({ tasks, students }) =>
          tasks.flatMap(({ task, teacher }, i) => [
            { task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } } as const,
            ...students.map(({ loss, student }) => ({ task, role: loss, policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i } }) as const),
          ]),
        ),
        map((run) => lossesReport(run.tasks.map((x) => x.task), losses, run.evaluations, p, ctx)),
      );
    }),
});

/** returns.<task>.teacher|mse|q|kl {mean, std, ci95, episodes}, and the table. */
const lossesReport = (tasks: readonly string[], losses: readonly string[], evaluations: readonly EvaluationResult[], p: MopLossesParams, ctx: PipelineContext): void => {
  const rows = tasks.map((task) => {
    const teacher = findEvaluation(evaluations, task, 'teacher');
    const students = losses.map((loss) => findEvaluation(evaluations, task, loss));
    ctx.emit(result(`returns.${task}`, Object.fromEntries([['teacher', returnsEntry(teacher)], ...losses.map((loss, i) => [loss, returnsEntry(students[i])])])));
    return [task, teacher.mean, teacher.halfWidth, ...students.flatMap((s) => [s.mean, s.halfWidth])];
  });
  ctx.emit(
    table(
      `MOP losses on ${p.env} (${p.dataset} data, ${p.teacher.algo.toUpperCase()} teachers, ${p.student.steps} distillation steps; KL σ_T ${p.student.teacherStd}): returns over ${p.evaluation.episodes} episodes, ± is the 95% CI half-width`,
      ['task', 'teacher', '±', ...losses.flatMap((l) => [l.toUpperCase(), '±'])],
      rows,
    ),
  );
};
