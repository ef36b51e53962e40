/**
 * Distral (Teh et al. 2017) on the two-room grid: every variant (KL 1col/2col, KL+ent 1col/2col)
 * and the baselines (multitask, 2col without KL, independent single-task learners), tabular soft
 * Q-learning, several seeds, a random start cell every episode.
 *
 *   grid/two-room tasks ──Distral learner (π_i regularized towards π0)──▶ returns per round
 *   ──▶ learning curves (95% CI over seeds), final returns, area under the curve, rounds to a
 *       threshold (counted per round), paired differences against the independent learners,
 *       π0 in the corridor
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, mergeMap, toArray } from 'rxjs';
import {
  FIVE_MOVES,
  FiniteNumber,
  PositiveInt,
  PositiveNumber,
  Probability,
  TWO_ROOM_LAYOUT,
  algos,
  artifact,
  bootstrapMeanInterval,
  buildCurves,
  curveSpec,
  definePipeline,
  distilleryError,
  gridPolicySvg,
  nonEmptyArray,
  oneOf,
  pairedDifference,
  renderVegaLiteSvg,
  result,
  summarize,
  table,
  trainTabularDistral,
  withDefault,
  type MetricPoint,
  type PipelineEvent,
  type Rng,
} from 'distillery';

const ENV = 'grid/two-room';
const TASKS = ['top-right', 'bottom-right', 'middle'] as const;
const PREVIOUS_ACTION_VARIANTS: readonly string[] = ['kl-1col', 'klent-1col'];

const Params = t.type({
  variants: withDefault(nonEmptyArray(oneOf(algos.DISTRAL_VARIANTS, 'DistralVariant')), [...algos.DISTRAL_VARIANTS], 'variants and baselines compared'),
  seeds: withDefault(PositiveInt, 5, 'training seeds (statistics are over seeds)'),
  /** Rounds per run; a round is one episode of every task. */
  rounds: withDefault(PositiveInt, 1500),
  /**
   * Inverse temperature. 20, not the re-implementation's 5: with α < 1 the soft value pays up to
   * (1/β)·log Σ_a π0(a|s)^α per step (0.16 for α = 0.5, 0.32 for α = 0 at β = 5 with 5 actions),
   * more than the −0.1 step cost, so at β = 5 the soft-optimal KL+ent and baseline policies never
   * reach the goal. At β = 20 every variant's bonus is below the step cost.
   */
  beta: withDefault(PositiveNumber, 20),
  gamma: withDefault(Probability, 0.999),
  /** Overrides every KL variant's α (null: the paper's 1 or 0.5). */
  alpha: withDefault(t.union([Probability, t.null]), null),
  lrQ: withDefault(PositiveNumber, 0.1),
  lrPi0: withDefault(PositiveNumber, 0.1),
  maxEpisodeSteps: withDefault(PositiveInt, 200),
  start: withDefault(oneOf(['start-room', 'anywhere', 'fixed'] as const, 'start'), 'start-room', "episode start: a random cell of S's room every episode (the paper samples the start), any free cell, or S"),
  pi0PreviousAction: withDefault(t.boolean, false, 'π0(a | s, previous action) for the 1col KL variants (the paper, Fig. 3 right); other variants are unchanged'),
  /** Rounds averaged into one point of the plotted curve and into the moving average of the threshold. */
  window: withDefault(PositiveInt, 50),
  /** Mean return (over tasks) counted as success: the first round at which the mean of the last `window` rounds reaches it. */
  threshold: withDefault(FiniteNumber, -1.5),
  bootstrap: withDefault(PositiveInt, 10000, 'bootstrap resamples of the paired differences'),
});
type Params = t.TypeOf<typeof Params>;

interface RunCurve {
  readonly variant: algos.DistralVariant;
  readonly seed: number;
  /** Mean return over tasks, one value per round. */
  readonly returns: Float64Array;
  readonly steps: Float64Array;
  readonly pi0?: Float64Array;
}

const usesPreviousAction = (p: Params, v: string) => p.pi0PreviousAction && PREVIOUS_ACTION_VARIANTS.includes(v);
const NO_KL: readonly string[] = algos.NO_KL_VARIANTS;

