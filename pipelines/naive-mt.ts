/**
 * Naive multi-task PBRL against MOP on the same datasets (the MOP thesis' baseline, which shows
 * negative transfer):
 *
 *   tasks ─▶ behavior ─▶ datasets ─▶ (all tasks) ─┬─ trainNaiveMt ─▶ one actor π(s, i) + a critic ensemble per task
 *                                                 └─ trainTeacher (per task) ─▶ distill ─▶ MOP student
 *         ─▶ evaluate (MOP teacher, MOP student and naive actor per task, the same start states) ─▶ report
 *
 * Parameters: MOP's plus `naive`, with PBRL teachers by default (MOP's own default is TD3+BC): the
 * thesis compares naive multi-task PBRL with MOP distilling PBRL teachers, so both sides use one
 * offline algorithm and differ only in how tasks share a network. The naive model uses the
 * teacher's settings (hidden sizes, batch, lr, γ, τ). The naive job runs beside the teacher jobs
 * (one worker for it, the rest for teachers), so 2 cores train it in the teachers' wall time.
 *
 * results.json: returns.<task>.mop (the MOP student), .naive, .teacher, each over seeds {mean, std, ci95, seeds,
 * perSeed}; every seed's evaluations under seeds.<s>.evaluation.
 */
import * as t from 'io-ts';
import { forkJoin, from, map, mergeMap, of, toArray } from 'rxjs';
import {
  NaiveMtParams as NaiveParams,
  byTaskOrder,
  definePipeline,
  describeDatasetChoice,
  distill,
  evaluate,
  forEachSeed,
  reportReturnsOverSeeds,
  trainNaiveMt,
  trainTeacher,
  withDefaults,
  withEnv,
  type PipelineContext,
  type TaskEnv,
} from 'distillery';
import { MopParams, taskDatasets, validateMop } from './mop.ts';

const NaiveMtCodec = t.type({ ...MopParams.props, naive: NaiveParams });
export const NaiveMtParams = withDefaults(NaiveMtCodec, { teacher: { algo: 'pbrl' } });
export type NaiveMtParams = t.TypeOf<typeof NaiveMtCodec>;

export default definePipeline({
  name: 'naive-mt',
  description: 'Naive multi-task PBRL (one task-conditioned actor, a critic ensemble per task) against MOP on the same datasets, over seeds',
  params: NaiveMtParams,
  validate: validateMop,
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => naiveGraph(p, env, seedCtx)).pipe(
        map((runs) =>
          reportReturnsOverSeeds(
            runs,
            {
              tasks: env.tasks,
              roles: [
                { role: 'teacher', label: 'teacher' },
                { role: 'student', label: 'mop' },
                { role: 'naive', label: 'naive' },
              ],
              title: `Naive multi-task PBRL vs MOP on ${p.env} (${describeDatasetChoice(p.dataset)} data; ${p.teacher.steps} ${p.teacher.algo.toUpperCase()} teacher / ${p.naive.steps} naive PBRL updates per task, ${p.student.steps} distillation steps)`,
              episodes: p.evaluation.episodes,
            },
            ctx,
          ),
        ),
      ),
    ),
});

/** One seed: datasets, then the naive actor beside MOP's teachers and student, all evaluated on the same start states. */
const naiveGraph = (p: NaiveMtParams, env: TaskEnv, ctx: PipelineContext) =>
  taskDatasets(p, env, ctx).pipe(
    toArray(),
    map(byTaskOrder(env)),
    mergeMap((datasets) =>
      forkJoin({
        naive: of(datasets).pipe(trainNaiveMt(p.naive, p.teacher, ctx, { dataset: p.dataset })),
        mop: from(datasets).pipe(
          trainTeacher(p.teacher, ctx, { dataset: p.dataset, workers: Math.max(1, p.workers - 1) }),
          toArray(),
          map(byTaskOrder(env)),
          distill(p.student, ctx, { loss: p.student.loss, dataset: p.dataset, env }),
        ),
      }),
    ),
    evaluate(p.evaluation, env, ctx, ({ naive, mop }) =>
      mop.tasks.flatMap(({ task, teacher }, i) => [
        { task, role: 'teacher', policy: { kind: 'policy', dir: teacher.checkpointDir } } as const,
        { task, role: 'student', policy: { kind: 'student', dir: mop.student.checkpointDir, taskIndex: i } } as const,
        { task, role: 'naive', policy: { kind: 'student', dir: naive.naive.actorDir, taskIndex: i } } as const,
      ]),
    ),
  );
