/**
 * What the SAC(+OT) and Distral jobs of the OT-maze experiment return and how they set up the
 * grid tasks: the same record for every method, so the pipeline compares them on one axis
 * (environment steps over all tasks).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { JobContext } from '../core/job.ts';
import { progressEvery, ticker } from './common.ts';
import { TransitionBatchBuilder, type TransitionBatch } from '../core/batch.ts';
import type { Rng } from '../core/rng.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import { getEnv, prepareEnv, GridEnv, moveCell, shortestPathAction } from '../envs/index.ts';
import type { Env, EnvConfig, MultiTaskEnv } from '../envs/types.ts';

export type { MultiTaskRun } from '../metrics/learning-curves.ts';
import type { MultiTaskRun } from '../metrics/learning-curves.ts';

export interface GridTasks {
  readonly family: MultiTaskEnv;
  readonly tasks: readonly string[];
  readonly envs: readonly GridEnv[];
}

/** One env per task (all of the family's when `tasks` is empty), each seeded by `seedOf(task)`. */
export const makeGridTasks = async (envId: string, tasks: readonly string[], config: EnvConfig, seedOf: (task: string) => number): Promise<GridTasks> => {
  const found = getEnv(envId);
  if (E.isLeft(found)) throw new DistilleryFailure(found.left);
  const prepared = await prepareEnv(found.right);
  if (E.isLeft(prepared)) throw new DistilleryFailure(prepared.left);
  const family = prepared.right;
  const chosen = tasks.length > 0 ? tasks : family.tasks;
  if (chosen.length < 2) throw new DistilleryFailure(distilleryError('invalid-input', `${envId}: multi-task training needs at least 2 tasks, got ${chosen.length}`));
  for (const t of chosen)
    if (!family.tasks.includes(t)) throw new DistilleryFailure(distilleryError('not-found', `${envId}: unknown task "${t}" (tasks: ${family.tasks.join(', ')})`));
  const envs = chosen.map((task): GridEnv => {
    const env: Env = family.make(task, config, seedOf(task));
    if (!(env instanceof GridEnv)) throw new DistilleryFailure(distilleryError('invalid-input', `${envId} is not a grid world (the OT-maze experiment needs grid cells)`));
    if ((env.config.observation ?? 'onehot') !== 'onehot')
      throw new DistilleryFailure(distilleryError('invalid-input', `${envId}: the OT-maze experiment needs observation 'onehot', got '${env.config.observation}'`));
    return env;
  });
  return { family, tasks: chosen, envs };
};

/** Grid cell (row * cols + col) of a grid env's current state [row, col, step]. */
export const currentCell = (env: GridEnv): number => {
  const s = env.getState();
  return s[0] * env.layout.cols + s[1];
};

export const gridOf = (env: GridEnv): MultiTaskRun['grid'] => ({ rows: env.layout.rows, cols: env.layout.cols, free: env.layout.free.slice() });

/**
 * How much of the shortest-path traffic of different tasks each cell carries, the quantity the
 * OT heat map is compared with. traffic_i(c) is the fraction of start cells (free cells that are
 * no task's goal) whose shortest path to task i's goal, following the env's first shortest-path
 * action, passes through c (start included); overlap(c) = Σ_{i<j} min(traffic_i(c), traffic_j(c)),
 * large on corridors that several tasks' paths share and 0 on cells only one task uses.
 */
export const pathOverlap = (envs: readonly GridEnv[]): Float64Array => {
  const { layout, moves } = envs[0];
  const n = layout.rows * layout.cols;
  const goals = new Set(envs.map((e) => e.goal));
  const starts = Array.from(layout.freeCells).filter((c) => !goals.has(c));
  const traffic = envs.map((env) => {
    const dist = env.family.distances(env.task);
    const t = new Float64Array(n);
    for (const start of starts) {
      if (dist[start] < 0) continue;
      for (let cell = start, k = 0; k <= dist[start]; k++) {
        t[cell] += 1 / starts.length;
        if (cell === env.goal) break;
        cell = moveCell(layout, moves, cell, shortestPathAction(layout, moves, dist, cell));
      }
    }
    return t;
  });
  const overlap = new Float64Array(n);
  for (let i = 0; i < envs.length; i++)
    for (let j = i + 1; j < envs.length; j++) for (let c = 0; c < n; c++) overlap[c] += Math.min(traffic[i][c], traffic[j][c]);
  return overlap;
};

