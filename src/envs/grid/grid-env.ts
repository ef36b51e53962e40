import * as t from 'io-ts';
import { Rng } from '../../core/rng.ts';
import { box, discrete, type Space } from '../../core/spaces.ts';
import { NonNegativeInt, PositiveInt, oneOf, withDefault } from '../../core/codecs.ts';
import { fail } from '../../core/errors.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, RewardFn, StepResult } from '../types.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import { markedCell, type GridLayout } from './layout.ts';
import { isMove, moveCell, type MoveSet } from './moves.ts';
import { distancesTo, shortestPathAction } from './bfs.ts';

/** A grid-world family: one layout, one move set, one goal per task, additive rewards. */
export interface GridWorldSpec {
  readonly id: string;
  readonly description: string;
  readonly layout: GridLayout;
  readonly moves: MoveSet;
  /** Tasks in order, each with the layout mark of its goal cell. */
  readonly goals: readonly { readonly task: string; readonly mark: string }[];
  /**
   * Reward of one step, summed: `step` always, `bump` when a move action leaves the agent where
   * it was (it walked into a wall), `goal` when the step ends on the task's goal, which also
   * terminates the episode. The goal step therefore pays goal + step.
   */
  readonly rewards: { readonly step: number; readonly bump: number; readonly goal: number };
  readonly defaultMaxEpisodeSteps: number;
  /**
   * `fixed`: every episode starts on the layout's `S`. `configurable`: the config's `start`
   * option decides, uniformly over the free non-goal cells by default, or a fixed [row, col].
   */
  readonly start: 'fixed' | 'configurable';
}

export type GridObservation = 'onehot' | 'xy';

export interface GridConfig {
  readonly observation: GridObservation;
  readonly maxEpisodeSteps: number;
  readonly start: 'random' | readonly [number, number];
}

/** State vector: [row, col, step]. */
export const GRID_STATE_DIM = 3;

/** Action from the `Action` union: an integer in [0, n), given as a number or the first value of an array. */
const actionIndex = (id: string, n: number, action: Action): number => {
  const a = typeof action === 'number' ? action : action[0];
  if (!Number.isInteger(a) || a < 0 || a >= n) return fail('invalid-input', `${id}: action must be an integer in [0, ${n}), got ${a}`);
  return a;
};

/** The family as a MultiTaskEnv plus what grid policies need (layout, moves, goals). */
export interface GridFamily extends MultiTaskEnv {
  readonly spec: GridWorldSpec;
  goalCell(task: string): number;
  /** BFS distances to the task's goal (cached; do not modify). */
  distances(task: string): Int32Array;
}

export const makeGridFamily = (spec: GridWorldSpec): GridFamily => {
  const { layout, moves } = spec;
  const goalCells = new Map(spec.goals.map((g) => [g.task, markedCell(layout, g.mark)]));
  const goalSet = new Set(goalCells.values());
  const distanceCache = new Map<string, Int32Array>();
  const tasks = spec.goals.map((g) => g.task);

  /** 'random', or a [row, col] free non-goal cell of this layout (one codec, so errors name `start`, not a union member). */
  const Start = new t.Type<GridConfig['start'], unknown, unknown>(
    'Start',
    (u): u is GridConfig['start'] => u === 'random' || (Array.isArray(u) && u.length === 2),
    (u, c) => {
      if (u === 'random') return t.success('random' as const);
      const pair = t.tuple([NonNegativeInt, NonNegativeInt]).validate(u, c);
      if (pair._tag === 'Left') return t.failure(u, c, 'expected "random" or a [row, col] pair of non-negative integers');
      const [r, col] = pair.right;
      if (r >= layout.rows || col >= layout.cols || !layout.free[r * layout.cols + col])
        return t.failure(u, c, `expected a free cell of the ${layout.rows}×${layout.cols} layout`);
      if (goalSet.has(r * layout.cols + col)) return t.failure(u, c, 'expected a cell that is not a goal');
      return t.success([r, col] as const);
    },
    t.identity,
  );
  const baseProps = {
    observation: withDefault(oneOf(['onehot', 'xy'] as const, 'observation'), 'onehot'),
    maxEpisodeSteps: withDefault(PositiveInt, spec.defaultMaxEpisodeSteps),
  };
  type Decoded = Omit<GridConfig, 'start'> & Partial<Pick<GridConfig, 'start'>>;
  const codec = (
    spec.start === 'configurable'
      ? strictConfig(`${spec.id} config`, {
          ...baseProps,
          start: withDefault(Start, 'random'),
        })
      : strictConfig(`${spec.id} config`, baseProps)
  ) as t.Type<Decoded, unknown, unknown>;
  const decodeConfig = (config: EnvConfig | undefined): GridConfig => {
    const c = decodeConfigOrThrow(codec, config, `${spec.id} config`);
    return { observation: c.observation, maxEpisodeSteps: c.maxEpisodeSteps, start: c.start ?? 'random' };
  };

  const goalOf = (task: string): number => {
    const g = goalCells.get(task);
    if (g === undefined) return fail('not-found', `${spec.id}: unknown task "${task}" (tasks: ${tasks.join(', ')})`);
    return g;
  };

  const startCells = (config: GridConfig): Int32Array => {
    if (spec.start === 'fixed') return Int32Array.of(markedCell(layout, 'S'));
    if (config.start !== 'random') return Int32Array.of(config.start[0] * layout.cols + config.start[1]);
    return layout.freeCells.filter((cell) => !goalSet.has(cell));
  };

  const spaceOf = (observation: GridObservation): Space =>
    observation === 'onehot'
      ? box(new Array<number>(layout.freeCells.length).fill(0), new Array<number>(layout.freeCells.length).fill(1))
      : box([0, 0], [layout.cols - 1, layout.rows - 1]);
  const observationSpace = (config: EnvConfig): Space => spaceOf(decodeConfig(config).observation);

  const rewardOfGoal = (goal: number): RewardFn => {
    const { step, bump, goal: goalReward } = spec.rewards;
    const cols = layout.cols;
    const n = moves.names.length;
    return (s, action, next) => {
      let r = step;
      if (bump !== 0 && s[0] === next[0] && s[1] === next[1] && isMove(moves, actionIndex(spec.id, n, action))) r += bump;
      if (next[0] * cols + next[1] === goal) r += goalReward;
      return r;
    };
  };

  const family: GridFamily = {
    id: spec.id,
    description: spec.description,
    tasks,
    spec,
    actionSpace: discrete(moves.names.length),
    observationSpace,
    configCodec: asEnvConfigCodec(codec),
    goalCell: goalOf,
    distances: (task) => {
      const goal = goalOf(task);
      let d = distanceCache.get(task);
      if (!d) {
        d = distancesTo(layout, moves, goal);
        distanceCache.set(task, d);
      }
      return d;
    },
    reward: (task, _config) => rewardOfGoal(goalOf(task)),
    make: (task, config, seed) => {
      const c = decodeConfig(config);
      return new GridEnv(family, task, goalOf(task), c, spaceOf(c.observation), startCells(c), rewardOfGoal(goalOf(task)), seed);
    },
  };
  return family;
};

