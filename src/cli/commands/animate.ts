import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, errorOf, type DistilleryError } from '../../core/errors.ts';
import { openDatasetReader, type DatasetReader } from '../../data/index.ts';
import { STATE_QPOS, WALKER_STATE_DIM } from '../../envs/walker/index.ts';
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

/**
 * Draws a walker episode of a dataset as an animated SVG (a stick figure from the physics column:
 * one frame per control step, or every k-th).
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
  try {
    found = await readWalkerEpisode(reader, typeof v.task === 'string' ? v.task : undefined, episode.right);
  } finally {
    await reader.close();
  }
  if (E.isLeft(found)) return found;
  const ep = found.right;
  const out = typeof v.out === 'string' ? v.out : `${basename(file).replace(/\.arrow$/, '')}-${ep.task}-episode${ep.episode}.svg`;
  let svg: string;
  try {
    svg = walkerEpisodeSvg(ep.states, ep.steps + 1, ep.dim, STATE_QPOS, {
      title: `${basename(file)}: walker ${ep.task}, episode ${ep.episode}, ${ep.steps} steps, return ${ep.return.toFixed(1)}`,
      every: every.right ?? 1,
    });
  } catch (e) {
    return E.left(distilleryError('bad-file', `${file}: episode ${ep.episode} of task ${ep.task} cannot be drawn (${errorOf(e).message})`));
  }
  try {
    writeFileSync(out, svg);
  } catch (e) {
    return E.left(distilleryError('io', `--out ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? errorOf(e).message})`));
  }
  io.stdout.write(`wrote ${out} (walker ${ep.task}, episode ${ep.episode}, ${ep.steps} steps, return ${ep.return.toFixed(2)})\n`);
  return E.right(0);
};

/**
 * The states of one episode of a walker dataset: `task` (default: the first in the file) and
 * episode id `episode` (default: the task's first episode in the file).
 */
export const readWalkerEpisode = async (reader: DatasetReader, task: string | undefined, episode: number | undefined): Promise<E.Either<DistilleryError, EpisodeStates>> => {
  const bad = (m: string) => E.left(distilleryError('invalid-input', `${reader.path}: ${m}`));
  const { envId, tasks } = reader.metadata;
  if (envId !== 'walker') return bad(`not a walker dataset (env ${JSON.stringify(envId)}); animate draws the DeepMind Control walker`);
  const dim = reader.shape.physicsDim;
  if (dim === undefined) return bad('has no physics column (the simulator state the walker is drawn from); rollouts store it unless recordPhysics is false');
  if (dim !== WALKER_STATE_DIM) return bad(`its physics column has ${dim} values per row; a walker state has ${WALKER_STATE_DIM}`);
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
