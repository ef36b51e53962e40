/**
 * A value per grid cell as a Vega-Lite heat map rendered to SVG: free cells coloured by value
 * with a colour legend (ticks rounded) instead of a caption, walls dark, cells without a value
 * white, labels (goals, start) on their cells.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { GridGeometry } from './grid-map.ts';
import { renderVegaLiteSvg } from './vega.ts';

export interface GridHeatmap {
  readonly title: string;
  readonly grid: GridGeometry;
  /** One value per cell (row-major); NaN where there is none. */
  readonly values: ArrayLike<number>;
  readonly labels?: ReadonlyMap<number, string>;
  /** What the colour means (the legend's title), e.g. `mean OT proxy reward`. */
  readonly legend?: string;
  /** A line under the map (seeds, parameters). */
  readonly caption?: string;
}

const CELL = 32;

export const gridHeatmapSpec = (o: GridHeatmap): TopLevelSpec => {
  const { rows, cols, free } = o.grid;
  const cells = Array.from({ length: rows * cols }, (_, cell) => {
    const v = o.values[cell];
    return {
      row: Math.floor(cell / cols),
      col: cell % cols,
      kind: !free[cell] ? 'wall' : Number.isFinite(v) ? 'value' : 'none',
      value: free[cell] && Number.isFinite(v) ? v : null,
      label: o.labels?.get(cell) ?? null,
    };
  });
  const x = { field: 'col', type: 'ordinal' as const, axis: null, scale: { domain: Array.from({ length: cols }, (_, c) => c) } };
  const y = { field: 'row', type: 'ordinal' as const, axis: null, scale: { domain: Array.from({ length: rows }, (_, r) => r) } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, anchor: 'start', ...(o.caption ? { subtitle: o.caption } : {}) },
    width: cols * CELL,
    height: rows * CELL,
    data: { values: cells },
    layer: [
      { transform: [{ filter: "datum.kind === 'wall'" }], mark: { type: 'rect', color: '#333' }, encoding: { x, y } },
      { transform: [{ filter: "datum.kind === 'none'" }], mark: { type: 'rect', color: '#fff', stroke: '#ccc', strokeWidth: 0.5 }, encoding: { x, y } },
      {
        transform: [{ filter: "datum.kind === 'value'" }],
        mark: { type: 'rect', stroke: '#ccc', strokeWidth: 0.5 },
        encoding: {
          x,
          y,
          color: { field: 'value', type: 'quantitative', title: o.legend ?? 'value', scale: { scheme: 'blues' }, legend: { format: '~g', orient: 'right', gradientLength: Math.max(80, rows * CELL - 20) } },
          tooltip: [{ field: 'row' }, { field: 'col' }, { field: 'value', format: '.4g' }],
        },
      },
      { transform: [{ filter: 'datum.label != null' }], mark: { type: 'text', fontWeight: 'bold', color: '#c00', fontSize: 13 }, encoding: { x, y, text: { field: 'label' } } },
    ],
    config: { font: 'sans-serif', view: { stroke: null } },
  };
};

export const renderGridHeatmap = (o: GridHeatmap): Promise<string> => renderVegaLiteSvg(gridHeatmapSpec(o));
