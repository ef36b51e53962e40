import { esc, ramp, svgDocument } from './svg.ts';

/** A grid's geometry as plain data (row-major cells, 1 = free). */
export interface GridGeometry {
  readonly rows: number;
  readonly cols: number;
  readonly free: ArrayLike<number>;
}

const CELL = 36;

/**
 * A policy on a grid: each free cell shaded by the probability of its most likely action, with an
 * arrow along the expected move (Σ_a π(a|s)·(dr_a, dc_a)); a dot marks probability on standing still.
 */
export const gridPolicySvg = (o: {
  title: string;
  grid: GridGeometry;
  /** π(a | cell) for free cells, indexed [freeIndex * numActions + a]. */
  policy: ArrayLike<number>;
  freeCells: ArrayLike<number>;
  moves: { readonly dr: ArrayLike<number>; readonly dc: ArrayLike<number> };
  labels?: ReadonlyMap<number, string>;
}): string => {
  const { rows, cols } = o.grid;
  const A = o.moves.dr.length;
  const body: string[] = [`<text x="8" y="18" font-size="14">${esc(o.title)}</text>`];
  const x0 = (c: number) => c * CELL + 8;
  const y0 = (r: number) => r * CELL + 28;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      if (!o.grid.free[r * cols + c]) body.push(`<rect x="${x0(c)}" y="${y0(r)}" width="${CELL}" height="${CELL}" fill="#333"/>`);
  for (let i = 0; i < o.freeCells.length; i++) {
    const cell = o.freeCells[i];
    const r = Math.floor(cell / cols);
    const c = cell % cols;
    let best = 0;
    let dy = 0;
    let dx = 0;
    let stay = 0;
    for (let a = 0; a < A; a++) {
      const p = o.policy[i * A + a];
      best = Math.max(best, p);
      dy += p * o.moves.dr[a];
      dx += p * o.moves.dc[a];
      if (o.moves.dr[a] === 0 && o.moves.dc[a] === 0) stay += p;
    }
    const cx = x0(c) + CELL / 2;
    const cy = y0(r) + CELL / 2;
    body.push(`<rect x="${x0(c)}" y="${y0(r)}" width="${CELL}" height="${CELL}" fill="${ramp(best)}" stroke="#bbb" stroke-width="0.5"/>`);
    const len = Math.hypot(dx, dy);
    if (len > 1e-3) {
      const s = (CELL * 0.42) / Math.max(len, 1);
      body.push(`<line x1="${cx}" y1="${cy}" x2="${cx + dx * s}" y2="${cy + dy * s}" stroke="#000" stroke-width="${1 + 2 * len}" marker-end="url(#arrow)"/>`);
    }
    if (stay > 0.05) body.push(`<circle cx="${cx}" cy="${cy}" r="${2 + 6 * stay}" fill="none" stroke="#000"/>`);
    const label = o.labels?.get(cell);
    if (label) body.push(`<text x="${x0(c) + 3}" y="${y0(r) + 12}" font-weight="bold" fill="#c00">${esc(label)}</text>`);
  }
  body.unshift(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="4" markerHeight="4" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
  );
  body.push(`<text x="8" y="${rows * CELL + 46}">shade: probability of the most likely action; arrow: expected move; circle: no-op</text>`);
  return svgDocument(cols * CELL + 16, rows * CELL + 56, body);
};
