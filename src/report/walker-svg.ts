/**
 * A walker episode as an animated SVG: the seven capsules as round-capped strokes (a stroke of
 * width 2r with round caps is exactly a capsule's silhouette), moved by SMIL <animate> elements,
 * one key frame per drawn pose, with a camera that follows the torso along x and a ground with a
 * tick every metre so forward motion shows. Any browser plays it, also inside an <img>.
 */
import { esc, svgDocument } from './svg.ts';
import { POSE_VALUES, SEGMENT_VALUES, WALKER_GEOMETRY, segmentRadii, walkerPoses, type WalkerGeometry } from './walker-kinematics.ts';

export interface WalkerAnimationOptions {
  readonly title?: string;
  /** Draw every k-th pose (1: one frame per control step). The last pose is always drawn. */
  readonly every?: number;
  /** Seconds between consecutive input poses (dm_control's control step, 25 ms). */
  readonly dt?: number;
  readonly width?: number;
  readonly height?: number;
  /** Pixels per metre. */
  readonly scale?: number;
  readonly geometry?: WalkerGeometry;
}

/** Drawing order: the left leg behind the torso, the right leg in front (indices into the pose). */
const DRAW_ORDER = [4, 5, 6, 0, 1, 2, 3] as const;
const COLOR = ['#0072B2', '#D55E00', '#D55E00', '#D55E00', '#E69F00', '#E69F00', '#E69F00'];

/** Indices of the poses drawn: 0, k, 2k, … and the last one. */
export const frameIndices = (count: number, every = 1): number[] => {
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`every must be a positive integer, got ${every}`);
  const out: number[] = [];
  for (let i = 0; i < count; i += every) out.push(i);
  if (count > 0 && out[out.length - 1] !== count - 1) out.push(count - 1);
  return out;
};

const num = (v: number): string => String(Math.round(v * 10) / 10);

/** At most this many ground ticks, whatever the x positions. */
export const MAX_TICKS = 2000;

/** Metres between ground ticks for a ground `span` metres long: 1, or the power of ten that keeps the ticks ≤ MAX_TICKS. */
export const groundTickSpacing = (span: number): number => (span <= MAX_TICKS ? 1 : 10 ** Math.ceil(Math.log10(span / MAX_TICKS)));

/**
 * The animation of `count` poses (walkerPoses' layout: 28 values per pose). Key times follow the
 * poses' times, so subsampling with `every` keeps the real-time speed.
 */
