import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, errorOf, type DistilleryError } from '../../core/errors.ts';
import { openDatasetReader, type DatasetReader } from '../../data/index.ts';
import { getEnv } from '../../envs/registry.ts';
import type { GridFamily } from '../../envs/grid/grid-env.ts';
import type { PointMassFamily } from '../../envs/pointmass/pointmass-env.ts';
import { STATE_QPOS, WALKER_STATE_DIM } from '../../envs/walker/index.ts';
import { topDownEpisodeSvg, type WorldBox } from '../../report/top-down-svg.ts';
import { classicEpisodeSvg, classicStateDim } from './animate-classic.ts';
import { walkerEpisodeSvg } from '../../report/walker-svg.ts';
import { intFlag, parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

const USAGE = '<file.arrow> [--episode N] [--task T] [--every K] [--out file.svg]';

/** One episode's rows, in step order: the simulator state before each step, the last one after it. */
export interface EpisodeStates {
  readonly task: string;
  readonly episode: number;
  readonly steps: number;
  /** (steps + 1) rows of `dim` values. */
  readonly states: Float64Array;
  readonly dim: number;
  readonly return: number;
}

/** How one env family's episodes are drawn from their simulator states (the physics column). */
interface Drawer {
  /** What the physics column of this env holds per row. */
  readonly stateDim: number;
  readonly what: string;
  readonly draw: (ep: EpisodeStates, title: string, every: number) => string;
}

/** Grid worlds from above: walls, every task's goal (this episode's in bold), the agent moving cell to cell. State: [row, col, step]. */
const gridDrawer = (family: GridFamily): Drawer => {
  const { layout } = family.spec;
  const boxes: WorldBox[] = [];
  for (let r = 0; r < layout.rows; r++)
    for (let c = 0; c < layout.cols; c++) if (!layout.free[r * layout.cols + c]) boxes.push({ xmin: c, xmax: c + 1, ymin: r, ymax: r + 1, fill: '#444' });
  return {
    stateDim: 3,
    what: 'grid',
    draw: (ep, title, every) => {
      const n = ep.steps + 1;
      const cell = (k: number, i: number) => ep.states[k * ep.dim + i] + 0.5;
      const markers = family.tasks.map((task) => {
        const g = family.goalCell(task);
        return { x: (g % layout.cols) + 0.5, y: Math.floor(g / layout.cols) + 0.5, label: task, strong: task === ep.task };
      });
      return topDownEpisodeSvg({
        title,
        bounds: { xmin: 0, xmax: layout.cols, ymin: 0, ymax: layout.rows },
        yUp: false,
        boxes,
        markers,
        x: Float64Array.from({ length: n }, (_, k) => cell(k, 1)),
        y: Float64Array.from({ length: n }, (_, k) => cell(k, 0)),
        dt: 0.2,
        every,
        width: Math.min(640, 40 * layout.cols + 24),
      });
    },
  };
};

/** The point-mass maze from above: walls, goals, the particle's path. State: [x, y, vx, vy, t]. */
const pointMassDrawer = (family: PointMassFamily): Drawer => ({
  stateDim: 5,
  what: 'point mass',
  draw: (ep, title, every) => {
    const { maze } = family;
    const n = ep.steps + 1;
    return topDownEpisodeSvg({
      title,
      bounds: maze.arena,
      yUp: true,
      boxes: maze.walls.map((w) => ({ ...w, fill: '#444' })),
      markers: maze.tasks.map((t) => ({ x: t.goal[0], y: t.goal[1], label: t.name, strong: t.name === ep.task })),
      x: Float64Array.from({ length: n }, (_, k) => ep.states[k * ep.dim]),
      y: Float64Array.from({ length: n }, (_, k) => ep.states[k * ep.dim + 1]),
      dt: 0.1, // the env's control step
      every,
    });
  },
});

const walkerDrawer: Drawer = {
  stateDim: WALKER_STATE_DIM,
  what: 'walker',
  draw: (ep, title, every) => walkerEpisodeSvg(ep.states, ep.steps + 1, ep.dim, STATE_QPOS, { title, every }),
};

/** The drawer of a dataset's env, or why there is none. */
const drawerFor = (path: string, envId: string): E.Either<DistilleryError, Drawer> => {
  const env = getEnv(envId);
  if (envId === 'walker') return E.right(walkerDrawer);
  if (E.isRight(env) && envId.startsWith('grid/') && 'spec' in env.right) return E.right(gridDrawer(env.right as GridFamily));
  if (E.isRight(env) && envId.startsWith('pointmass/') && 'maze' in env.right) return E.right(pointMassDrawer(env.right as PointMassFamily));
  const classic = classicStateDim(envId);
  if (classic !== undefined)
    return E.right({ stateDim: classic, what: envId.replace(/^classic\//, ''), draw: (ep, title, every) => classicEpisodeSvg(envId, ep.states, ep.steps + 1, ep.dim, title, every) });
  return E.left(
    distilleryError('unsupported', `${path}: animate draws walker, grid, point-mass, cartpole, acrobot, mountain-car and pendulum datasets, not ${JSON.stringify(envId)}`),
  );
};

/**
 * Draws one episode of a dataset as an animated SVG from its physics column: a walker as a stick
 * figure, grid worlds and the point-mass maze from above, classic control from the side (one
 * frame per step, or every k-th).
 */
export const animateCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs(
    'animate',
    argv,
    { episode: { type: 'string' }, task: { type: 'string' }, every: { type: 'string' }, out: { type: 'string' } },
    { min: 1, max: 1, usage: USAGE },
  );
  if (E.isLeft(args)) return args;
  const v = args.right.values;
  const episode = intFlag('episode', v.episode);
  if (E.isLeft(episode)) return episode;
  const every = intFlag('every', v.every);
  if (E.isLeft(every)) return every;
  if (every.right === 0) return E.left(distilleryError('invalid-input', '--every: expected a positive integer, got "0"'));
  const file = args.right.positionals[0];
  const opened = await openDatasetReader(file)();
  if (E.isLeft(opened)) return opened;
  const reader = opened.right;
  let found: E.Either<DistilleryError, EpisodeStates>;
  const drawer = drawerFor(file, reader.metadata.envId);
  try {
    found = E.isLeft(drawer) ? drawer : await readEpisode(reader, drawer.right, typeof v.task === 'string' ? v.task : undefined, episode.right);
  } finally {
    await reader.close();
  }
  if (E.isLeft(found)) return found;
  if (E.isLeft(drawer)) return drawer;
  const ep = found.right;
  const what = drawer.right.what;
  const out = typeof v.out === 'string' ? v.out : `${basename(file).replace(/\.arrow$/, '')}-${ep.task}-episode${ep.episode}.svg`;
  let svg: string;
  try {
    svg = drawer.right.draw(ep, `${basename(file)}: ${what} ${ep.task}, episode ${ep.episode}, ${ep.steps} steps, return ${ep.return.toFixed(1)}`, every.right ?? 1);
  } catch (e) {
    return E.left(distilleryError('bad-file', `${file}: episode ${ep.episode} of task ${ep.task} cannot be drawn (${errorOf(e).message})`));
  }
  try {
    writeFileSync(out, svg);
  } catch (e) {
    return E.left(distilleryError('io', `--out ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? errorOf(e).message})`));
  }
  io.stdout.write(`wrote ${out} (${what} ${ep.task}, episode ${ep.episode}, ${ep.steps} steps, return ${ep.return.toFixed(2)})\n`);
  return E.right(0);
};

/**
 * The states of one episode of a dataset the drawer can draw: `task` (default: the first in the
 * file) and episode id `episode` (default: the task's first episode in the file).
 */
const readEpisode = async (reader: DatasetReader, drawer: Drawer, task: string | undefined, episode: number | undefined): Promise<E.Either<DistilleryError, EpisodeStates>> => {
  const bad = (m: string) => E.left(distilleryError('invalid-input', `${reader.path}: ${m}`));
  const { tasks } = reader.metadata;
  const dim = reader.shape.physicsDim;
  if (dim === undefined) return bad(`has no physics column (the simulator state the ${drawer.what} is drawn from); rollouts store it unless recordPhysics is false`);
  if (dim !== drawer.stateDim) return bad(`its physics column has ${dim} values per row; a ${drawer.what} state has ${drawer.stateDim}`);
  if (task !== undefined && !tasks.includes(task)) return E.left(distilleryError('not-found', `${reader.path}: no task "${task}" (tasks: ${tasks.join(', ')})`));

  let chosenTask = task;
  let chosenEpisode = episode;
  const steps: number[] = [];
  const before: Float64Array[] = [];
  const after: Float64Array[] = [];
  const rewards: number[] = [];
  const seen = new Set<number>();
  try {
    for await (const b of reader.batches()) {
      if (!b.physics) continue;
      if (chosenTask === undefined) chosenTask = b.task;
      if (b.task !== chosenTask) continue;
      for (let r = 0; r < b.size; r++) {
        seen.add(b.episode[r]);
        if (chosenEpisode === undefined) chosenEpisode = b.episode[r];
        if (b.episode[r] !== chosenEpisode) continue;
        steps.push(b.step[r]);
        before.push(b.physics.state.slice(r * dim, (r + 1) * dim));
        after.push(b.physics.nextState.slice(r * dim, (r + 1) * dim));
        rewards.push(b.reward[r]);
      }
    }
  } catch (e) {
    return E.left(errorOf(e));
  }
  if (chosenTask === undefined) return bad('has no rows');
  if (steps.length === 0) {
    const ids = [...seen].sort((a, b) => a - b);
    const range = ids.length === 0 ? 'none' : ids.length === ids[ids.length - 1] - ids[0] + 1 ? `${ids[0]}–${ids[ids.length - 1]}` : `${ids.length} ids from ${ids[0]} to ${ids[ids.length - 1]}`;
    return E.left(distilleryError('not-found', `${reader.path}: no episode ${chosenEpisode} of task ${chosenTask} (episodes: ${range})`));
  }
  const order = steps.map((_, i) => i).sort((a, b) => steps[a] - steps[b]);
  for (let i = 1; i < order.length; i++)
    if (steps[order[i]] === steps[order[i - 1]]) return bad(`episode ${chosenEpisode} of task ${chosenTask} has step ${steps[order[i]]} twice`);
  const n = order.length;
  const states = new Float64Array((n + 1) * dim);
  let total = 0;
  order.forEach((i, k) => {
    states.set(before[i], k * dim);
    total += rewards[i];
  });
  states.set(after[order[n - 1]], n * dim);
  // NaN or ±Infinity in a state cannot be drawn (and used to draw an SVG full of NaN).
  for (let i = 0; i < states.length; i++) {
    const x = states[i];
    if (x - x === 0) continue;
    const k = Math.floor(i / dim);
    const at = k < n ? `physics of step ${steps[order[k]]}` : `next_physics of step ${steps[order[n - 1]]}`;
    return bad(`episode ${chosenEpisode} of task ${chosenTask} has a non-finite simulator state (${at}, value ${i % dim}: ${x}); it cannot be drawn`);
  }
  return E.right({ task: chosenTask, episode: chosenEpisode!, steps: n, states, dim, return: total });
};
