/**
 * Shared computation of a MOP student (thesis chapter 6): MOP end to end, then Kendall τ between
 * the student's hidden-layer activations under every pair of task ids — per state (the same
 * state through both ids) and on average (each task's own states, mean activation per neuron).
 *
 *   mop (behavior → datasets → teachers → student → evaluation) ─▶ measureSharing ─▶ τ table
 *
 * τ-a is the thesis' definition; τ-b (scipy's default) corrects for ties, which ReLU zeros make
 * common; both are reported (and τ-c in results.json).
 *
 *   ─▶ per entry of `regularizers`: the same teachers distilled with + λ·ranking regularizer
 *      ─▶ evaluate ─▶ measureSharing ─▶ τ and returns with and without each (the thesis' Fig. 6.5)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, mergeMap, of, toArray, type Observable } from 'rxjs';
import {
  DistillLoss,
  LayerWidths,
  RegularizerProps,
  checkRegularizer,
  StudentParams,
  SharingParams,
  artifact,
  definePipeline,
  distill,
  evaluate,
  findEvaluation,
  forEachSeed,
  renderLineChart,
  result,
  seedsEntry,
  measureSharing,
  oneOf,
  regularizerOf,
  section,
  table,
  withDefault,
  withEnv,
  type PipelineContext,
  type EvaluationResult,
  type SharingReport,
  type SeedRun,
  type SeedsEntry,
  type TaskEnv,
  type TaughtTask,
} from 'distillery';
import { MopParams, mopGraph, validateMop } from './mop.ts';

const { regularizer: _chosenPerStudent, ...regularizerSettings } = RegularizerProps;

export const MopSharingParams = t.type({
  ...MopParams.props,
  student: section(
    { ...StudentParams.props, loss: withDefault(DistillLoss, 'mse', 'distillation loss: mse, q or kl'), ...regularizerSettings },
    'the multi-task student (the regularizer settings apply to the students of `regularizers`)',
  ),
  regularizers: withDefault(
    t.array(oneOf(['ndcg', 'pairwise', 'listwise'] as const, 'Regularizer')),
    ['ndcg', 'pairwise', 'listwise'],
    "one more student per ranking regularizer (λ = student.regularizerWeight), from the same teachers, evaluated and measured like the first (the thesis' Fig. 6.5)",
  ),
  sharing: SharingParams,
  widths: withDefault(
    t.array(LayerWidths),
    [],
    "extra students at these hidden widths (the thesis' Fig. 6.4), distilled from the same teachers, evaluated and measured like the first",
  ),
});
export type MopSharingParams = t.TypeOf<typeof MopSharingParams>;

export default definePipeline({
  name: 'mop-sharing',
  description: "MOP, then Kendall τ between the student's layer activations across tasks (per-state and average, τ-a and τ-b)",
  params: MopSharingParams,
  validate: (p) => E.chainFirst(() => checkRegularizer({ ...p.student, regularizer: p.regularizers[0] ?? 'none' }))(validateMop(p)),
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => seedGraph(p, env, seedCtx)).pipe(map((runs) => overSeedsTable(runs, p, ctx))),
    ),
});

/** One measured student of a seed: its name, τ report and mean return per task. */
interface MeasuredStudent {
  readonly name: string;
  readonly sharing: SharingReport;
  readonly returns: readonly number[];
}

/** One seed: MOP, τ of its student, then the width and regularizer students (tables per seed). */
const seedGraph = (p: MopSharingParams, env: TaskEnv, ctx: PipelineContext): Observable<readonly MeasuredStudent[]> =>
  mopGraph(p, env, ctx).pipe(
    measureSharing(p.sharing, env, ctx, { dataset: p.dataset }),
    mergeMap(async (run) => {
      sharingTable(run.sharing, p, ctx);
      await meanActivationFigures(run.sharing, ctx);
      return run;
    }),
    mergeMap((run) =>
      widthSweep(run.tasks, run.sharing, p, env, ctx).pipe(
        mergeMap((widths) =>
          regularizerSweep(run.tasks, run.sharing, run.evaluations, p, env, ctx).pipe(
            map((regularized): readonly MeasuredStudent[] => [
              { name: `MOP ${widthName(p.student.hidden)}`, sharing: run.sharing, returns: env.tasks.map((task) => findEvaluation(run.evaluations, task, 'student').mean) },
              ...widths.map((w) => ({ name: `MOP ${widthName(w.hidden)}`, sharing: w.sharing, returns: w.returns })),
              ...regularized,
            ]),
          ),
        ),
      ),
    ),
  );

/**
 * Every student's τ per layer (first task pair) and return, over seeds: mean and 95% CI over seeds
 * (`overSeeds.<student>` in results.json; each seed's own tables stay under its prefix).
 */