export const walkerAnimationSvg = (poses: Float64Array, count: number, options: WalkerAnimationOptions = {}): string => {
  if (count < 1 || poses.length < count * POSE_VALUES) throw new RangeError(`walkerAnimationSvg: need ${count} poses of ${POSE_VALUES} values, got ${poses.length} values`);
  const W = options.width ?? 640;
  const H = options.height ?? 360;
  const scale = options.scale ?? 110;
  const dt = options.dt ?? 0.025;
  const radii = segmentRadii(options.geometry ?? WALKER_GEOMETRY);
  const frames = frameIndices(count, options.every ?? 1);
  const groundY = H - 40;
  const px = (x: number) => scale * x;
  const py = (z: number) => groundY - scale * z;
  // Camera: the torso's centre (midpoint of its segment) at the middle of the picture.
  const camera = (i: number) => W / 2 - px((poses[i * POSE_VALUES] + poses[i * POSE_VALUES + 2]) / 2);

  const duration = Math.max(dt, (count - 1) * dt);
  const lastTime = count - 1 || 1;
  // Uniformly spaced frames need no key times (SMIL spaces values evenly); a shorter last gap does.
  const uniform = (count - 1) % (options.every ?? 1) === 0;
  const keyTimes = frames.length > 1 && !uniform ? ` keyTimes="${frames.map((i) => String(Math.round((i / lastTime) * 1e5) / 1e5)).join(';')}"` : '';
  const timing = `dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite"${keyTimes}`;
  const animate = (attribute: string, valueOf: (i: number) => string) =>
    frames.length > 1 ? `<animate attributeName="${attribute}" ${timing} values="${frames.map(valueOf).join(';')}"/>` : '';

  let minX = Infinity;
  let maxX = -Infinity;
  for (const i of frames) {
    for (let k = 0; k < POSE_VALUES; k++) {
      const v = poses[i * POSE_VALUES + k];
      if (!Number.isFinite(v)) throw new RangeError(`walkerAnimationSvg: pose ${i} has a non-finite coordinate (${v})`);
      if (k % 2 !== 0) continue;
      if (v < minX) minX = v;
      if (v > maxX) maxX = v;
    }
  }
  const margin = W / scale;
  // A tick every metre, or every 10^k metres when the walker covers more than MAX_TICKS metres
  // (only corrupt data does): the ground never has more than MAX_TICKS ticks.
  const spacing = groundTickSpacing(maxX - minX + 2 * margin);
  const tickFrom = Math.floor((minX - margin) / spacing);
  const tickTo = Math.ceil((maxX + margin) / spacing);
  const ground: string[] = [`<line x1="${num(px(tickFrom * spacing))}" x2="${num(px(tickTo * spacing))}" y1="${groundY}" y2="${groundY}" stroke="#555" stroke-width="2"/>`];
  for (let k = tickFrom; k <= tickTo; k++) {
    const m = k * spacing;
    ground.push(`<line x1="${num(px(m))}" x2="${num(px(m))}" y1="${groundY}" y2="${groundY + (k % 5 === 0 ? 12 : 6)}" stroke="#555"/>`);
    if (k % 5 === 0) ground.push(`<text x="${num(px(m))}" y="${groundY + 26}" text-anchor="middle" fill="#555">${m} m</text>`);
  }

  const limbs = DRAW_ORDER.map((s) => {
    const at = (i: number, k: number) => poses[i * POSE_VALUES + s * SEGMENT_VALUES + k];
    const first = frames[0];
    return (
      `<line x1="${num(px(at(first, 0)))}" y1="${num(py(at(first, 1)))}" x2="${num(px(at(first, 2)))}" y2="${num(py(at(first, 3)))}" ` +
      `stroke="${COLOR[s]}" stroke-width="${num(2 * radii[s] * scale)}" stroke-linecap="round">` +
      animate('x1', (i) => num(px(at(i, 0)))) +
      animate('y1', (i) => num(py(at(i, 1)))) +
      animate('x2', (i) => num(px(at(i, 2)))) +
      animate('y2', (i) => num(py(at(i, 3)))) +
      `</line>`
    );
  });

  const cameraMove =
    frames.length > 1 ? `<animateTransform attributeName="transform" type="translate" ${timing} values="${frames.map((i) => `${num(camera(i))} 0`).join(';')}"/>` : '';
  const clock =
    frames.length > 1 ? `<animate attributeName="width" dur="${Math.round(duration * 1000) / 1000}s" repeatCount="indefinite" values="0;${W}"/>` : '';
  return svgDocument(W, H, [
    `<g transform="translate(${num(camera(frames[0]))} 0)">${cameraMove}`,
    ...ground,
    ...limbs,
    `</g>`,
    `<rect x="0" y="${H - 4}" width="0" height="4" fill="#0072B2">${clock}</rect>`,
    `<text x="8" y="20" font-size="14">${esc(options.title ?? 'walker')}</text>`,
    `<text x="8" y="38" fill="#555">${frames.length} frames, ${num(duration)} s</text>`,
  ]);
};

/**
 * The animation of an episode's simulator states: `count` rows of `stride` values each, qpos
 * starting at `offset` in every row (a walker dataset's physics column: stride 29, offset 0).
 */
export const walkerEpisodeSvg = (states: ArrayLike<number>, count: number, stride: number, offset: number, options: WalkerAnimationOptions = {}): string =>
  walkerAnimationSvg(walkerPoses(states, count, stride, offset, options.geometry ?? WALKER_GEOMETRY), count, options);
