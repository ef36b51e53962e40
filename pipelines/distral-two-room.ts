/**
 * Distral (Teh et al. 2017) on the two-room grid: every variant (KL 1col/2col, KL+ent 1col/2col)
 * and the baselines (multitask, 2col without KL), tabular soft Q-learning, several seeds.
 *
 *   grid/two-room tasks ──Distral learner (π_i regularized towards π0)──▶ returns per round
 *   ──▶ learning curves (95% CI over seeds), final returns, rounds to a threshold, π0 in the corridor
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, toArray } from 'rxjs';
import {
  FIVE_MOVES,
  FiniteNumber,
  PositiveInt,
  PositiveNumber,
  Probability,
  TWO_ROOM_LAYOUT,
  algos,
  artifact,
  definePipeline,
  gridPolicySvg,
  lineChartSvg,
  nonEmptyArray,
  oneOf,
  result,
  summarize,
  table,
  trainTabularDistral,
  withDefault,
  type PipelineEvent,
} from 'distillery';

const ENV = 'grid/two-room';
const TASKS = ['top-right', 'bottom-right', 'middle'] as const;

const Params = t.type({
  variants: withDefault(nonEmptyArray(oneOf(algos.DISTRAL_VARIANTS, 'DistralVariant')), [...algos.DISTRAL_VARIANTS], 'variants and baselines compared'),
  seeds: withDefault(PositiveInt, 3),
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
  /** Rounds averaged into one point of the learning curve. */
  window: withDefault(PositiveInt, 50),
  /** Mean return (over tasks) counted as success for "rounds to threshold". */
  threshold: withDefault(FiniteNumber, -1.5),
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

export default definePipeline({
  name: 'distral-two-room',
  description: 'Distral variants and baselines on the two-room grid: curves, final returns, π0 in the corridor',
  params: Params,
  validate: (p) => {
    for (const v of p.variants) {
      const c = algos.decodeDistralConfig({ variant: v, beta: p.beta, gamma: p.gamma, alpha: v === 'multitask' || v === '2col-nokl' ? null : p.alpha });
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
          rng: ctx.rng.split(`${variant}/seed${seed}`),
          id: `${variant}/${seed}`,
          label: `${variant} seed ${seed}`,
          tags: { variant, seed: String(seed) },
        }).pipe(map((run): RunCurve => ({ variant, seed, ...run }))),
      ),
      toArray(),
      map((curves) => {
        for (const e of report(p, curves, ctx.runDir)) ctx.emit(e);
        return curves;
      }),
    ),
});

const report = (p: Params, curves: readonly RunCurve[], runDir: string): PipelineEvent[] => {
  const events: PipelineEvent[] = [];
  const points = Math.floor(p.rounds / p.window);
  const rows: (string | number | null)[][] = [];
  const series = p.variants.map((variant) => {
    const runs = curves.filter((c) => c.variant === variant);
    const windowed = runs.map((r) => Array.from({ length: points }, (_, k) => mean(r.returns.subarray(k * p.window, (k + 1) * p.window))));
    const stats = Array.from({ length: points }, (_, k) => summarize(windowed.map((w) => w[k])));
    const last = summarize(runs.map((r) => mean(r.returns.subarray(Math.floor(p.rounds * 0.9)))));
    const reach = runs.map((r, i) => {
      const k = windowed[i].findIndex((v) => v >= p.threshold);
      return k < 0 ? null : { rounds: (k + 1) * p.window, steps: r.steps[(k + 1) * p.window - 1] };
    });
    const reached = reach.filter((x): x is { rounds: number; steps: number } => x !== null);
    events.push(
      result(`final.${variant}`, { mean: last.mean, std: last.std, ci95: last.halfWidth, seeds: runs.length }),
      result(`threshold.${variant}`, { threshold: p.threshold, reachedBy: reached.length, meanRounds: reached.length ? mean(reached.map((x) => x.rounds)) : null, meanSteps: reached.length ? mean(reached.map((x) => x.steps)) : null }),
    );
    rows.push([variant, last.mean, last.halfWidth, `${reached.length}/${runs.length}`, reached.length ? mean(reached.map((x) => x.rounds)) : null, reached.length ? mean(reached.map((x) => x.steps)) : null]);
    return { label: variant, x: stats.map((_, k) => (k + 1) * p.window), mean: stats.map((s) => s.mean), low: stats.map((s) => (Number.isFinite(s.low) ? s.low : s.mean)), high: stats.map((s) => (Number.isFinite(s.high) ? s.high : s.mean)) };
  });
  const curvesPath = join(runDir, 'learning-curves.svg');
  writeFileSync(curvesPath, lineChartSvg({ title: `Distral on ${ENV}: mean return over the 3 tasks (95% CI over ${p.seeds} seeds)`, xLabel: 'round (one episode per task)', yLabel: 'return', series }));
  events.push(artifact(curvesPath, 'figure', 'learning curves'));
  const labels = new Map<number, string>([[TWO_ROOM_LAYOUT.marks.get('S')!, 'S'], [TWO_ROOM_LAYOUT.marks.get('a')!, 'a'], [TWO_ROOM_LAYOUT.marks.get('b')!, 'b'], [TWO_ROOM_LAYOUT.marks.get('c')!, 'c']]);
  for (const c of curves.filter((x) => x.pi0 && x.seed === 0)) {
    const path = join(runDir, `pi0-${c.variant}.svg`);
    writeFileSync(
      path,
      gridPolicySvg({ title: `π0 of ${c.variant} (seed 0) after ${p.rounds} rounds`, grid: TWO_ROOM_LAYOUT, policy: c.pi0!, freeCells: TWO_ROOM_LAYOUT.freeCells, moves: FIVE_MOVES, labels }),
    );
    events.push(artifact(path, 'figure', `π0 of ${c.variant}`));
  }
  events.push(
    table(
      `Distral on ${ENV}: mean return over tasks in the last 10% of ${p.rounds} rounds (± 95% CI over ${p.seeds} seeds); rounds/steps until the ${p.window}-round mean reaches ${p.threshold}`,
      ['variant', 'final return', '±', 'reached', 'rounds', 'env steps'],
      rows,
    ),
  );
  return events;
};

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
};