const overSeedsTable = (runs: readonly SeedRun<readonly MeasuredStudent[]>[], p: MopSharingParams, ctx: PipelineContext) => {
  const cell = (e: SeedsEntry) => (e.ci95 === null ? fmt(e.mean) : `${fmt(e.mean)} ± ${fmt(e.ci95)}`);
  const names = runs[0].value.map((s) => s.name);
  const rows = names.flatMap((name) => {
    const layers = runs[0].value.find((x) => x.name === name)!.sharing.layers.map((l) => l.layer);
    const of = (value: (s: MeasuredStudent) => number) => seedsEntry(runs.map(({ seed, value: students }) => ({ seed, value: value(students.find((x) => x.name === name)!) })));
    const ret = of((s) => s.returns.reduce((a, b) => a + b, 0) / s.returns.length);
    ctx.emit(result(`overSeeds.${name}.return`, ret));
    return layers.map((k) => {
      const pair = (s: MeasuredStudent) => s.sharing.layers.find((l) => l.layer === k)!.pairs[0];
      const e = {
        perStateA: of((s) => pair(s).perState.a.mean),
        averageA: of((s) => pair(s).average.a),
        perStateB: of((s) => pair(s).perState.b.mean),
        averageB: of((s) => pair(s).average.b),
      };
      ctx.emit(result(`overSeeds.${name}.layer${k + 1}`, e));
      return [name, k + 1, cell(e.perStateA), cell(e.averageA), cell(e.perStateB), cell(e.averageB), cell(ret)];
    });
  });
  const pairName = runs[0].value[0].sharing.layers[0].pairs[0].tasks.join('×');
  ctx.emit(
    table(
      `Shared computation on ${p.env} over ${runs.length} seed${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.seed).join(', ')}): Kendall τ of tasks ${pairName} per layer and the return (mean over tasks); ± is the 95% CI over seeds`,
      ['student', 'layer', 'per-state τ-a', 'average τ-a', 'per-state τ-b', 'average τ-b', 'return'],
      rows,
    ),
  );
  return runs;
};

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** One row per layer and task pair: per-state τ mean ± std and average τ, tau-a and tau-b. */
const sharingTable = (s: SharingReport, p: MopSharingParams, ctx: PipelineContext): void => {
  const rows = s.layers.flatMap((layer) =>
    layer.pairs.map((pair) => [
      `layer ${layer.layer + 1} (${layer.width})`,
      `${pair.tasks[0]}×${pair.tasks[1]}`,
      `${fmt(pair.perState.a.mean)} ± ${fmt(pair.perState.a.std)}`,
      `${fmt(pair.perState.b.mean)} ± ${fmt(pair.perState.b.std)}`,
      fmt(pair.average.a),
      fmt(pair.average.b),
      pair.perState.b.undefinedStates,
      Object.values(layer.zeros).map(fmt).join(' / '),
    ]),
  );
  const states = Object.entries(s.states).map(([task, n]) => `${n} ${task}`).join(', ');
  const source = p.sharing.source === 'student' ? `the student's own episodes (${p.sharing.episodes} per task)` : `the ${p.dataset} datasets`;
  ctx.emit(
    table(
      `Shared computation of the MOP student on ${p.env} (Kendall τ; states: ${states} from ${source})`,
      ['layer', 'tasks', 'per-state τ-a', 'per-state τ-b', 'average τ-a', 'average τ-b', 'undefined states', 'zero fraction per task'],
      rows,
    ),
  );
};

/**
 * The thesis' Fig. 6.3 per layer: each task's mean activation per neuron (over its own states),
 * neurons ordered by the first task's mean, so that tasks ranking the neurons alike (a high
 * average τ) draw curves that fall together.
 */
const meanActivationFigures = async (s: SharingReport, ctx: PipelineContext): Promise<void> => {
  for (const layer of s.layers) {
    const tasks = Object.keys(layer.meanActivation);
    const first = layer.meanActivation[tasks[0]];
    const order = first.map((_, k) => k).sort((i, j) => first[j] - first[i]);
    const path = join(ctx.runDir, `sharing-layer${layer.layer + 1}.svg`);
    writeFileSync(
      path,
      await renderLineChart({
        title: `layer ${layer.layer + 1}: mean activation per neuron (ordered by ${tasks[0]})`,
        xLabel: `neuron (rank under ${tasks[0]})`,
        yLabel: 'mean activation',
        series: tasks.map((task) => ({ label: task, x: order.map((_, r) => r + 1), mean: order.map((k) => layer.meanActivation[task][k]) })),
      }),
    );
    ctx.emit(artifact(path, 'figure', `mean activation per neuron, layer ${layer.layer + 1}`));
  }
};

const widthName = (hidden: readonly number[]): string => hidden.join('x');

/**
 * One more student per entry of `widths` (checkpoint `student-<w>`, results `widths.<w>.sharing`,
 * evaluations `evaluation.<task>.student-<w>`), then a table of τ-b against width, the run's own
 * student first.
 */
