/**
 * MOP's distillation losses side by side (van Lith 2024, "MSE was best"), over training seeds:
 *
 *   seeds ─▶ tasks ─▶ behavior ─▶ datasets ─▶ stochastic teachers   (as pipelines/mop.ts, teacher.actorHead=gaussian)
 *         ─▶ (all tasks) ─┬─ distill(MSE) ─▶ student              (‖μ_T(s) − π_S(s, i)‖²)
 *                         ├─ distill(Q)   ─▶ student              (−min_k Q_k^T(s, π_S(s, i)))
 *                         └─ distill(KL)  ─▶ Gaussian student     (KL(N(μ_S, σ_S²) ‖ N(μ_T, σ_T²)), the teachers' real Gaussians)
 *         ─▶ evaluate (teacher and every student per task, the same start states)
 *         ─▶ (all seeds) ─▶ returns over seeds (mean, 95% CI over seeds, per-seed values)
 *
 * The parameters are MOP's with `student.loss` replaced by `losses`, and teachers that are the
 * thesis' stochastic PBRL actors by default (every loss distils the same teachers). The stages use
 * mop's RNG names, so seed s's datasets are those of `mop --seed s`.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { from, map, mergeMap, toArray } from 'rxjs';
import {
  DistillLoss,
  StudentParams,
  TeacherAlgoCodec,
  TeacherParams,
  distill,
  distilleryError,
  definePipeline,
  evaluate,
  findEvaluation,
  forEachSeed,
  nonEmptyArray,
  oneOf,
  result,
  returnsEntry,
  section,
  seedsEntry,
  table,
  withDefault,
  withEnv,
  type EvaluationResult,
  type PipelineContext,
  type SeedRun,
  type TaskEnv,
} from 'distillery';
import { MopParams, taughtTasks, validateMop } from './mop.ts';

export const MopLossesParams = t.type({
  ...MopParams.props,
  losses: withDefault(nonEmptyArray(DistillLoss), ['mse', 'q', 'kl'], 'the distillation losses compared (one student each)'),
  student: section(StudentParams.props, 'the students (one per loss)'),
  teacher: section(
    {
      ...TeacherParams.props,
      algo: withDefault(TeacherAlgoCodec, 'pbrl', 'offline RL algorithm: pbrl (the thesis; its actor can be stochastic) or td3bc'),
      actorHead: withDefault(
        oneOf(['deterministic', 'gaussian'] as const, 'ActorHead'),
        'gaussian',
        "the teachers' actor: gaussian (the thesis' stochastic PBRL actor, needed by KL) or deterministic",
      ),
    },
    'one offline teacher per task (stochastic by default: the KL loss distils its Gaussian)',
  ),
});
export type MopLossesParams = t.TypeOf<typeof MopLossesParams>;

const validateLosses = (p: MopLossesParams) =>
  E.chain((env: TaskEnv) =>
    p.losses.includes('kl') && p.teacher.actorHead !== 'gaussian'
      ? E.left(distilleryError('invalid-input', 'mop-losses: the KL loss needs stochastic teachers (teacher.actorHead=gaussian)'))
      : p.teacher.actorHead === 'gaussian' && p.teacher.algo !== 'pbrl'
        ? E.left(distilleryError('invalid-input', 'mop-losses: stochastic teachers are PBRL teachers (teacher.algo=pbrl)'))
        : E.right(env),
  )(validateMop(p));

/** One seed: its teachers, one student per loss, every policy evaluated; returns per task and role. */
const lossesGraph = (p: MopLossesParams, env: TaskEnv, ctx: PipelineContext, losses: readonly ('mse' | 'q' | 'kl')[]) =>
  taughtTasks(p, env, ctx).pipe(
    mergeMap((tasks) =>
      from(losses).pipe(
        // One distillation job per loss; one seed for all: students differ by their loss only.
        mergeMap(
          (loss) =>
            from([tasks]).pipe(
              distill(p.student, ctx, {
                loss,
                dataset: p.dataset,
                dir: `students/${loss}`,
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
    map((run) => seedReturns(run.tasks.map((x) => x.task), losses, run.evaluations, ctx)),
  );

export default definePipeline({
  name: 'mop-losses',
  description: 'MOP distillation losses compared over seeds: the same data and stochastic teachers, one student per loss (MSE, Q, KL), evaluated side by side',
  params: MopLossesParams,
  validate: validateLosses,
  graph: (p, ctx) =>
    withEnv(p, (env) => {
      const losses = [...new Set(p.losses)];
      return forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => lossesGraph(p, env, seedCtx, losses)).pipe(
        map((runs) => lossesReport(runs, losses, p, ctx)),
      );
    }),
});

/** One seed's mean return per task and role (teacher, mse, q, kl); seeds.<s>.returns.<task>.<role> {mean, std, ci95, episodes}. */
const seedReturns = (tasks: readonly string[], losses: readonly string[], evaluations: readonly EvaluationResult[], ctx: PipelineContext) =>
  tasks.map((task) => {
    const roles = ['teacher', ...losses];
    const entries = roles.map((role) => [role, findEvaluation(evaluations, task, role)] as const);
    ctx.emit(result(`returns.${task}`, Object.fromEntries(entries.map(([role, e]) => [role, returnsEntry(e)]))));
    return { task, mean: Object.fromEntries(entries.map(([role, e]) => [role, e.mean])) as Readonly<Record<string, number>> };
  });

/** returns.<task>.<role> over seeds {mean, std, ci95, seeds, perSeed}, and the table (± = 95% CI over seeds). */
const lossesReport = (runs: readonly SeedRun<ReturnType<typeof seedReturns>>[], losses: readonly string[], p: MopLossesParams, ctx: PipelineContext): void => {
  const roles = ['teacher', ...losses];
  const tasks = runs[0].value.map((r) => r.task);
  const rows = tasks.map((task) => {
    const entries = roles.map((role) => seedsEntry(runs.map(({ seed, value }) => ({ seed, value: value.find((r) => r.task === task)!.mean[role] }))));
    ctx.emit(result(`returns.${task}`, Object.fromEntries(roles.map((role, i) => [role, entries[i]]))));
    const perSeed = runs.map(({ value }) => roles.map((role) => value.find((r) => r.task === task)!.mean[role].toFixed(1)).join('/')).join('  ');
    return [task, ...entries.flatMap((e) => [e.mean, e.ci95 ?? NaN]), perSeed];
  });
  ctx.emit(
    table(
      `MOP losses on ${p.env} (${JSON.stringify(p.dataset)} data, ${p.teacher.algo.toUpperCase()} ${p.teacher.actorHead} teachers, ${p.student.steps} distillation steps): mean return over ${runs.length} seed${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.seed).join(', ')}), ± is the 95% CI over seeds; each seed's value is its mean over ${p.evaluation.episodes} evaluation episodes`,
      ['task', ...roles.flatMap((r) => [r === 'teacher' ? r : r.toUpperCase(), '±']), `per seed (${roles.join('/')})`],
      rows,
    ),
  );
};
