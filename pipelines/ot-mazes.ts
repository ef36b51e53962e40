/**
 * SAC+OT (Le & Ta, arXiv 2309.15603) against Distral and independent SAC on the grid mazes:
 *
 *   per env × seed:  SAC per task; at every update the sampled batch's trajectories ⨯ a random recent
 *                    trajectory of another task ──Sinkhorn──▶ proxy σ·exp(−β·c_t) + env reward       (sac-ot)
 *                    SAC per task, no sharing                                                        (sac)
 *                    tabular Distral KL 1col (α = 1)                                                 (distral)
 *   ──▶ learning curves (mean return over tasks vs env steps, 95% CI over seeds), and per method the
 *       final return, area under the curve and env steps to a threshold; paired differences against
 *       sac (t and bootstrap intervals); rank correlation of the proxy heat map with path overlap.
 *
 * Budgets are laptop-scale parameters (labelled reduced); see the README section.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, from, map, mergeMap, toArray } from 'rxjs';
import {
  FiniteNumber,
  NonEmptyString,
  OtMazeDistralParams,
  OtMazeNeuralDistralParams,
  OtMazeOtParams,
  OtMazeSacParams,
  PositiveInt,
  areaUnderCurve,
  artifact,
  binnedCurve,
  bootstrapMeanInterval,
  buildCurves,
  curveBand,
  curveSpec,
  definePipeline,
  distilleryError,
  finalReturn,
  getEnv,
  renderGridHeatmap,
  kendallTau,
  log,
  nonEmptyArray,
  oneOf,
  pairedDifference,
  pooledCellMeans,
  renderVegaLiteSvg,
  result,
  stepsToThreshold,
  summarize,
  table,
  trainOtMaze,
  withDefault,
  type GridFamily,
  type MetricPoint,
  type OtMazeRun,
  type PipelineEvent,
  type Rng,
} from 'distillery';

const METHODS = ['sac-ot', 'distral', 'sac', 'distral-neural'] as const;
type Method = (typeof METHODS)[number];

const Params = t.type({
  envs: withDefault(nonEmptyArray(NonEmptyString), ['grid/zigzag', 'grid/separated'], 'grid mazes'),
  methods: withDefault(nonEmptyArray(oneOf(METHODS, 'method')), ['sac-ot', 'distral', 'sac'], "methods compared ('distral-neural': soft-Q Distral on SAC's networks and budget, not in the default list for time)"),
  seeds: withDefault(PositiveInt, 5, 'training seeds (every statistic is over seeds)'),
  workers: withDefault(PositiveInt, 2),
  stepsPerTask: withDefault(PositiveInt, 6000, 'environment steps per task, every method (reduced: the paper trains far longer)'),
  /**
   * Episode cap. 100, not the envs' 200: an episode that misses the goal costs half the budget,
   * and every start is within ~35 moves of every goal in both mazes.
   */
  maxEpisodeSteps: withDefault(PositiveInt, 100),
  sac: OtMazeSacParams,
  ot: OtMazeOtParams,
  distral: OtMazeDistralParams,
  distralNeural: OtMazeNeuralDistralParams,
  /** Points of the learning curves (the area under the curve is taken over them). */
  points: withDefault(PositiveInt, 20),
  /** Mean return over tasks counted as success for "env steps to threshold". */
  threshold: withDefault(FiniteNumber, 0.5),
  bootstrap: withDefault(PositiveInt, 10000, 'bootstrap resamples of the paired differences'),
});
type Params = t.TypeOf<typeof Params>;

interface Finished {
  readonly env: string;
  readonly method: Method;
  readonly seed: number;
  readonly run: OtMazeRun;
}

const gridFamily = (id: string): E.Either<ReturnType<typeof distilleryError>, GridFamily> => {
  const f = getEnv(id);
  if (E.isLeft(f)) return f;
  if (!('spec' in f.right) || !id.startsWith('grid/')) return E.left(distilleryError('invalid-input', `envs: ${id} is not a grid world (the OT-maze experiment needs grid cells)`));
  return E.right(f.right as GridFamily);
};

