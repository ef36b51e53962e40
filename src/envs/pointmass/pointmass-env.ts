import { Rng } from '../../core/rng.ts';
import { box, boxOf, type Space } from '../../core/spaces.ts';
import { PositiveInt, PositiveNumber, withDefault } from '../../core/codecs.ts';
import { fail } from '../../core/errors.ts';
import * as t from 'io-ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, StepResult } from '../types.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import { T_MAZE, insideWall, packBoxes, sweepX, sweepY, type MazeGeometry, type MazeTask } from './maze.ts';

/**
 * Physics of the point mass, integrated with semi-implicit Euler (velocity first, then
 * position with the new velocity): v ← v + dt·(F/m − damping·v), p ← p + dt·v, F = action
 * clipped to [−1, 1]². Terminal speed per axis is 1/(m·damping) = 2 units/s, 0.2 per step.
 */
export const POINTMASS_PHYSICS = { dt: 0.1, mass: 0.5, damping: 1.0 } as const;

/** State vector: [x, y, vx, vy, step]. */
export const POINTMASS_STATE_DIM = 5;

const NonNegativeNumber = new t.Type<number, number, unknown>(
  'NonNegativeNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isFinite(u) && u >= 0 ? t.success(u) : t.failure(u, c, 'expected a non-negative number')),
  t.identity,
);

export const PointMassConfigCodec = strictConfig('pointmass/maze config', {
  /** Episodes are truncated here; there is no termination (the goal is not absorbing). */
  maxEpisodeSteps: withDefault(PositiveInt, 200),
  /** Reward per step is exp(−‖p − goal‖ / rewardScale). */
  rewardScale: withDefault(PositiveNumber, 2),
  /** Half-width of the uniform noise added to the start position on each axis. */
  startNoise: withDefault(NonNegativeNumber, 0.25),
});
export type PointMassConfig = t.TypeOf<typeof PointMassConfigCodec>;

/**
 * Dense reward in (0, 1]: exp(−distance to the goal / scale). The maze's goals lie beyond the
 * junction at the top of the shared corridor, so climbing the corridor raises every task's
 * reward, and the wrong branch lowers it below the start's.
 */
export const goalReward = (x: number, y: number, gx: number, gy: number, scale: number): number => {
  const dx = x - gx;
  const dy = y - gy;
  return Math.exp(-Math.sqrt(dx * dx + dy * dy) / scale);
};

const taskOf = (maze: MazeGeometry, id: string, task: string): MazeTask => {
  const found = maze.tasks.find((m) => m.name === task);
  if (!found) return fail('not-found', `${id}: unknown task "${task}" (tasks: ${maze.tasks.map((m) => m.name).join(', ')})`);
  return found;
};

export interface PointMassFamily extends MultiTaskEnv {
  readonly maze: MazeGeometry;
  mazeTask(task: string): MazeTask;
}

export const makePointMassFamily = (id: string, maze: MazeGeometry): PointMassFamily => {
  const decodeConfig = (config: EnvConfig | undefined): PointMassConfig => decodeConfigOrThrow(PointMassConfigCodec, config, `${id} config`);
  const { arena } = maze;
  const observationSpace = box([arena.xmin, arena.ymin, -Infinity, -Infinity], [arena.xmax, arena.ymax, Infinity, Infinity]);
  const family: PointMassFamily = {
    id,
    description: 'Continuous 2-D point mass in a T-maze: a shared corridor, then one branch per task; dense reward exp(−distance/scale), 200 steps',
    tasks: maze.tasks.map((m) => m.name),
    maze,
    mazeTask: (task) => taskOf(maze, id, task),
    actionSpace: boxOf(2, -1, 1),
    observationSpace: () => observationSpace,
    configCodec: asEnvConfigCodec(PointMassConfigCodec),
    reward: (task, config) => {
      const [gx, gy] = taskOf(maze, id, task).goal;
      const scale = decodeConfig(config).rewardScale;
      return (_s, _a, next) => goalReward(next[0], next[1], gx, gy, scale);
    },
    make: (task, config, seed) => new PointMassEnv(family, taskOf(maze, id, task), decodeConfig(config), observationSpace, seed),
  };
  return family;
};

