/**
 * Learning curves from a run's metric events: one chart per metric name, one line per series
 * (the metric's tags other than `seed`), and where several seeds report the same series, their
 * mean with a band (95% Student-t interval over seeds at each step).
 *
 * What the old hand-drawn charts got wrong and these do not: lines are drawn above bands (each in
 * its own layer), the y-axis is fitted to the values the seeds reported (not to the interval,
 * which with two or three seeds can be ten times wider) and the bands are clipped to it, ticks
 * are vega's rounded ("nice") ticks, and the legend names each series with its number of seeds.
 */
import type { TopLevelSpec } from 'vega-lite';
import { mean, studentTQuantile, sampleStd } from '../metrics/statistics.ts';

/** One recorded metric value (a line of metrics.jsonl). */
export interface MetricPoint {
  readonly name: string;
  readonly step: number;
  readonly value: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** One point of one series of a curve: mean over seeds, interval when there are at least two. */
export interface CurveRow {
  readonly series: string;
  readonly step: number;
  readonly mean: number;
  readonly low: number | null;
  readonly high: number | null;
  readonly seeds: number;
}

export interface Curve {
  readonly name: string;
  /** Series label → number of seeds (distinct `seed` tags; 1 when the metric has none). */
  readonly series: ReadonlyMap<string, number>;
  readonly rows: readonly CurveRow[];
  /** The range of the values reported (every seed), which the chart's y-axis spans. */
  readonly min: number;
  readonly max: number;
}

/** At most this many points per series: longer series are averaged over equal step bins. */
export const MAX_POINTS = 400;

const seriesKey = (tags: Readonly<Record<string, string>> | undefined): string => {
  const parts = Object.entries(tags ?? {})
    .filter(([k]) => k !== 'seed')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (k === 'task' ? v : `${k}=${v}`));
  return parts.length ? parts.join(' ') : 'value';
};

