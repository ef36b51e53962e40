/**
 * SAC+OT (Le & Ta, arXiv 2309.15603) against Distral and independent SAC on the grid mazes:
 *
 *   per env × seed:  SAC per task ──trajectory ⨯ random recent trajectory of another task──▶
 *                    Sinkhorn ──▶ proxy reward σ·exp(−β·c_t) + env reward ──▶ task's replay buffer   (sac-ot)
 *                    SAC per task, no sharing                                                      (sac)
 *                    tabular Distral KL 1col (α = 1)                                               (distral)
 *   ──▶ learning curves (mean return over tasks vs env steps, 95% CI over seeds), final returns,
 *       env steps to a success threshold, heat map of the mean proxy reward per grid cell.
 *
 * Budgets are laptop-scale parameters (a few minutes on 2 cores); see the README section.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, from, map, mergeMap, toArray, type Observable } from 'rxjs';
import {
  FiniteNumber,
  LayerWidths,
  NonEmptyString,
  PositiveInt,
  PositiveNumber,
  Probability,
  artifact,
  binnedCurve,
  curveBand,
  definePipeline,
  distilleryError,
  finalReturn,
  getEnv,
  gridHeatmapSvg,
  lineChartSvg,
  log,
  nonEmptyArray,
  oneOf,
  otDistralJobRef,
  pairedDifference,
  pooledCellMeans,
  reportJob,
  result,
  runJob,
  section,
  stepsToThreshold,
  summarize,
  table,
  trainOtSacJobRef,
  withDefault,
  type GridFamily,
  type MultiTaskRun,
  type OtDistralInput,
  type PipelineContext,
  type PipelineEvent,
  type TrainOtSacInput,
  type TrainOtSacOutput,
} from 'distillery';

const METHODS = ['sac-ot', 'distral', 'sac'] as const;
type Method = (typeof METHODS)[number];

const Params = t.type({
  envs: withDefault(nonEmptyArray(NonEmptyString), ['grid/zigzag', 'grid/separated'], 'grid mazes'),
  methods: withDefault(nonEmptyArray(oneOf(METHODS, 'method')), [...METHODS], 'methods compared'),
  seeds: withDefault(PositiveInt, 3),
  workers: withDefault(PositiveInt, 2),
  /** Environment steps per task (every method, same budget). */
  stepsPerTask: withDefault(PositiveInt, 6000),
  /**
   * Episode cap. 100, not the envs' 200: an episode that misses the goal costs half the budget,
   * and every start is within ~35 moves of every goal in both mazes.
   */
  maxEpisodeSteps: withDefault(PositiveInt, 100),
  sac: section({
      hidden: withDefault(LayerWidths, [64]),
      lr: withDefault(PositiveNumber, 1e-3),
      batchSize: withDefault(PositiveInt, 64),
      gamma: withDefault(Probability, 0.99),
      tau: withDefault(Probability, 0.01),
      learningStarts: withDefault(PositiveInt, 500),
      /** Environment steps per SAC update (each update costs ~7–20 ms on WASM here). */
      updateEvery: withDefault(PositiveInt, 4),
      /**
       * Fixed temperature. Automatic tuning to 0.98·log|A| keeps the 8-move policy near uniform,
       * and to 0.3·log|A| it collapsed to never reaching a goal in our trial; a fixed α = 0.005
       * (entropy bonus ≈ the step cost at log 8) learned best of 0.005/0.02 (one seed, zigzag).
       */
      alpha: withDefault(PositiveNumber, 0.005),
      autoEntropy: withDefault(t.boolean, false),
      targetEntropyRatio: withDefault(t.union([PositiveNumber, t.null]), null),
    }, 'discrete SAC per task'),
  ot: section({
      sigma: withDefault(PositiveNumber, 0.01),
      beta: withDefault(FiniteNumber, 5),
      epsilon: withDefault(PositiveNumber, 0.01),
      iterations: withDefault(PositiveInt, 100),
      normalize: withDefault(oneOf(['none', 'pair'] as const, 'normalize'), 'none'),
      recent: withDefault(PositiveInt, 10, 'recent trajectories kept per task as partner candidates'),
    }, 'the OT proxy reward (σ·exp(−β·c_t))'),
  distral: section({
      /** Inverse temperature: at β = 20 Distral needs ~150k steps on zigzag, at 100 ~90k (measured). */
      beta: withDefault(PositiveNumber, 100),
      gamma: withDefault(Probability, 0.99),
      lrQ: withDefault(PositiveNumber, 0.1),
      lrPi0: withDefault(PositiveNumber, 0.1),
    }, 'tabular Distral KL 1col'),
  /** Points of the learning curves. */
  points: withDefault(PositiveInt, 20),
  /** Mean return over tasks counted as success for "env steps to threshold". */
  threshold: withDefault(FiniteNumber, 0.5),
});
type Params = t.TypeOf<typeof Params>;

type JobSpec =
  | { readonly env: string; readonly method: 'sac-ot' | 'sac'; readonly seed: number; readonly input: TrainOtSacInput }
  | { readonly env: string; readonly method: 'distral'; readonly seed: number; readonly input: OtDistralInput };