const widthSweep = (
  tasks: readonly TaughtTask[],
  first: SharingReport,
  p: MopSharingParams,
  env: TaskEnv,
  ctx: PipelineContext,
): Observable<readonly { readonly hidden: readonly number[]; readonly sharing: SharingReport; readonly returns: readonly number[] }[]> =>
  p.widths.length === 0
    ? of([])
    : from(p.widths).pipe(
        concatMap((hidden) => {
          const w = widthName(hidden);
          return of(tasks).pipe(
            distill({ ...p.student, hidden }, ctx, { loss: p.student.loss, dataset: p.dataset, dir: `student-${w}`, display: { id: `student-${w}`, label: `student ${w}` } }),
            evaluate(p.evaluation, env, ctx, ({ student }) =>
              tasks.map(({ task }, i) => ({ task, role: `student-${w}`, policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i } }) as const),
            ),
            measureSharing(p.sharing, env, ctx, { dataset: p.dataset, key: `widths.${w}.sharing` }),
            map((run) => ({ hidden, sharing: run.sharing, returns: tasks.map(({ task }) => findEvaluation(run.evaluations, task, `student-${w}`).mean) })),
          );
        }),
        toArray(),
        map((extra) => {
          const rows = [{ hidden: p.student.hidden, sharing: first }, ...extra].flatMap(({ hidden, sharing }) =>
            sharing.layers.flatMap((layer) =>
              layer.pairs.map((pair) => [
                widthName(hidden),
                layer.layer + 1,
                `${pair.tasks[0]}×${pair.tasks[1]}`,
                `${fmt(pair.perState.b.mean)} ± ${fmt(pair.perState.b.std)}`,
                fmt(pair.average.b),
                `${fmt(pair.perState.a.mean)} ± ${fmt(pair.perState.a.std)}`,
                fmt(pair.average.a),
              ]),
            ),
          );
          ctx.emit(table(`Shared computation against student width on ${p.env} (Kendall τ)`, ['hidden', 'layer', 'tasks', 'per-state τ-b', 'average τ-b', 'per-state τ-a', 'average τ-a'], rows));
          ctx.emit(
            table(
              `Student returns against width on ${p.env} (${p.evaluation.episodes} evaluation episodes)`,
              ['hidden', ...tasks.map(({ task }) => task)],
              extra.map(({ hidden, returns }) => [widthName(hidden), ...returns.map((r) => Number(r.toFixed(2)))]),
            ),
          );
          return extra;
        }),
      );

/**
 * One more student per entry of `regularizers` (checkpoint `student-<kind>`, results
 * `regularizers.<kind>.sharing`, evaluations `evaluation.<task>.student-<kind>`), distilled from
 * the same teachers with the same RNG as the first; then τ and returns with and without each.
 */
const regularizerSweep = (
  tasks: readonly TaughtTask[],
  first: SharingReport,
  evaluations: readonly EvaluationResult[],
  p: MopSharingParams,
  env: TaskEnv,
  ctx: PipelineContext,
): Observable<readonly MeasuredStudent[]> =>
  p.regularizers.length === 0
    ? of([])
    : from(p.regularizers).pipe(
        concatMap((kind) =>
          of(tasks).pipe(
            distill(p.student, ctx, {
              loss: p.student.loss,
              dataset: p.dataset,
              regularizer: regularizerOf({ ...p.student, regularizer: kind })!,
              dir: `student-${kind}`,
              display: { id: `student-${kind}`, label: `student + ${kind} regularizer` },
            }),
            evaluate(p.evaluation, env, ctx, ({ student }) =>
              tasks.map(({ task }, i) => ({ task, role: `student-${kind}`, policy: { kind: 'student', dir: student.checkpointDir, taskIndex: i } }) as const),
            ),
            measureSharing(p.sharing, env, ctx, { dataset: p.dataset, key: `regularizers.${kind}.sharing` }),
            map((run) => ({ name: `+ ${kind} (λ ${p.student.regularizerWeight})`, sharing: run.sharing, returns: tasks.map(({ task }) => findEvaluation(run.evaluations, task, `student-${kind}`).mean) })),
          ),
        ),
        toArray(),
        map((extra) => {
          const all = [{ name: 'none', sharing: first, returns: tasks.map(({ task }) => findEvaluation(evaluations, task, 'student').mean) }, ...extra];
          const layer = regularizerOf({ ...p.student, regularizer: 'pairwise' })!.layer;
          ctx.emit(
            table(
              `Ranking regularizers on ${p.env} (layer ${layer} regularized; Kendall τ per layer, first task pair; returns over ${p.evaluation.episodes} episodes)`,
              ['regularizer', ...first.layers.flatMap((l) => [`layer ${l.layer + 1} per-state τ-a`, `layer ${l.layer + 1} average τ-a`, `layer ${l.layer + 1} per-state τ-b`]), ...tasks.map(({ task }) => `return ${task}`)],
              all.map(({ name, sharing, returns }) => [
                name,
                ...sharing.layers.flatMap((l) => [fmt(l.pairs[0].perState.a.mean), fmt(l.pairs[0].average.a), fmt(l.pairs[0].perState.b.mean)]),
                ...returns.map((r) => Number(r.toFixed(2))),
              ]),
            ),
          );
          return extra;
        }),
      );