/** One grid world bound to one task. */
export class GridEnv implements Env {
  readonly id: string;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly stateDim = GRID_STATE_DIM;
  readonly layout: GridLayout;
  readonly moves: MoveSet;
  private readonly onehot: boolean;
  private rng: Rng;
  private cell = 0;
  private t = 0;
  private readonly before = new Float64Array(GRID_STATE_DIM);
  private readonly after = new Float64Array(GRID_STATE_DIM);

  constructor(
    readonly family: GridFamily,
    readonly task: string,
    readonly goal: number,
    readonly config: GridConfig,
    readonly observationSpace: Space,
    private readonly startCells: Int32Array,
    private readonly rewardFn: RewardFn,
    seed: number,
  ) {
    this.id = family.id;
    this.layout = family.spec.layout;
    this.moves = family.spec.moves;
    this.actionSpace = family.actionSpace;
    this.maxEpisodeSteps = config.maxEpisodeSteps;
    this.onehot = config.observation === 'onehot';
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  /** Current cell (row * cols + col). */
  get position(): number {
    return this.cell;
  }

  get elapsedSteps(): number {
    return this.t;
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    this.cell = this.startCells.length === 1 ? this.startCells[0] : this.startCells[this.rng.int(this.startCells.length)];
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    const a = actionIndex(this.id, this.moves.names.length, action);
    this.writeState(this.before);
    this.cell = moveCell(this.layout, this.moves, this.cell, a);
    this.t++;
    this.writeState(this.after);
    const terminated = this.cell === this.goal;
    return {
      observation: this.observe(),
      reward: this.rewardFn(this.before, a, this.after),
      terminated,
      truncated: !terminated && this.t >= this.maxEpisodeSteps,
    };
  }

  /** The first action (in move order) on a shortest path to the goal, −1 at the goal. */
  shortestPathAction(): number {
    return shortestPathAction(this.layout, this.moves, this.family.distances(this.task), this.cell);
  }

  getState(): Float64Array {
    const s = new Float64Array(GRID_STATE_DIM);
    this.writeState(s);
    return s;
  }

  setState(state: Float64Array): void {
    const [r, c, step] = state;
    if (
      state.length !== GRID_STATE_DIM ||
      !Number.isInteger(r) ||
      !Number.isInteger(c) ||
      !Number.isInteger(step) ||
      step < 0 ||
      r < 0 ||
      c < 0 ||
      r >= this.layout.rows ||
      c >= this.layout.cols ||
      !this.layout.free[r * this.layout.cols + c]
    )
      fail('invalid-input', `${this.id}: setState expects [row, col, step] on a free cell, got [${Array.from(state).join(', ')}]`);
    this.cell = r * this.layout.cols + c;
    this.t = step;
  }

  observe(): Float32Array {
    const { cols } = this.layout;
    const r = Math.floor(this.cell / cols);
    if (!this.onehot) return Float32Array.of(this.cell - r * cols, r);
    const o = new Float32Array(this.layout.freeCells.length);
    o[this.layout.freeIndex[this.cell]] = 1;
    return o;
  }

  private writeState(s: Float64Array): void {
    const r = Math.floor(this.cell / this.layout.cols);
    s[0] = r;
    s[1] = this.cell - r * this.layout.cols;
    s[2] = this.t;
  }
}
