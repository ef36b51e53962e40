/**
 * A planar episode seen from above as an animated SVG: the map (walls, goals) drawn once, the
 * path the agent took as a faint line, and the agent as a dot moved by SMIL <animate> elements
 * (one key frame per drawn step, so any browser plays it, also inside an <img>), with a clock bar.
 * Grid worlds and the point-mass maze both draw through it; the caller gives plain geometry.
 */
import { esc, svgDocument } from './svg.ts';
import { frameIndices } from './walker-svg.ts';

/** An axis-aligned rectangle in world units. */
export interface WorldBox {
  readonly xmin: number;
  readonly xmax: number;
  readonly ymin: number;
  readonly ymax: number;
  readonly fill: string;
}

export interface WorldMarker {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** The task's own goal is drawn strong, the others faint. */
  readonly strong?: boolean;
}

export interface TopDownEpisode {
  readonly title: string;
  /** The world's extent (the picture's frame). */
  readonly bounds: { readonly xmin: number; readonly xmax: number; readonly ymin: number; readonly ymax: number };
  /** true: y grows upwards (the maze); false: downwards (grid rows). */
  readonly yUp: boolean;
  readonly boxes: readonly WorldBox[];
  readonly markers: readonly WorldMarker[];
  /** The agent's positions, one per state of the episode (steps + 1). */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Seconds per step in the animation. */
  readonly dt: number;
  /** Draw every k-th position (the last is always drawn). */
  readonly every?: number;
  /** Picture width in pixels (the height follows the world's aspect). */
  readonly width?: number;
}

const num = (v: number): string => String(Math.round(v * 10) / 10);

export const topDownEpisodeSvg = (o: TopDownEpisode): string => {
  const count = o.x.length;
  if (count < 1 || o.y.length !== count) throw new RangeError(`topDownEpisodeSvg: need as many x as y positions (${o.x.length} and ${o.y.length}), at least one`);
  for (let i = 0; i < count; i++)
    if (!Number.isFinite(o.x[i]) || !Number.isFinite(o.y[i])) throw new RangeError(`topDownEpisodeSvg: position ${i} is not finite (${o.x[i]}, ${o.y[i]})`);
  const { xmin, xmax, ymin, ymax } = o.bounds;
  const W = o.width ?? 480;
  const margin = 12;
  const top = 48; // title and caption
  const scale = (W - 2 * margin) / (xmax - xmin);
  const H = Math.round(top + (ymax - ymin) * scale + margin + 8);
  const px = (x: number) => margin + (x - xmin) * scale;
  const py = (y: number) => top + (o.yUp ? ymax - y : y - ymin) * scale;
  const rect = (b: { xmin: number; xmax: number; ymin: number; ymax: number }) => {
    const [y0, y1] = o.yUp ? [py(b.ymax), py(b.ymin)] : [py(b.ymin), py(b.ymax)];
    return `x="${num(px(b.xmin))}" y="${num(y0)}" width="${num((b.xmax - b.xmin) * scale)}" height="${num(y1 - y0)}"`;
  };
  const frames = frameIndices(count, o.every ?? 1);
  const duration = Math.max(o.dt, (count - 1) * o.dt);
  const uniform = (count - 1) % (o.every ?? 1) === 0;
  const keyTimes = frames.length > 1 && !uniform ? ` keyTimes="${frames.map((i) => String(Math.round((i / (count - 1)) * 1e5) / 1e5)).join(';')}"` : '';
  const timing = `dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite"${keyTimes}`;
  const animate = (attribute: string, valueOf: (i: number) => string) =>
    frames.length > 1 ? `<animate attributeName="${attribute}" ${timing} values="${frames.map(valueOf).join(';')}"/>` : '';
  const dot = Math.max(3, Math.min(10, scale * 0.25));
  const path = frames.map((i) => `${num(px(o.x[i]))},${num(py(o.y[i]))}`).join(' ');
  const first = frames[0];
  const last = count - 1;
  return svgDocument(W, H, [
    `<text x="8" y="18" font-size="14">${esc(o.title)}</text>`,
    `<text x="8" y="36" fill="#555">${count - 1} steps, ${frames.length} frames, ${num(duration)} s; ○ start, ● agent</text>`,
    `<rect ${rect(o.bounds)} fill="#fafafa" stroke="#999"/>`,
    ...o.boxes.map((b) => `<rect ${rect(b)} fill="${b.fill}"/>`),
    ...o.markers.map(
      (m) =>
        `<g opacity="${m.strong ? 1 : 0.45}"><circle cx="${num(px(m.x))}" cy="${num(py(m.y))}" r="${num(dot * 1.4)}" fill="none" stroke="#009E73" stroke-width="2"/>` +
        `<text x="${num(px(m.x))}" y="${num(py(m.y) - dot * 1.4 - 3)}" text-anchor="middle" fill="#009E73" font-weight="${m.strong ? 'bold' : 'normal'}">${esc(m.label)}</text></g>`,
    ),
    `<polyline points="${path}" fill="none" stroke="#0072B2" stroke-opacity="0.35" stroke-width="2" stroke-linejoin="round"/>`,
    `<circle cx="${num(px(o.x[first]))}" cy="${num(py(o.y[first]))}" r="${num(dot)}" fill="none" stroke="#0072B2" stroke-width="1.5"/>`,
    `<circle cx="${num(px(o.x[first]))}" cy="${num(py(o.y[first]))}" r="${num(dot)}" fill="#D55E00">${animate('cx', (i) => num(px(o.x[i])))}${animate('cy', (i) => num(py(o.y[i])))}</circle>`,
    frames.length > 1
      ? `<rect x="0" y="${H - 4}" width="0" height="4" fill="#0072B2"><animate attributeName="width" dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite" values="0;${W}"/></rect>`
      : `<circle cx="${num(px(o.x[last]))}" cy="${num(py(o.y[last]))}" r="${num(dot)}" fill="#D55E00"/>`,
  ]);
};