interface Finished {
  readonly env: string;
  readonly method: Method;
  readonly seed: number;
  readonly run: MultiTaskRun & Partial<Pick<TrainOtSacOutput, 'proxyPerCell' | 'proxyCount' | 'otSolves' | 'otUnconverged' | 'otUnpaired'>>;
}

const gridFamily = (id: string): E.Either<ReturnType<typeof distilleryError>, GridFamily> => {
  const f = getEnv(id);
  if (E.isLeft(f)) return f;
  if (!('spec' in f.right) || !id.startsWith('grid/')) return E.left(distilleryError('invalid-input', `envs: ${id} is not a grid world (the OT-maze experiment needs grid cells)`));
  return E.right(f.right as GridFamily);
};

export default definePipeline({
  name: 'ot-mazes',
  description: 'SAC+OT vs Distral vs independent SAC on the grid mazes: curves, final returns, steps to threshold, OT proxy heat maps',
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
      const envConfig = { maxEpisodeSteps: p.maxEpisodeSteps };
      const specs: JobSpec[] = [];
      for (const env of p.envs)
        for (let seed = 0; seed < p.seeds; seed++) {
          // One seed per (env, seed) shared by the methods: same initial networks and start cells for sac and sac-ot.
          const s = ctx.rng.split(`${env}/seed${seed}`).seed();
          for (const method of p.methods)
            specs.push(
              method === 'distral'
                ? { env, method, seed, input: { envId: env, envConfig, tasks: [], stepsPerTask: p.stepsPerTask, ...p.distral, seed: s } }
                : {
                    env,
                    method,
                    seed,
                    input: {
                      envId: env,
                      envConfig,
                      tasks: [],
                      sharing: method === 'sac-ot' ? 'ot' : 'none',
                      stepsPerTask: p.stepsPerTask,
                      hyper: {
                        hidden: p.sac.hidden,
                        actorLr: p.sac.lr,
                        criticLr: p.sac.lr,
                        alphaLr: p.sac.lr,
                        batchSize: p.sac.batchSize,
                        gamma: p.sac.gamma,
                        tau: p.sac.tau,
                        learningStarts: p.sac.learningStarts,
                        bufferCapacity: Math.max(p.sac.learningStarts, p.stepsPerTask + p.maxEpisodeSteps),
                        initialAlpha: p.sac.alpha,
                        autoEntropy: p.sac.autoEntropy,
                      },
                      targetEntropyRatio: p.sac.targetEntropyRatio,
                      updateEvery: p.sac.updateEvery,
                      ot: p.ot,
                      seed: s,
                      backend: ctx.backend.preference,
                    },
                  },
            );
        }
      // Longest first (SAC on the env with most tasks), so the two workers finish together.
      const tasksOf = (env: string): number => E.getOrElse(() => ({ tasks: [] as readonly string[] }) as Pick<GridFamily, 'tasks'>)(gridFamily(env)).tasks.length;
      specs.sort((a, b) => (b.method === 'distral' ? 0 : tasksOf(b.env)) - (a.method === 'distral' ? 0 : tasksOf(a.env)));
      const started = Date.now();
      return from(specs).pipe(
        mergeMap((s) => trainRun(s, ctx).pipe(map((run): Finished => ({ env: s.env, method: s.method, seed: s.seed, run }))), p.workers),
        toArray(),
        map((finished) => {
          for (const e of report(p, finished, ctx.runDir, (Date.now() - started) / 1000)) ctx.emit(e);
          return finished;
        }),
      );
    }),
});

/** One method's multi-task run on one maze and seed (a worker job), its reports sent to the run. */
const trainRun = (s: JobSpec, ctx: PipelineContext): Observable<Finished['run']> => {
  const display = { id: `${s.env}/${s.method}/${s.seed}`, label: `${s.method} ${s.env} seed ${s.seed}`, tags: { env: s.env, method: s.method, seed: String(s.seed) } };
  return s.method === 'distral' ? runJob(otDistralJobRef, s.input, { thread: ctx.jobThread ?? 'worker' }).pipe(reportJob(ctx, display)) : runJob(trainOtSacJobRef, s.input, { thread: ctx.jobThread ?? 'worker' }).pipe(reportJob(ctx, display));
};

const fmt3 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