export default definePipeline({
  name: 'ot-mazes',
  description: 'SAC+OT vs Distral vs independent SAC on the grid mazes: curves, final returns, area under the curve, steps to threshold, paired differences, OT proxy heat maps',
  params: Params,
  validate: (p) => {
    for (const id of p.envs) {
      const f = gridFamily(id);
      if (E.isLeft(f)) return f;
      if (f.right.actionSpace.kind !== 'discrete') return E.left(distilleryError('invalid-input', `envs: ${id} has continuous actions`));
    }
    return E.right(undefined);
  },
  graph: (p, ctx) =>
    defer(() => {
      const specs = p.envs.flatMap((env) =>
        Array.from({ length: p.seeds }, (_, seed) => {
          // One seed per (env, seed) shared by the methods: same initial networks and start cells for sac and sac-ot.
          const jobSeed = ctx.rng.split(`${env}/seed${seed}`).seed();
          return p.methods.map((method) => ({ env, method, seed, jobSeed }));
        }).flat(),
      );
      // Longest first (SAC+OT on the env with most tasks), so the workers finish together.
      const cost = (s: (typeof specs)[number]) => (s.method === 'distral' ? 0 : s.method === 'sac-ot' ? 2 : 1) * tasksOf(s.env);
      // (distral-neural costs about what sac does: one network update per task update)
      specs.sort((a, b) => cost(b) - cost(a));
      const started = Date.now();
      return from(specs).pipe(
        mergeMap(
          (s) =>
            trainOtMaze(ctx, { ...s, stepsPerTask: p.stepsPerTask, maxEpisodeSteps: p.maxEpisodeSteps, sac: p.sac, ot: p.ot, distral: p.distral, distralNeural: p.distralNeural, label: s.method, tags: { env: s.env, method: s.method, seed: String(s.seed) } }).pipe(
              map((run): Finished => ({ ...s, run })),
            ),
          p.workers,
        ),
        toArray(),
        mergeMap(async (finished) => {
          for (const e of await report(p, finished, ctx.runDir, ctx.rng, (Date.now() - started) / 1000)) ctx.emit(e);
          return finished;
        }),
      );
    }),
});

const tasksOf = (env: string): number => (E.isRight(gridFamily(env)) ? (gridFamily(env) as E.Right<GridFamily>).right.tasks.length : 1);

const fmt3 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

/** Mean with its 95% t interval over seeds, and the per-seed values. */
const overSeeds = (xs: readonly number[]) => {
  const s = summarize(xs);
  return { mean: s.mean, ci95: s.halfWidth, low: s.low, high: s.high, seeds: xs.length, perSeed: xs };
};

/** Kendall τ-b between the proxy per cell and the path overlap, over the cells the proxy reached. */
const overlapTau = (proxy: ArrayLike<number>, overlap: ArrayLike<number>): number => {
  const x: number[] = [];
  const y: number[] = [];
  for (let c = 0; c < proxy.length; c++)
    if (Number.isFinite(proxy[c])) {
      x.push(proxy[c]);
      y.push(overlap[c]);
    }
  return kendallTau(x, y, { variant: 'b' });
};

