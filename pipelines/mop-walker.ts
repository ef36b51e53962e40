/**
 * MOP on the DeepMind Control walker, stand + walk: the `mop` graph with walker defaults, plus what
 * only makes sense for the walker — every dataset's return next to the thesis' ones, and an
 * animation (SVG) of the student's first evaluation episode per task.
 *
 *   mop(walker, stand + walk) ─▶ datasets, teachers, student, evaluations      (pipelines/mop.ts)
 *        ─▶ datasets' returns vs published ─▶ student's evaluation episode 0 ─▶ student-<task>.svg
 *
 * Parameters are mop's (same names, same checks) with a laptop budget that runs in about a
 * quarter of an hour on 2 cores. The thesis' scale, for a machine with time:
 *
 *   distillery run mop-walker \
 *     --set behavior.steps=1000000 --set 'behavior.hidden=[1024,1024]' --set behavior.lr=0.0001 \
 *     --set behavior.batchSize=256 --set behavior.learningStarts=10000 --set behavior.evalEvery=10000 \
 *     --set data.episodes=1000 \
 *     --set teacher.steps=1000000 --set 'teacher.hidden=[256,256]' --set teacher.batchSize=1024 \
 *     --set teacher.lr=0.0001 --set teacher.gamma=0.99 --set teacher.tau=0.005 \
 *     --set student.steps=500000 --set 'student.hidden=[256,256]' --set student.batchSize=1024 --set student.lr=0.0001
 *
 * (1000 episodes of 1000 steps = the thesis' 1M transitions per dataset.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, mergeMap, toArray } from 'rxjs';
import {
  PositiveInt,
  WALKER_STATE_QPOS,
  artifact,
  datasetReturns,
  definePipeline,
  forEachSeed,
  distilleryError,
  result,
  section,
  table,
  walkerEpisodeSvg,
  withDefault,
  withDefaults,
  withEnv,
  type EvaluationResult,
  type PipelineContext,
} from 'distillery';
import { MopParams, mopGraph, reportOverSeeds, validateMop } from './mop.ts';

/**
 * Laptop budget, measured on a 2-core VM shared with other jobs (WASM backend): TD3 with 64×64
 * networks and one update per control step ran at ~73 steps/s alone and ~45 steps/s per worker
 * with both tasks in parallel (30k steps: 10.4 min); PBRL (5 critics + OOD samples) at ~6–11
 * updates/s per worker (3000 updates: 4.5 min); the whole run took 15.5 min. 30k TD3 steps reach
 * about the thesis' medium level on stand and a quarter of it on walk; 10 episodes = 10k
 * transitions per dataset. At 3000 updates PBRL teachers stay well below their data (its OOD
 * penalty schedule is made for far more updates); `--set teacher.algo=td3bc` reaches the data's level.
 * Only what differs from mop's defaults is written here.
 */
const WALKER_DEFAULTS = {
  env: 'walker',
  tasks: ['stand', 'walk'],
  envConfig: { maxEpisodeSteps: 1000 },
  behavior: { steps: 30_000, learningStarts: 2000, evalEvery: 2500, evalEpisodes: 2 },
  data: { episodes: 10 },
  teacher: { algo: 'pbrl' },
  student: { steps: 3000 },
  // one walker seed is already an hour-scale run on 2 cores
  seeds: 1,
};

/** Returns of the thesis' walker datasets (its Table 4.1; docs/facts.md). */
const PUBLISHED_RETURNS: Readonly<Record<string, { readonly medium: string; readonly expert: string }>> = {
  stand: { medium: '463', expert: '979' },
  walk: { medium: '691', expert: '907' },
  run: { medium: '≈ 410', expert: '≈ 840' },
};

const MopWalkerCodec = t.type({
  ...MopParams.props,
  animation: section({ every: withDefault(PositiveInt, 2, "draw every k-th control step of the student's evaluation episode (1: all 1000)") }, 'student animations'),
});
export const MopWalkerParams = withDefaults(MopWalkerCodec, WALKER_DEFAULTS);
export type MopWalkerParams = t.TypeOf<typeof MopWalkerCodec>;

export default definePipeline({
  name: 'mop-walker',
  description: 'MOP on the DeepMind Control walker (stand + walk): TD3 data → PBRL teachers → one student, returns vs the thesis, student animations',
  params: MopWalkerParams,
  validate: (p) =>
    p.env !== 'walker' ? E.left(distilleryError('invalid-input', `env: mop-walker runs on walker, not ${JSON.stringify(p.env)} (the mop pipeline takes any continuous env)`)) : validateMop(p),
  graph: (p, ctx) =>
    withEnv(p, (env) =>
      forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) =>
        mopGraph(p, env, seedCtx, { recordStudent: true, table: false }).pipe(
          mergeMap((run) => datasetsTable(run.tasks, seedCtx).pipe(map(() => run))),
          map((run) => {
            studentAnimations(run.evaluations, p, seedCtx);
            return run;
          }),
        ),
      ).pipe(map((runs) => reportOverSeeds(runs, p, ctx))),
    ),
});

/** Mean return of each dataset the behavior stage produced, next to the thesis' values. */
const datasetsTable = (tasks: readonly { readonly task: string; readonly datasets: Readonly<Record<string, string>> }[], ctx: PipelineContext) =>
  from(tasks).pipe(
    concatMap(({ task, datasets }) =>
      from(['medium', 'expert', 'medium-replay'].filter((kind) => kind in datasets)).pipe(
        concatMap((kind) =>
          datasetReturns([datasets[kind]], task).pipe(
            map((r) => {
              ctx.emit(result(`datasets.${task}.${kind}`, { path: datasets[kind], episodes: r.episodes, meanReturn: Number.isNaN(r.mean) ? null : r.mean }));
              return Number.isNaN(r.mean) ? null : r.mean;
            }),
          ),
        ),
        toArray(),
        map((means) => [task, ...means, PUBLISHED_RETURNS[task]?.medium ?? null, PUBLISHED_RETURNS[task]?.expert ?? null]),
      ),
    ),
    toArray(),
    map((rows) =>
      ctx.emit(
        table(
          'walker datasets: mean episode return (this run vs the thesis, whose datasets hold 1M transitions from TD3 trained to convergence)',
          ['task', 'medium', 'expert', 'medium-replay', 'thesis medium', 'thesis expert'],
          rows,
        ),
      ),
    ),
  );

/** Draws the student's recorded evaluation episode 0 of every task. */
const studentAnimations = (evaluations: readonly EvaluationResult[], p: MopWalkerParams, ctx: PipelineContext): void => {
  for (const { task, role, episode0 } of evaluations) {
    if (role !== 'student' || !episode0) continue;
    const path = join(ctx.runDir, `student-${task}.svg`);
    writeFileSync(
      path,
      walkerEpisodeSvg(episode0.states, episode0.steps + 1, episode0.stateDim, WALKER_STATE_QPOS, {
        title: `MOP student on walker ${task}: evaluation episode 0, return ${episode0.return.toFixed(1)} (seed ${ctx.seed})`,
        every: p.animation.every,
      }),
    );
    ctx.emit(result(`animation.${task}`, { path, return: episode0.return, steps: episode0.steps }));
    ctx.emit(artifact(path, 'figure', `student on ${task} (evaluation episode 0)`));
  }
};