export default definePipeline({
  name: 'distral-two-room',
  description: 'Distral variants and baselines (independent learners included) on the two-room grid: curves, final returns, rounds to threshold, π0 in the corridor',
  params: Params,
  validate: (p) => {
    if (p.window > p.rounds) return E.left(distilleryError('invalid-input', `window (${p.window}) must not exceed rounds (${p.rounds})`));
    for (const v of p.variants) {
      const c = algos.decodeDistralConfig({ variant: v, beta: p.beta, gamma: p.gamma, alpha: NO_KL.includes(v) ? null : p.alpha, pi0PreviousAction: usesPreviousAction(p, v) });
      if (E.isLeft(c)) return c;
    }
    return E.right(undefined);
  },
  graph: (p, ctx) =>
    from(p.variants.flatMap((variant) => Array.from({ length: p.seeds }, (_, seed) => ({ variant, seed })))).pipe(
      concatMap(({ variant, seed }) =>
        trainTabularDistral(ctx, {
          variant,
          envId: ENV,
          tasks: TASKS,
          states: TWO_ROOM_LAYOUT.freeCells.length,
          actions: FIVE_MOVES.dr.length,
          rounds: p.rounds,
          maxEpisodeSteps: p.maxEpisodeSteps,
          beta: p.beta,
          gamma: p.gamma,
          alpha: p.alpha,
          lrQ: p.lrQ,
          lrPi0: p.lrPi0,
          window: p.window,
          start: p.start,
          pi0PreviousAction: usesPreviousAction(p, variant),
          // Every variant of one seed draws from the same streams (start cells, env, actions): common random numbers.
          rng: ctx.rng.split(`seed${seed}`),
          id: `${variant}/${seed}`,
          label: `${variant} seed ${seed}`,
          tags: { variant, seed: String(seed) },
        }).pipe(map((run): RunCurve => ({ variant, seed, ...run }))),
      ),
      toArray(),
      mergeMap(async (curves) => {
        for (const e of await report(p, curves, ctx.runDir, ctx.rng)) ctx.emit(e);
        return curves;
      }),
    ),
});

/** The first round (1-based) whose trailing `window`-round mean reaches the threshold, or null. */
const roundsToThreshold = (returns: Float64Array, window: number, threshold: number): number | null => {
  let s = 0;
  for (let r = 0; r < returns.length; r++) {
    s += returns[r];
    if (r >= window) s -= returns[r - window];
    if (r >= window - 1 && s / window >= threshold) return r + 1;
  }
  return null;
};

const overSeeds = (xs: readonly number[]) => {
  const s = summarize(xs);
  return { mean: s.mean, ci95: s.halfWidth, low: s.low, high: s.high, seeds: xs.length, perSeed: xs };
};

const r3 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

