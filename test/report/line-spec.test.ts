import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineChartSpec, renderLineChart } from '../../src/report/line-spec.ts';

const chart = {
  title: 'returns',
  xLabel: 'neuron',
  yLabel: 'mean activation',
  series: [
    { label: 'left', x: [1, 2, 3], mean: [0.5, 0.6, 0.9], low: [-0.4, 0.2, 0.5], high: [1.4, 1.0, 1.3], seeds: 3 },
    { label: 'right', x: [1, 2, 3], mean: [0.2, Number.NaN, 0.1], seeds: 1 },
  ],
  yRange: [0, 1] as const,
};

test('line chart: bands clipped to the possible range, the y-axis fitted to the lines, legends with seeds, non-finite points left out', () => {
  const spec = lineChartSpec(chart) as unknown as { data: { values: { series: string; x: number; mean: number; low?: number; high?: number }[] }; layer: { mark: { type: string } ; encoding: { y: { scale: { domain: number[] } } } }[] };
  const rows = spec.data.values;
  assert.equal(rows.length, 5); // the NaN point is gone
  assert.deepEqual(rows.filter((r) => r.series === 'left (3 seeds)').map((r) => [r.low, r.high]), [[0, 1], [0.2, 1], [0.5, 1]]);
  assert.ok(rows.some((r) => r.series === 'right (1 seed)'));
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ['area', 'line']); // bands under lines
  const [lo, hi] = spec.layer[1].encoding.y.scale.domain;
  // the means span [0.1, 0.9]: 5% padding, within [0, 1]
  assert.ok(Math.abs(lo - 0.06) < 1e-12 && Math.abs(hi - 0.94) < 1e-12, `${lo} ${hi}`);
});

test('line chart: renders to SVG with the band before the lines', async () => {
  const svg = await renderLineChart(chart);
  assert.match(svg, /^<svg /);
  assert.ok(svg.indexOf('mark-area') > 0 && svg.indexOf('mark-line') > svg.indexOf('mark-area'));
  assert.match(svg, /left \(3 seeds\)/);
});