/** Growable per-round record. */
/** A progress reporter for a run of `budget` steps: reports when `done` passed the next mark (about every budget/50 steps) or reached the budget. */
export const progressReporter = (ctx: Pick<JobContext, 'report'>, budget: number): ((done: number) => void) => {
  const every = progressEvery(budget);
  let next = every;
  return (done) => {
    if (done >= next || done >= budget) {
      ctx.report({ kind: 'progress', done: Math.min(done, budget), total: budget });
      next = done + every;
    }
  };
};

export class RoundLog {
  private steps: number[] = [];
  private returns: number[] = [];

  constructor(readonly numTasks: number) {}

  push(totalSteps: number, returns: ArrayLike<number>): void {
    this.steps.push(totalSteps);
    for (let i = 0; i < this.numTasks; i++) this.returns.push(returns[i]);
  }

  get rounds(): number {
    return this.steps.length;
  }

  arrays(): { steps: Float64Array; returns: Float64Array } {
    return { steps: Float64Array.from(this.steps), returns: Float64Array.from(this.returns) };
  }
}

/** What a learner does in a round-robin run (runRoundRobin), task by task. */
export interface RoundRobinLearner {
  /** Task i's action in `observation`. */
  act(i: number, observation: Float32Array): number;
  /** Before each env step t of task i's episode (the SAC+OT job records the cell). */
  beforeStep?(i: number, t: number): void;
  /** Task i's finished episode, its transitions in order (`episode` = the round). */
  episodeEnded(i: number, trajectory: TransitionBatch): void;
  /** Whether task i's learner updates yet (its buffer is filled enough). */
  ready(i: number): boolean;
  update(i: number): void;
}

export interface RoundRobinOptions {
  readonly tasks: readonly string[];
  readonly envs: readonly GridEnv[];
  /** Each episode starts from `env.reset(envRngs[i].seed())`. */
  readonly envRngs: readonly Rng[];
  readonly obsDim: number;
  /** Training stops after the round in which the steps over all tasks reach tasks × this. */
  readonly stepsPerTask: number;
  /** Env steps of a task that buy one update of its learner, made when the episode ends. */
  readonly updateEvery: number;
  /** Metric stage: `<stage>/return` per task and episode, `<stage>/meanReturn` per round. */
  readonly stage: string;
}

/**
 * The OT-maze experiment's training loop, shared by its online methods: tasks take turns episode
 * by episode (a round = one episode of every task, in order); after each episode the task's
 * learner makes one update per `updateEvery` of its env steps once it is ready. Returns are the
 * training episodes' env rewards.
 */
export const runRoundRobin = async (
  o: RoundRobinOptions,
  learner: RoundRobinLearner,
  ctx: Pick<JobContext, 'report'>,
): Promise<{ readonly steps: Float64Array; readonly returns: Float64Array; readonly updates: number }> => {
  const m = o.tasks.length;
  const maxSteps = o.envs[0].maxEpisodeSteps;
  const builders = o.tasks.map((task) => new TransitionBatchBuilder({ task, obsDim: o.obsDim, actDim: 1, discreteActions: true }, maxSteps));
  const pending = new Float64Array(m);
  const log = new RoundLog(m);
  const budget = o.stepsPerTask * m;
  const reportProgress = progressReporter(ctx, budget);
  const tick = ticker();
  let total = 0;
  let updates = 0;
  for (let round = 0; total < budget; round++) {
    const returns = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const env = o.envs[i];
      let obs = env.reset(o.envRngs[i].seed());
      let t = 0;
      for (;;) {
        learner.beforeStep?.(i, t);
        const a = learner.act(i, obs);
        const r = env.step(a);
        builders[i].push({ episode: round, step: t, observation: obs, action: a, reward: r.reward, nextObservation: r.observation, terminated: r.terminated, truncated: r.truncated });
        returns[i] += r.reward;
        obs = r.observation;
        t++;
        if (r.terminated || r.truncated) break;
      }
      learner.episodeEnded(i, builders[i].flush());
      total += t;
      ctx.report({ kind: 'metric', name: `${o.stage}/return`, step: total, value: returns[i], tags: { task: o.tasks[i] } });
      if (learner.ready(i)) {
        pending[i] += t;
        for (; pending[i] >= o.updateEvery; pending[i] -= o.updateEvery) {
          learner.update(i);
          updates++;
        }
      }
      await tick();
    }
    log.push(total, returns);
    ctx.report({ kind: 'metric', name: `${o.stage}/meanReturn`, step: total, value: returns.reduce((s, x) => s + x, 0) / m });
    reportProgress(total);
  }
  return { ...log.arrays(), updates };
};
