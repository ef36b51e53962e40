/**
 * The OT proxy's σ and β swept for SAC+OT (Le & Ta, arXiv 2309.15603 publish neither; they mention
 * β ∈ {2, 5}): σ on a log grid × β, every setting over the same seeds, and the setting with the
 * largest area under the learning curve (mean return over training, averaged over seeds) picked.
 *
 *   (σ, β) × seed ──SAC+OT on the maze (proxy at update time)──▶ learning curve ──▶ AUC
 *   ──▶ table of AUC and final return per setting (± 95% CI over seeds), the best setting
 *
 * The default budget is small (labelled reduced): a sweep is a search, its winner is then run by
 * `ot-mazes --set ot.sigma=… --set ot.beta=…` at the full budget and seeds.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, from, map, mergeMap, toArray } from 'rxjs';
import {
  NonEmptyString,
  OtMazeOtParams,
  OtMazeSacParams,
  PositiveInt,
  PositiveNumber,
  areaUnderCurve,
  binnedCurve,
  definePipeline,
  distilleryError,
  finalReturn,
  getEnv,
  nonEmptyArray,
  result,
  summarize,
  table,
  trainOtMaze,
  withDefault,
  type OtMazeRun,
} from 'distillery';

const Params = t.type({
  env: withDefault(NonEmptyString, 'grid/zigzag', 'the grid maze'),
  sigmas: withDefault(nonEmptyArray(PositiveNumber), [0.003, 0.01, 0.03, 0.1], 'σ values (a log grid: ×√10 apart)'),
  betas: withDefault(nonEmptyArray(PositiveNumber), [2, 5], 'β values (the paper mentions 2 and 5)'),
  seeds: withDefault(PositiveInt, 2, 'training seeds per setting (reduced: a search, not a measurement)'),
  workers: withDefault(PositiveInt, 2),
  stepsPerTask: withDefault(PositiveInt, 1500, 'environment steps per task (reduced: a search budget)'),
  maxEpisodeSteps: withDefault(PositiveInt, 100),
  sac: OtMazeSacParams,
  ot: OtMazeOtParams,
  points: withDefault(PositiveInt, 20, 'points of the learning curve the AUC is taken over'),
});
type Params = t.TypeOf<typeof Params>;

interface Finished {
  readonly sigma: number;
  readonly beta: number;
  readonly seed: number;
  readonly run: OtMazeRun;
}

export default definePipeline({
  name: 'ot-sweep',
  description: 'SAC+OT on a grid maze over σ (log grid) × β: area under the learning curve per setting, the best setting picked',
  params: Params,
  validate: (p) => {
    const f = getEnv(p.env);
    if (E.isLeft(f)) return f;
    if (!p.env.startsWith('grid/') || !('spec' in f.right)) return E.left(distilleryError('invalid-input', `env: ${p.env} is not a grid world (the OT-maze experiment needs grid cells)`));
    return E.right(undefined);
  },
  graph: (p, ctx) =>
    defer(() => {
      const numTasks = E.isRight(getEnv(p.env)) ? (getEnv(p.env) as E.Right<{ tasks: readonly string[] }>).right.tasks.length : 1;
      const budget = p.stepsPerTask * numTasks;
      const specs = p.sigmas.flatMap((sigma) =>
        p.betas.flatMap((beta) =>
          // The same job seed per seed index for every setting: same networks and start cells, only (σ, β) differ.
          Array.from({ length: p.seeds }, (_, seed) => ({ sigma, beta, seed, jobSeed: ctx.rng.split(`${p.env}/seed${seed}`).seed() })),
        ),
      );
      return from(specs).pipe(
        mergeMap(
          (s) =>
            trainOtMaze(ctx, {
              env: p.env,
              method: 'sac-ot',
              seed: s.seed,
              jobSeed: s.jobSeed,
              stepsPerTask: p.stepsPerTask,
              maxEpisodeSteps: p.maxEpisodeSteps,
              sac: p.sac,
              ot: { ...p.ot, sigma: s.sigma, beta: s.beta },
              label: `σ=${s.sigma} β=${s.beta}`,
              tags: { sigma: String(s.sigma), beta: String(s.beta), seed: String(s.seed) },
            }).pipe(map((run): Finished => ({ ...s, run }))),
          p.workers,
        ),
        toArray(),
        map((finished) => {
          const rows: (string | number | null)[][] = [];
          const settings: unknown[] = [];
          let best: { sigma: number; beta: number; auc: number } | null = null;
          for (const sigma of p.sigmas)
            for (const beta of p.betas) {
              const runs = finished.filter((f) => f.sigma === sigma && f.beta === beta).sort((a, b) => a.seed - b.seed);
              const auc = runs.map((r) => areaUnderCurve(binnedCurve(r.run, budget, p.points)));
              const final = runs.map((r) => finalReturn(r.run, budget));
              const a = summarize(auc);
              const f = summarize(final);
              settings.push({ sigma, beta, auc: { mean: a.mean, ci95: a.halfWidth, perSeed: auc }, final: { mean: f.mean, ci95: f.halfWidth, perSeed: final }, seeds: runs.length });
              rows.push([sigma, beta, r3(a.mean), r3(a.halfWidth), r3(f.mean), r3(f.halfWidth)]);
              if (best === null || a.mean > best.auc) best = { sigma, beta, auc: a.mean };
            }
          ctx.emit(result('settings', settings));
          ctx.emit(result('best', { ...best!, by: 'mean area under the learning curve over seeds', seeds: p.seeds, stepsPerTask: p.stepsPerTask }));
          ctx.emit(
            table(
              `OT sweep on ${p.env} (${p.seeds} seeds, ${p.stepsPerTask} env steps per task — a reduced search budget): area under the curve and final return, ± 95% t interval; best by AUC: σ = ${best!.sigma}, β = ${best!.beta}`,
              ['σ', 'β', 'AUC', '±', 'final', '±'],
              rows,
            ),
          );
          return finished;
        }),
      );
    }),
});

const r3 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
