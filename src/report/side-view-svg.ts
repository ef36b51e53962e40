/**
 * A classic-control episode seen from the side as an animated SVG: a fixed backdrop (track,
 * hill, pivot) and moving parts given per frame as line segments (poles, links) and dots
 * (carts, joints, tips), each moved by SMIL <animate> elements, one key frame per drawn step.
 * The caller turns the env's state into world coordinates (y up).
 */
import { esc, svgDocument } from './svg.ts';
import { frameIndices } from './walker-svg.ts';

export interface SideViewFrame {
  /** [x1, y1, x2, y2] per segment: the same number in every frame. */
  readonly lines: readonly (readonly [number, number, number, number])[];
  /** [x, y] per dot: the same number in every frame. */
  readonly dots: readonly (readonly [number, number])[];
}

export interface SideViewEpisode {
  readonly title: string;
  readonly bounds: { readonly xmin: number; readonly xmax: number; readonly ymin: number; readonly ymax: number };
  /** Fixed polylines (track, hill) in world coordinates. */
  readonly backdrop: readonly (readonly (readonly [number, number])[])[];
  /** Fixed labelled points (the flag). */
  readonly marks?: readonly { readonly x: number; readonly y: number; readonly label: string }[];
  /** One frame per state of the episode. */
  readonly frames: readonly SideViewFrame[];
  readonly dt: number;
  readonly every?: number;
  /** Stroke width of the segments, in pixels. */
  readonly lineWidth?: number;
  readonly width?: number;
}

const num = (v: number): string => String(Math.round(v * 10) / 10);
const COLORS = ['#D55E00', '#0072B2', '#009E73'];

export const sideViewEpisodeSvg = (o: SideViewEpisode): string => {
  const count = o.frames.length;
  if (count < 1) throw new RangeError('sideViewEpisodeSvg: no frames');
  const shape = (f: SideViewFrame) => `${f.lines.length}/${f.dots.length}`;
  for (const f of o.frames) {
    if (shape(f) !== shape(o.frames[0])) throw new RangeError(`sideViewEpisodeSvg: frames differ in their parts (${shape(f)} vs ${shape(o.frames[0])})`);
    for (const v of [...f.lines.flat(), ...f.dots.flat()]) if (!Number.isFinite(v)) throw new RangeError(`sideViewEpisodeSvg: a coordinate is not finite (${v})`);
  }
  const { xmin, xmax, ymin, ymax } = o.bounds;
  const W = o.width ?? 480;
  const margin = 12;
  const top = 48;
  const scale = (W - 2 * margin) / (xmax - xmin);
  const H = Math.round(top + (ymax - ymin) * scale + margin + 8);
  const px = (x: number) => margin + (x - xmin) * scale;
  const py = (y: number) => top + (ymax - y) * scale;
  const frames = frameIndices(count, o.every ?? 1);
  const duration = Math.max(o.dt, (count - 1) * o.dt);
  const uniform = (count - 1) % (o.every ?? 1) === 0;
  const keyTimes = frames.length > 1 && !uniform ? ` keyTimes="${frames.map((i) => String(Math.round((i / (count - 1)) * 1e5) / 1e5)).join(';')}"` : '';
  const timing = `dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite"${keyTimes}`;
  const animate = (attribute: string, valueOf: (i: number) => number) =>
    frames.length > 1 ? `<animate attributeName="${attribute}" ${timing} values="${frames.map((i) => num(valueOf(i))).join(';')}"/>` : '';
  const f0 = o.frames[frames[0]];
  const lw = o.lineWidth ?? 6;
  const lines = f0.lines.map((l, k) => {
    const at = (i: number, j: number) => o.frames[i].lines[k][j];
    return (
      `<line x1="${num(px(l[0]))}" y1="${num(py(l[1]))}" x2="${num(px(l[2]))}" y2="${num(py(l[3]))}" stroke="${COLORS[k % COLORS.length]}" stroke-width="${lw}" stroke-linecap="round">` +
      animate('x1', (i) => px(at(i, 0))) + animate('y1', (i) => py(at(i, 1))) + animate('x2', (i) => px(at(i, 2))) + animate('y2', (i) => py(at(i, 3))) +
      '</line>'
    );
  });
  const dots = f0.dots.map((d, k) => {
    const at = (i: number, j: number) => o.frames[i].dots[k][j];
    return `<circle cx="${num(px(d[0]))}" cy="${num(py(d[1]))}" r="${num(lw * 1.2)}" fill="#333">${animate('cx', (i) => px(at(i, 0)))}${animate('cy', (i) => py(at(i, 1)))}</circle>`;
  });
  return svgDocument(W, H, [
    `<text x="8" y="18" font-size="14">${esc(o.title)}</text>`,
    `<text x="8" y="36" fill="#555">${count - 1} steps, ${frames.length} frames, ${num(duration)} s</text>`,
    ...o.backdrop.map((pts) => `<polyline points="${pts.map(([x, y]) => `${num(px(x))},${num(py(y))}`).join(' ')}" fill="none" stroke="#777" stroke-width="2"/>`),
    ...(o.marks ?? []).map((m) => `<line x1="${num(px(m.x))}" y1="${num(py(m.y))}" x2="${num(px(m.x))}" y2="${num(py(m.y) - 24)}" stroke="#009E73" stroke-width="2"/><text x="${num(px(m.x) + 4)}" y="${num(py(m.y) - 14)}" fill="#009E73">${esc(m.label)}</text>`),
    ...lines,
    ...dots,
    frames.length > 1 ? `<rect x="0" y="${H - 4}" width="0" height="4" fill="#0072B2"><animate attributeName="width" dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite" values="0;${W}"/></rect>` : '',
  ]);
};