const report = (p: Params, finished: readonly Finished[], runDir: string, seconds: number): PipelineEvent[] => {
  const events: PipelineEvent[] = [];
  const rows: (string | number | null)[][] = [];
  const pairedRows: (string | number | null)[][] = [];
  for (const env of p.envs) {
    const family = gridFamily(env);
    if (E.isLeft(family)) continue;
    const numTasks = family.right.tasks.length;
    const budget = p.stepsPerTask * numTasks;
    const series = [];
    for (const method of p.methods) {
      const runs = finished.filter((f) => f.env === env && f.method === method).sort((a, b) => a.seed - b.seed);
      if (runs.length === 0) continue;
      const curves = runs.map((r) => binnedCurve(r.run, budget, p.points));
      const band = curveBand(curves);
      series.push({ label: method, x: band.x, mean: band.mean, low: band.low, high: band.high });
      const final = summarize(runs.map((r) => finalReturn(r.run, budget)));
      const reach = curves.map((c) => stepsToThreshold(c, p.threshold));
      const reached = reach.filter((x): x is number => x !== null);
      const meanSteps = reached.length ? reached.reduce((a, b) => a + b, 0) / reached.length : null;
      events.push(
        result(`final.${env}.${method}`, { mean: final.mean, std: final.std, ci95: final.halfWidth, seeds: runs.length, perSeed: runs.map((r) => finalReturn(r.run, budget)) }),
        result(`threshold.${env}.${method}`, { threshold: p.threshold, reachedBy: reached.length, seeds: runs.length, meanSteps, perSeed: reach }),
        result(`curve.${env}.${method}`, { steps: band.x, mean: band.mean, low: band.low, high: band.high }),
      );
      rows.push([env, method, fmt3(final.mean), fmt3(final.halfWidth), `${reached.length}/${runs.length}`, meanSteps === null ? null : Math.round(meanSteps), fmt3(runs.reduce((s, r) => s + r.run.seconds, 0) / runs.length)]);
    }
    // sac-ot and sac share each seed (same networks and start cells): compare them seed by seed.
    const finals = (method: string) =>
      finished.filter((f) => f.env === env && f.method === method).sort((a, b) => a.seed - b.seed).map((f) => ({ seed: f.seed, final: finalReturn(f.run, budget) }));
    const withOt = finals('sac-ot');
    const plain = finals('sac');
    if (withOt.length > 0 && withOt.length === plain.length && withOt.every((x, i) => x.seed === plain[i].seed)) {
      const d = pairedDifference(withOt.map((x) => x.final), plain.map((x) => x.final));
      events.push(result(`paired.${env}.sac-ot-minus-sac`, { mean: d.mean, ci95: d.halfWidth, low: d.low, high: d.high, seeds: d.n, otWins: d.wins }));
      pairedRows.push([env, fmt3(d.mean), fmt3(d.low), fmt3(d.high), `${d.wins}/${d.n}`]);
    }
    if (series.length > 0) {
      const path = join(runDir, `curves-${env.replace('/', '-')}.svg`);
      writeFileSync(
        path,
        lineChartSvg({
          title: `${env}: mean return over ${numTasks} tasks (training episodes, 95% CI over ${p.seeds} seeds)`,
          xLabel: 'environment steps (all tasks)',
          yLabel: 'return (env reward only)',
          series,
        }),
      );
      events.push(artifact(path, 'figure', `learning curves on ${env}`));
    }
    const ot = finished.filter((f) => f.env === env && f.method === 'sac-ot' && f.run.proxyPerCell && f.run.proxyCount);
    if (ot.length > 0) {
      const pooled = pooledCellMeans(ot.map((f) => ({ mean: f.run.proxyPerCell!, count: f.run.proxyCount! })));
      const layout = family.right.spec.layout;
      const labels = new Map(family.right.spec.goals.map((g) => [layout.marks.get(g.mark)!, g.mark] as const));
      const path = join(runDir, `ot-proxy-${env.replace('/', '-')}.svg`);
      writeFileSync(
        path,
        gridHeatmapSvg({
          title: `${env}: mean OT proxy reward per cell`,
          grid: ot[0].run.grid,
          values: pooled,
          labels,
          legend: `all tasks, ${ot.length} seeds, σ = ${p.ot.sigma}, β = ${p.ot.beta};`,
        }),
      );
      events.push(artifact(path, 'figure', `OT proxy reward per cell on ${env}`));
      const cols = ot[0].run.grid.cols;
      const cells: Record<string, number> = {};
      pooled.forEach((v, c) => Number.isFinite(v) && (cells[`${Math.floor(c / cols)},${c % cols}`] = v));
      const solves = ot.reduce((s, f) => s + (f.run.otSolves ?? 0), 0);
      const unpaired = ot.reduce((s, f) => s + (f.run.otUnpaired ?? 0), 0);
      const unconverged = ot.reduce((s, f) => s + (f.run.otUnconverged ?? 0), 0);
      events.push(result(`proxy.${env}`, { perCell: cells, solves, unconverged, unpaired }));
      if (unconverged > 0)
        events.push(log(`${env}: ${unconverged} of ${solves} Sinkhorn solves stopped at ${p.ot.iterations} iterations before the 1e-9 marginal tolerance (as in OTR's recipe)`));
    }
  }
  events.push(
    table(
      `OT mazes: final mean return over tasks (last 10% of the steps, ± 95% CI over ${p.seeds} seeds), env steps until the curve reaches ${p.threshold}, job seconds`,
      ['env', 'method', 'final return', '±', 'reached', 'env steps', 'seconds/run'],
      rows,
    ),
    result('wallSeconds', seconds),
  );
  if (pairedRows.length > 0)
    events.push(
      table(
        `OT mazes: final return of sac-ot minus sac, paired by seed (95% t interval over ${p.seeds} seeds; sac-ot wins)`,
        ['env', 'mean difference', 'low', 'high', 'sac-ot wins'],
        pairedRows,
      ),
    );
  return events;
};
