import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridHeatmapSpec, renderGridHeatmap } from '../../src/report/grid-heatmap.ts';

const map = {
  title: 'proxy',
  grid: { rows: 2, cols: 3, free: Uint8Array.of(1, 0, 1, 1, 1, 1) },
  values: Float64Array.of(0.5, 9, Number.NaN, 1, 2, 3),
  labels: new Map([[5, 'g']]),
  legend: 'mean OT proxy reward',
  caption: '3 seeds',
};

test('grid heat map: walls, cells without a value and valued cells apart; the wall value is not shown; labels on their cells', () => {
  const spec = gridHeatmapSpec(map) as unknown as { data: { values: { row: number; col: number; kind: string; value: number | null; label: string | null }[] } };
  const cells = spec.data.values;
  assert.equal(cells.length, 6);
  assert.deepEqual(cells.map((c) => c.kind), ['value', 'wall', 'none', 'value', 'value', 'value']);
  assert.equal(cells[1].value, null); // 9 lies under a wall
  assert.deepEqual([cells[5].row, cells[5].col, cells[5].label], [1, 2, 'g']);
});

test('grid heat map: renders with a colour legend (not a caption scale) and one rect per cell', async () => {
  const svg = await renderGridHeatmap(map);
  assert.match(svg, /mean OT proxy reward/);
  assert.match(svg, /3 seeds/);
  assert.match(svg, /<linearGradient/); // the legend's gradient
  assert.equal((svg.match(/<path[^>]*role-mark|class="mark-rect/g) ?? []).length >= 3, true);
  assert.doesNotMatch(svg, /white .* → blue/);
});