export class PointMassEnv implements Env {
  readonly id: string;
  readonly task: string;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly stateDim = POINTMASS_STATE_DIM;
  private readonly walls: Float64Array;
  private readonly gx: number;
  private readonly gy: number;
  private readonly scale: number;
  private rng: Rng;
  private x = 0;
  private y = 0;
  private vx = 0;
  private vy = 0;
  private t = 0;

  constructor(
    readonly family: PointMassFamily,
    readonly mazeTask: MazeTask,
    readonly config: PointMassConfig,
    readonly observationSpace: Space,
    seed: number,
  ) {
    this.id = family.id;
    this.task = mazeTask.name;
    this.actionSpace = family.actionSpace;
    this.maxEpisodeSteps = config.maxEpisodeSteps;
    this.walls = packBoxes(family.maze.walls);
    [this.gx, this.gy] = mazeTask.goal;
    this.scale = config.rewardScale;
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const noise = this.config.startNoise;
    const [sx, sy] = this.family.maze.start;
    const { arena } = this.family.maze;
    // Clamped so that a large configured noise cannot start the mass outside the arena or in a wall.
    const x = Math.min(arena.xmax, Math.max(arena.xmin, sx + this.rng.range(-noise, noise)));
    const y = Math.min(arena.ymax, Math.max(arena.ymin, sy + this.rng.range(-noise, noise)));
    const blocked = insideWall(this.walls, x, y);
    this.x = blocked ? sx : x;
    this.y = blocked ? sy : y;
    this.vx = 0;
    this.vy = 0;
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    if (typeof action === 'number' || action.length !== 2)
      return fail('invalid-input', `${this.id}: action must be 2 numbers (a force in [−1, 1]²), got ${String(action)}`);
    let fx = action[0];
    let fy = action[1];
    if (fx !== fx || fy !== fy) return fail('invalid-input', `${this.id}: action is NaN`);
    fx = fx > 1 ? 1 : fx < -1 ? -1 : fx;
    fy = fy > 1 ? 1 : fy < -1 ? -1 : fy;
    const { dt, mass, damping } = POINTMASS_PHYSICS;
    const { arena } = this.family.maze;
    this.vx += dt * (fx / mass - damping * this.vx);
    this.vy += dt * (fy / mass - damping * this.vy);

    // Axis by axis: x first at the old height, then y at the new x. Motion into a face stops
    // on the face and loses that velocity component; the other component keeps sliding.
    const wantX = this.x + dt * this.vx;
    let nx = wantX < arena.xmin ? arena.xmin : wantX > arena.xmax ? arena.xmax : wantX;
    nx = sweepX(this.walls, this.x, this.y, nx);
    if (nx !== wantX) this.vx = 0;
    this.x = nx;
    const wantY = this.y + dt * this.vy;
    let ny = wantY < arena.ymin ? arena.ymin : wantY > arena.ymax ? arena.ymax : wantY;
    ny = sweepY(this.walls, this.x, this.y, ny);
    if (ny !== wantY) this.vy = 0;
    this.y = ny;

    this.t++;
    return {
      observation: this.observe(),
      reward: goalReward(this.x, this.y, this.gx, this.gy, this.scale),
      terminated: false,
      truncated: this.t >= this.maxEpisodeSteps,
    };
  }

  getState(): Float64Array {
    const s = new Float64Array(POINTMASS_STATE_DIM);
    s[0] = this.x;
    s[1] = this.y;
    s[2] = this.vx;
    s[3] = this.vy;
    s[4] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    const { arena } = this.family.maze;
    const [x, y, vx, vy, step] = state;
    if (
      state.length !== POINTMASS_STATE_DIM ||
      !Number.isFinite(vx) ||
      !Number.isFinite(vy) ||
      !Number.isInteger(step) ||
      step < 0 ||
      !(x >= arena.xmin && x <= arena.xmax && y >= arena.ymin && y <= arena.ymax) ||
      insideWall(this.walls, x, y)
    )
      fail('invalid-input', `${this.id}: setState expects [x, y, vx, vy, step] with (x, y) in the free space, got [${Array.from(state).join(', ')}]`);
    this.x = x;
    this.y = y;
    this.vx = vx;
    this.vy = vy;
    this.t = step;
  }

  observe(): Float32Array {
    const o = new Float32Array(4);
    o[0] = this.x;
    o[1] = this.y;
    o[2] = this.vx;
    o[3] = this.vy;
    return o;
  }
}

export const pointMassMaze = makePointMassFamily('pointmass/maze', T_MAZE);
