import { concat, defer, ignoreElements, of, tap, type Observable } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../../core/errors.ts';
import { metric, progress } from '../../core/events.ts';
import type { Rng } from '../../core/rng.ts';
import { DistralLearner, NO_KL_VARIANTS, decodeDistralConfig, distralTraining, oneHotState, type DistralVariant } from '../../algos/distral/index.ts';
import { GridEnv, makeEnv, type GridLayout } from '../../envs/index.ts';
import type { RunContext } from '../context.ts';
import { fromGenerator } from '../from-generator.ts';

export interface TabularDistralOptions {
  readonly variant: DistralVariant;
  /** A grid env id whose observation is the one-hot cell (e.g. grid/two-room). */
  readonly envId: string;
  readonly tasks: readonly string[];
  /** Free cells of the grid (the tabular state count) and the number of moves. */
  readonly states: number;
  readonly actions: number;
  readonly rounds: number;
  readonly maxEpisodeSteps: number;
  readonly beta: number;
  readonly gamma: number;
  /** Overrides a KL variant's α (null: the variant's own). */
  readonly alpha: number | null;
  readonly lrQ: number;
  readonly lrPi0: number;
  /** Rounds averaged into one `distral/return` metric point. */
  readonly window: number;
  /**
   * Where episodes start: 'fixed' the layout's S; 'start-room' a cell drawn uniformly every
   * episode from S's room (free cells reachable from S without entering a corridor, goals
   * excluded); 'anywhere' any free non-goal cell.
   */
  readonly start: DistralStart;
  /** π0(a | s, previous action) (1col KL variants). */
  readonly pi0PreviousAction: boolean;
  readonly rng: Rng;
  /** Progress bar id/label and metric tags. */
  readonly id: string;
  readonly label: string;
  readonly tags: Readonly<Record<string, string>>;
}

export type DistralStart = 'fixed' | 'start-room' | 'anywhere';

/**
 * Start cells for `start`: S's room is the flood fill from S over free cells that are not
 * corridor cells (a free cell with walls directly above and below it), goals left out.
 */
export const distralStartCells = (layout: GridLayout, start: DistralStart, goals: ReadonlySet<number>): Int32Array => {
  const s = layout.marks.get('S');
  if (s === undefined) throw new Error('distral start cells: the layout has no S');
  if (start === 'fixed') return Int32Array.of(s);
  if (start === 'anywhere') return layout.freeCells.filter((c) => !goals.has(c));
  const { rows, cols, free } = layout;
  const corridor = (c: number) => c - cols >= 0 && c + cols < rows * cols && !free[c - cols] && !free[c + cols];
  const seen = new Uint8Array(rows * cols);
  const stack = [s];
  seen[s] = 1;
  const room: number[] = [];
  while (stack.length) {
    const c = stack.pop()!;
    if (!goals.has(c)) room.push(c);
    const r = Math.floor(c / cols);
    for (const n of [c - cols, c + cols, c % cols > 0 ? c - 1 : -1, c % cols < cols - 1 ? c + 1 : -1])
      if (n >= 0 && n < rows * cols && free[n] && !seen[n] && !corridor(n) && Math.abs(Math.floor(n / cols) - r) <= 1) {
        seen[n] = 1;
        stack.push(n);
      }
  }
  return Int32Array.from(room.sort((a, b) => a - b));
};

export interface TabularDistralRun {
  /** Mean return over tasks, one value per round (an episode of every task). */
  readonly returns: Float64Array;
  /** Environment steps over all tasks at the end of each round. */
  readonly steps: Float64Array;
  /** π0 per state and action, for variants that distil one. */
  readonly pi0?: Float64Array;
}

/**
 * Tabular Distral (Teh et al. 2017) on a grid's tasks, in this thread (it is cheap), yielding to
 * the event loop between slices so that progress renders and unsubscribing stops it. RNG: the
 * given one (`env/<task>` per env, `train` for the learner).
 *
 *   trainTabularDistral(o):  ------------------(r|)
 */
export const trainTabularDistral = (ctx: RunContext, o: TabularDistralOptions): Observable<TabularDistralRun> =>
  defer(() => {
    const unwrap = <A>(e: E.Either<import('../../core/errors.ts').DistilleryError, A>): A => {
      if (E.isLeft(e)) throw new DistilleryFailure(e.left);
      return e.right;
    };
    const fixedAlpha = NO_KL_VARIANTS.includes(o.variant);
    const config = unwrap(
      decodeDistralConfig({ variant: o.variant, beta: o.beta, gamma: o.gamma, lrQ: o.lrQ, lrPi0: o.lrPi0, alpha: fixedAlpha ? null : o.alpha, pi0PreviousAction: o.pi0PreviousAction }),
    );
    const envs = o.tasks.map((task) => {
      const env = unwrap(makeEnv(o.envId, { task, maxEpisodeSteps: o.maxEpisodeSteps }, o.rng.split(`env/${task}`).seed()));
      if (!(env instanceof GridEnv)) throw new Error(`trainTabularDistral: ${o.envId} is not a grid world`);
      const goals = new Set(o.tasks.map((t) => env.family.goalCell(t)));
      const starts = distralStartCells(env.layout, o.start, goals);
      const startRng = o.rng.split(`start/${task}`);
      const cols = env.layout.cols;
      const reset = (seed?: number) => {
        const obs = env.reset(seed);
        if (o.start === 'fixed') return obs;
        const c = starts[startRng.int(starts.length)];
        env.setState(Float64Array.of(Math.floor(c / cols), c % cols, 0));
        return env.observe();
      };
      return { env: { reset, step: (a: number) => env.step(a) }, stateOf: oneHotState };
    });
    const learner = unwrap(DistralLearner.create(o.states, o.actions, o.tasks.length, config));
    const training = unwrap(distralTraining(learner, envs, o.rng.split('train'), { episodes: o.rounds, maxStepsPerEpisode: o.maxEpisodeSteps }));
    const returns = new Float64Array(o.rounds);
    const steps = new Float64Array(o.rounds);
    let round = 0;
    return concat(
      fromGenerator(() => training).pipe(
        tap((m) => {
          const i = round++;
          returns[i] = m.returns.reduce((a, b) => a + b, 0) / m.returns.length;
          steps[i] = m.totalSteps;
          if ((i + 1) % o.window === 0) {
            const w = returns.subarray(i + 1 - o.window, i + 1);
            ctx.emit(metric('distral/return', i + 1, w.reduce((a, b) => a + b, 0) / o.window, { ...o.tags }));
            ctx.emit(progress(o.id, o.label, i + 1, o.rounds, 'rounds'));
          }
        }),
        ignoreElements(),
      ),
      defer(() => {
        ctx.emit(progress(o.id, o.label, o.rounds, o.rounds, 'rounds'));
        return of({ returns, steps, ...(config.distill ? { pi0: learner.pi0Table() } : {}) });
      }),
    );
  });