const report = async (p: Params, curves: readonly RunCurve[], runDir: string, rng: Rng): Promise<PipelineEvent[]> => {
  const events: PipelineEvent[] = [];
  const points = Math.floor(p.rounds / p.window);
  const rows: (string | number | null)[][] = [];
  const pairedRows: (string | number | null)[][] = [];
  const metricPoints: MetricPoint[] = [];
  const curveName = `Distral on ${ENV}: mean return over the 3 tasks vs round (${p.window}-round means; band: 95% CI over seeds)`;
  const perVariant = new Map<string, { seeds: number[]; final: number[]; auc: number[] }>();
  for (const variant of p.variants) {
    const runs = curves.filter((c) => c.variant === variant).sort((a, b) => a.seed - b.seed);
    for (const r of runs)
      for (let k = 0; k < points; k++) metricPoints.push({ name: curveName, step: (k + 1) * p.window, value: mean(r.returns.subarray(k * p.window, (k + 1) * p.window)), tags: { variant, seed: String(r.seed) } });
    const final = runs.map((r) => mean(r.returns.subarray(Math.floor(p.rounds * 0.9))));
    // Area under the per-round curve: the mean return over all rounds.
    const auc = runs.map((r) => mean(r.returns));
    const reach = runs.map((r) => roundsToThreshold(r.returns, p.window, p.threshold));
    const reached = reach.filter((x): x is number => x !== null);
    const steps = runs.flatMap((r, i) => (reach[i] === null ? [] : [r.steps[reach[i]! - 1]]));
    perVariant.set(variant, { seeds: runs.map((r) => r.seed), final, auc });
    const f = overSeeds(final);
    const a = overSeeds(auc);
    const rr = reached.length ? summarize(reached) : null;
    events.push(
      result(`final.${variant}`, f),
      result(`auc.${variant}`, a),
      result(`threshold.${variant}`, {
        threshold: p.threshold,
        window: p.window,
        reachedBy: reached.length,
        seeds: runs.length,
        meanRounds: rr ? rr.mean : null,
        roundsCi95: rr && Number.isFinite(rr.halfWidth) ? rr.halfWidth : null,
        meanSteps: steps.length ? mean(Float64Array.from(steps)) : null,
        perSeed: reach,
      }),
    );
    rows.push([variant, r3(f.mean), r3(f.ci95), r3(a.mean), r3(a.ci95), `${reached.length}/${runs.length}`, rr ? Math.round(rr.mean) : null, rr && Number.isFinite(rr.halfWidth) ? Math.round(rr.halfWidth) : null]);
  }
  // Every variant runs on the same seeds (same start cells): paired differences against the independent learners.
  const base = perVariant.get('independent');
  if (base)
    for (const [variant, v] of perVariant) {
      if (variant === 'independent' || v.seeds.length !== base.seeds.length || !v.seeds.every((s, i) => s === base.seeds[i])) continue;
      for (const stat of ['final', 'auc'] as const) {
        const d = pairedDifference(v[stat], base[stat]);
        const diffs = v[stat].map((x, i) => x - base[stat][i]);
        const boot = bootstrapMeanInterval(diffs, rng.split(`bootstrap/${variant}/${stat}`), { resamples: p.bootstrap });
        events.push(result(`paired.${variant}-minus-independent.${stat}`, { mean: d.mean, tLow: d.low, tHigh: d.high, bootstrapLow: boot.low, bootstrapHigh: boot.high, resamples: boot.resamples, seeds: d.n, wins: d.wins, perSeed: diffs }));
        pairedRows.push([`${variant} − independent`, stat, r3(d.mean), r3(d.low), r3(d.high), r3(boot.low), r3(boot.high), `${d.wins}/${d.n}`]);
      }
    }
  const curve = buildCurves(metricPoints)[0];
  if (curve) {
    const curvesPath = join(runDir, 'learning-curves.svg');
    writeFileSync(curvesPath, await renderVegaLiteSvg(curveSpec(curve, { width: 560, height: 280, xTitle: 'round' })));
    events.push(artifact(curvesPath, 'figure', 'learning curves'));
  }
  const labels = new Map<number, string>([[TWO_ROOM_LAYOUT.marks.get('S')!, 'S'], [TWO_ROOM_LAYOUT.marks.get('a')!, 'a'], [TWO_ROOM_LAYOUT.marks.get('b')!, 'b'], [TWO_ROOM_LAYOUT.marks.get('c')!, 'c']]);
  for (const c of curves.filter((x) => x.pi0 && x.seed === 0)) {
    const path = join(runDir, `pi0-${c.variant}.svg`);
    const given = usesPreviousAction(p, c.variant) ? ' at an episode start (no previous action)' : '';
    writeFileSync(
      path,
      gridPolicySvg({ title: `π0 of ${c.variant} (seed 0) after ${p.rounds} rounds${given}`, grid: TWO_ROOM_LAYOUT, policy: c.pi0!, freeCells: TWO_ROOM_LAYOUT.freeCells, moves: FIVE_MOVES, labels }),
    );
    events.push(artifact(path, 'figure', `π0 of ${c.variant}`));
  }
  events.push(
    table(
      `Distral on ${ENV}: mean return over tasks in the last 10% of ${p.rounds} rounds and over all rounds (AUC), ± 95% t interval over ${p.seeds} seeds; first round whose ${p.window}-round trailing mean reaches ${p.threshold} (mean ± 95% CI over the seeds that reach it)`,
      ['variant', 'final', '±', 'AUC', '±', 'reached', 'rounds', '±'],
      rows,
    ),
  );
  if (pairedRows.length)
    events.push(table(`Distral on ${ENV}: paired by seed against independent learners (95% t interval; 95% percentile bootstrap, ${p.bootstrap} resamples; wins)`, ['difference', 'statistic', 'mean', 't low', 't high', 'boot low', 'boot high', 'wins'], pairedRows));
  return events;
};

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
};