/** The curves of every metric name, in first-seen order. Non-finite values are left out. */
export const buildCurves = (points: Iterable<MetricPoint>): Curve[] => {
  // name → series → seed → step → values (a seed may report a step twice: averaged)
  const byName = new Map<string, Map<string, Map<string, Map<number, number[]>>>>();
  for (const p of points) {
    if (!Number.isFinite(p.value) || !Number.isFinite(p.step)) continue;
    let bySeries = byName.get(p.name);
    if (!bySeries) byName.set(p.name, (bySeries = new Map()));
    const s = seriesKey(p.tags);
    let bySeed = bySeries.get(s);
    if (!bySeed) bySeries.set(s, (bySeed = new Map()));
    const seed = p.tags?.seed ?? '';
    let bySteps = bySeed.get(seed);
    if (!bySteps) bySeed.set(seed, (bySteps = new Map()));
    const at = bySteps.get(p.step);
    if (at) at.push(p.value);
    else bySteps.set(p.step, [p.value]);
  }
  const curves: Curve[] = [];
  for (const [name, bySeries] of byName) {
    const rows: CurveRow[] = [];
    const series = new Map<string, number>();
    let min = Infinity;
    let max = -Infinity;
    for (const [label, bySeed] of bySeries) {
      series.set(label, bySeed.size);
      const perSeed = [...bySeed.values()].map((steps) => binned(steps));
      const allSteps = [...new Set(perSeed.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
      for (const step of allSteps) {
        const values = perSeed.flatMap((m) => (m.has(step) ? [m.get(step)!] : []));
        for (const v of values) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        const m = mean(values);
        if (values.length >= 2) {
          const hw = (studentTQuantile(0.975, values.length - 1) * sampleStd(values)) / Math.sqrt(values.length);
          rows.push({ series: label, step, mean: m, low: m - hw, high: m + hw, seeds: values.length });
        } else rows.push({ series: label, step, mean: m, low: null, high: null, seeds: values.length });
      }
    }
    if (rows.length) curves.push({ name, series, rows, min, max });
  }
  return curves;
};

/**
 * One seed's values by step, averaged over at most MAX_POINTS equal-width step bins when there
 * are more steps than that (each bin at its centre step rounded to an integer, so seeds logging at
 * the same steps land on the same bins).
 */
const binned = (steps: Map<number, number[]>): Map<number, number> => {
  const sorted = [...steps.entries()].sort(([a], [b]) => a - b);
  const out = new Map<number, number>();
  if (sorted.length <= MAX_POINTS) {
    for (const [s, vs] of sorted) out.set(s, mean(vs));
    return out;
  }
  const first = sorted[0][0];
  const last = sorted[sorted.length - 1][0];
  const width = (last - first) / MAX_POINTS;
  let bin = -1;
  let sum = 0;
  let n = 0;
  const flush = () => {
    if (n) out.set(Math.round(first + (bin + 0.5) * width), sum / n);
    sum = n = 0;
  };
  for (const [s, vs] of sorted) {
    const b = Math.min(MAX_POINTS - 1, Math.floor((s - first) / width));
    if (b !== bin) {
      flush();
      bin = b;
    }
    for (const v of vs) {
      sum += v;
      n++;
    }
  }
  flush();
  return out;
};

const seedsLabel = (n: number): string => `${n} seed${n === 1 ? '' : 's'}`;

/** The Vega-Lite specification of one curve: a band layer under a line layer, colour by series. */
export const curveSpec = (curve: Curve, options: { width?: number; height?: number; xTitle?: string; xLog?: boolean } = {}): TopLevelSpec => {
  // series in name order: a task keeps its colour from chart to chart
  const labels = new Map([...curve.series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, n]) => [s, `${s} (${seedsLabel(n)})`]));
  const values = curve.rows.map((r) => ({ ...r, series: labels.get(r.series)! }));
  const pad = curve.max > curve.min ? 0.05 * (curve.max - curve.min) : Math.max(1e-9, Math.abs(curve.max) * 0.05 || 1);
  const domain = [curve.min - pad, curve.max + pad];
  const x = {
    field: 'step',
    type: 'quantitative' as const,
    title: options.xTitle ?? 'step',
    ...(options.xLog ? { scale: { type: 'log' as const, base: 2 }, axis: { values: [...new Set(curve.rows.map((r) => r.step))].sort((p, q) => p - q) } } : { axis: { tickCount: 6 } }),
  };
  const color = { field: 'series', type: 'nominal' as const, title: null, sort: [...labels.values()], legend: { orient: 'bottom' as const, labelLimit: 400, symbolType: 'stroke' as const, symbolStrokeWidth: 2, symbolOpacity: 1 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: curve.name, anchor: 'start' },
    width: options.width ?? 440,
    height: options.height ?? 220,
    data: { values },
    layer: [
      // the band first: every line is drawn above every band
      ...(curve.rows.some((r) => r.low !== null)
        ? [
            {
              transform: [{ filter: 'datum.low != null' }],
              mark: { type: 'area' as const, opacity: 0.18, clip: true },
              encoding: {
                x,
                y: { field: 'low', type: 'quantitative' as const, scale: { domain, nice: false, zero: false } },
                y2: { field: 'high' },
                color,
              },
            },
          ]
        : []),
      {
        mark: { type: 'line' as const, strokeWidth: 1.6, clip: true, point: values.length <= 40 },
        encoding: {
          x,
          y: {
            field: 'mean',
            type: 'quantitative' as const,
            title: [...curve.series.values()].some((n) => n > 1) ? 'mean (band: 95% CI)' : 'value',
            scale: { domain, nice: false, zero: false },
            axis: { format: '~g', tickCount: 5 },
          },
          color,
        },
      },
    ],
    config: { font: 'sans-serif', view: { stroke: '#ddd' }, axis: { grid: true, gridColor: '#eee' } },
  };
};
