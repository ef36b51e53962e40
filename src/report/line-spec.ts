/**
 * Line charts given as series of points (what a pipeline computed itself, e.g. the mean activation
 * per neuron), as Vega-Lite rendered to SVG: the readability rules of the learning curves
 * (curves.ts) for any x. Bands (when given) are drawn under every line and clipped to the range
 * the values can take (`yRange`) and to the plot; the y-axis spans the lines, not the bands; ticks
 * are vega's rounded ones; the legend names each series and, when given, its number of seeds.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from './vega.ts';

export interface LineSeries {
  readonly label: string;
  readonly x: readonly number[];
  readonly mean: readonly number[];
  /** A band around the line (e.g. a 95% CI), same length as `mean`. */
  readonly low?: readonly number[];
  readonly high?: readonly number[];
  /** Seeds behind the line, said in the legend. */
  readonly seeds?: number;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** The values' possible range (returns in [0, 1]…): bands are clipped to it. */
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

const legendLabel = (s: LineSeries): string => (s.seeds === undefined ? s.label : `${s.label} (${s.seeds} seed${s.seeds === 1 ? '' : 's'})`);

export const lineChartSpec = (o: LineChart): TopLevelSpec => {
  const [lo, hi] = o.yRange ?? [-Infinity, Infinity];
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const values = o.series.flatMap((s) =>
    s.x.flatMap((x, i) =>
      Number.isFinite(x) && Number.isFinite(s.mean[i])
        ? [{ series: legendLabel(s), x, mean: s.mean[i], ...(s.low && s.high && Number.isFinite(s.low[i]) && Number.isFinite(s.high[i]) ? { low: clamp(s.low[i]), high: clamp(s.high[i]) } : {}) }]
        : [],
    ),
  );
  const means = values.map((v) => v.mean);
  const min = means.length ? Math.min(...means) : 0;
  const max = means.length ? Math.max(...means) : 1;
  const pad = max > min ? 0.05 * (max - min) : Math.abs(max) * 0.05 || 1;
  const domain = [Math.max(lo, min - pad), Math.min(hi, max + pad)];
  const x = { field: 'x', type: 'quantitative' as const, title: o.xLabel, axis: { tickCount: 6, format: '~g' } };
  const color = { field: 'series', type: 'nominal' as const, title: null, sort: o.series.map(legendLabel), legend: { orient: 'bottom' as const, labelLimit: 400, symbolType: 'stroke' as const, symbolStrokeWidth: 2, symbolOpacity: 1 } };
  const y = { type: 'quantitative' as const, scale: { domain, nice: false, zero: false } };
  const withBands = values.some((v) => 'low' in v);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, anchor: 'start' },
    width: o.width ?? 440,
    height: o.height ?? 220,
    data: { values },
    layer: [
      ...(withBands
        ? [{ transform: [{ filter: 'isValid(datum.low)' }], mark: { type: 'area' as const, opacity: 0.18, clip: true }, encoding: { x, y: { field: 'low', ...y }, y2: { field: 'high' }, color } }]
        : []),
      {
        mark: { type: 'line' as const, strokeWidth: 1.6, clip: true, point: values.length <= 40 },
        encoding: { x, y: { field: 'mean', ...y, title: o.yLabel, axis: { format: '~g', tickCount: 5 } }, color },
      },
    ],
    config: { font: 'sans-serif', view: { stroke: '#ddd' }, axis: { grid: true, gridColor: '#eee' } },
  };
};

/** The chart as an SVG document. */
export const renderLineChart = (o: LineChart): Promise<string> => renderVegaLiteSvg(lineChartSpec(o));