const report = async (p: Params, finished: readonly Finished[], runDir: string, rng: Rng, seconds: number): Promise<PipelineEvent[]> => {
  const events: PipelineEvent[] = [];
  const rows: (string | number | null)[][] = [];
  const pairedRows: (string | number | null)[][] = [];
  for (const env of p.envs) {
    const family = gridFamily(env);
    if (E.isLeft(family)) continue;
    const numTasks = family.right.tasks.length;
    const budget = p.stepsPerTask * numTasks;
    const points: MetricPoint[] = [];
    const perMethod = new Map<string, { seeds: number[]; final: number[]; auc: number[] }>();
    const curveName = `${env}: mean env return over ${numTasks} tasks (band: 95% CI)`;
    for (const method of p.methods) {
      const runs = finished.filter((f) => f.env === env && f.method === method).sort((a, b) => a.seed - b.seed);
      if (runs.length === 0) continue;
      const curves = runs.map((r) => binnedCurve(r.run, budget, p.points));
      runs.forEach((r, k) => curves[k].x.forEach((x, i) => points.push({ name: curveName, step: x, value: curves[k].y[i], tags: { method, seed: String(r.seed) } })));
      const band = curveBand(curves);
      const final = runs.map((r) => finalReturn(r.run, budget));
      const auc = curves.map(areaUnderCurve);
      const reach = curves.map((c) => stepsToThreshold(c, p.threshold));
      const reached = reach.filter((x): x is number => x !== null);
      const meanSteps = reached.length ? reached.reduce((a, b) => a + b, 0) / reached.length : null;
      perMethod.set(method, { seeds: runs.map((r) => r.seed), final, auc });
      const f = overSeeds(final);
      const a = overSeeds(auc);
      events.push(
        result(`final.${env}.${method}`, f),
        result(`auc.${env}.${method}`, a),
        result(`threshold.${env}.${method}`, { threshold: p.threshold, reachedBy: reached.length, seeds: runs.length, meanSteps, perSeed: reach }),
        result(`curve.${env}.${method}`, { steps: band.x, mean: band.mean, low: band.low, high: band.high }),
      );
      rows.push([env, method, fmt3(f.mean), fmt3(f.ci95), fmt3(a.mean), fmt3(a.ci95), `${reached.length}/${runs.length}`, meanSteps === null ? null : Math.round(meanSteps), fmt3(runs.reduce((s, r) => s + r.run.seconds, 0) / runs.length)]);
    }
    // Every method shares each seed with sac (same env seed; sac-ot also the same networks): compare seed by seed.
    const base = perMethod.get('sac');
    for (const [method, m] of perMethod) {
      if (method === 'sac' || !base || m.seeds.length !== base.seeds.length || !m.seeds.every((s, i) => s === base.seeds[i])) continue;
      for (const stat of ['final', 'auc'] as const) {
        const d = pairedDifference(m[stat], base[stat]);
        const diffs = m[stat].map((x, i) => x - base[stat][i]);
        const boot = bootstrapMeanInterval(diffs, rng.split(`bootstrap/${env}/${method}/${stat}`), { resamples: p.bootstrap });
        events.push(
          result(`paired.${env}.${method}-minus-sac.${stat}`, { mean: d.mean, tLow: d.low, tHigh: d.high, bootstrapLow: boot.low, bootstrapHigh: boot.high, resamples: boot.resamples, seeds: d.n, wins: d.wins, perSeed: diffs }),
        );
        pairedRows.push([env, `${method} − sac`, stat, fmt3(d.mean), fmt3(d.low), fmt3(d.high), fmt3(boot.low), fmt3(boot.high), `${d.wins}/${d.n}`]);
      }
    }
    const curve = buildCurves(points)[0];
    if (curve) {
      const path = join(runDir, `curves-${env.replace('/', '-')}.svg`);
      writeFileSync(path, await renderVegaLiteSvg(curveSpec(curve)));
      events.push(artifact(path, 'figure', `learning curves on ${env}`));
    }
    const ot = finished.filter((f) => f.env === env && f.method === 'sac-ot' && f.run.proxyPerCell && f.run.proxyCount && f.run.pathOverlap).sort((a, b) => a.seed - b.seed);
    if (ot.length > 0) {
      const pooled = pooledCellMeans(ot.map((f) => ({ mean: f.run.proxyPerCell!, count: f.run.proxyCount! })));
      const overlap = ot[0].run.pathOverlap!;
      const layout = family.right.spec.layout;
      const labels = new Map(family.right.spec.goals.map((g) => [layout.marks.get(g.mark)!, g.mark] as const));
      const path = join(runDir, `ot-proxy-${env.replace('/', '-')}.svg`);
      writeFileSync(
        path,
        await renderGridHeatmap({
          title: `${env}: mean OT proxy reward per cell`,
          grid: ot[0].run.grid,
          values: pooled,
          labels,
          legend: 'mean OT proxy reward',
          caption: `all tasks, ${ot.length} seeds, σ = ${p.ot.sigma}, β = ${p.ot.beta}, proxy at ${p.ot.proxy}`,
        }),
      );
      events.push(artifact(path, 'figure', `OT proxy reward per cell on ${env}`));
      const cols = ot[0].run.grid.cols;
      const cells: Record<string, number> = {};
      const overlapCells: Record<string, number> = {};
      pooled.forEach((v, c) => {
        if (!Number.isFinite(v)) return;
        cells[`${Math.floor(c / cols)},${c % cols}`] = v;
        overlapCells[`${Math.floor(c / cols)},${c % cols}`] = overlap[c];
      });
      const perSeedTau = ot.map((f) => overlapTau(f.run.proxyPerCell!, overlap));
      const finiteTau = perSeedTau.filter(Number.isFinite);
      const solves = ot.reduce((s, f) => s + (f.run.otSolves ?? 0), 0);
      const unpaired = ot.reduce((s, f) => s + (f.run.otUnpaired ?? 0), 0);
      const unconverged = ot.reduce((s, f) => s + (f.run.otUnconverged ?? 0), 0);
      const tauPooled = overlapTau(pooled, overlap);
      events.push(
        result(`proxy.${env}`, {
          perCell: cells,
          pathOverlap: overlapCells,
          overlapKendallTau: { pooled: tauPooled, ...overSeeds(finiteTau), perSeed: perSeedTau },
          solves,
          unconverged,
          unpaired,
        }),
      );
      events.push(log(`${env}: Kendall τ-b of the proxy heat map with path overlap: ${fmt3(tauPooled)} pooled, ${fmt3(summarize(finiteTau).mean)} mean over ${finiteTau.length} seeds`));
      if (unconverged > 0) events.push(log(`${env}: ${unconverged} of ${solves} Sinkhorn solves stopped at ${p.ot.iterations} iterations before the 1e-9 marginal tolerance (as in OTR's recipe)`));
    }
  }
  events.push(
    table(
      `OT mazes: final mean return over tasks (last 10% of the steps) and area under the curve (mean return over training), ± 95% t interval over ${p.seeds} seeds; env steps until the curve reaches ${p.threshold}; job seconds`,
      ['env', 'method', 'final', '±', 'AUC', '±', 'reached', 'env steps', 'seconds/run'],
      rows,
    ),
    result('wallSeconds', seconds),
  );
  if (pairedRows.length > 0)
    events.push(
      table(
        `OT mazes: paired by seed against sac (95% t interval; 95% percentile bootstrap, ${p.bootstrap} resamples; wins)`,
        ['env', 'difference', 'statistic', 'mean', 't low', 't high', 'boot low', 'boot high', 'wins'],
        pairedRows,
      ),
    );
  return events;
};
