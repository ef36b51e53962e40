/** Small, internally consistent datasets for the corruption and fuzz tests, and a way to read one whole. */
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../../src/core/batch.ts';
import { errorOf } from '../../src/core/errors.ts';
import { openDatasetReader, openDatasetWriter, type DatasetShape, type ReaderOptions } from '../../src/data/index.ts';
import { metadataFor } from './helpers.ts';

export const shape: DatasetShape = { obsDim: 3, actDim: 2, discreteActions: false, physicsDim: 2, rewardTasks: ['right'] };

/**
 * One episode of `length` steps whose rows chain: next_observation[t] = observation[t + 1] and
 * next_physics[t] = physics[t + 1] (what `verify` checks); the last row is truncated unless `open`.
 */
export const episode = (task: string, ep: number, length: number, options: { from?: number; open?: boolean; s?: DatasetShape } = {}): TransitionBatch => {
  const s = options.s ?? shape;
  const from = options.from ?? 0;
  const { obsDim, actDim } = s;
  const pd = s.physicsDim ?? 0;
  const base = (task === 'left' ? 0 : 1000) + ep * 100;
  const obs = (t: number, j: number) => base + t + j / 8;
  const b: TransitionBatch = {
    task,
    size: length,
    obsDim,
    actDim,
    discreteActions: s.discreteActions,
    episode: new Int32Array(length).fill(ep),
    step: Int32Array.from({ length }, (_, i) => from + i),
    observation: Float32Array.from({ length: length * obsDim }, (_, k) => obs(from + Math.floor(k / obsDim), k % obsDim)),
    nextObservation: Float32Array.from({ length: length * obsDim }, (_, k) => obs(from + Math.floor(k / obsDim) + 1, k % obsDim)),
    action: s.discreteActions ? new Int32Array(length) : Float32Array.from({ length: length * actDim }, (_, k) => ((k % 7) - 3) / 4),
    reward: Float32Array.from({ length }, (_, i) => (from + i) / 4),
    terminated: new Uint8Array(length),
    truncated: new Uint8Array(length),
    ...(pd > 0
      ? {
          physics: {
            dim: pd,
            state: Float64Array.from({ length: length * pd }, (_, k) => obs(from + Math.floor(k / pd), k % pd) / 3),
            nextState: Float64Array.from({ length: length * pd }, (_, k) => obs(from + Math.floor(k / pd) + 1, k % pd) / 3),
          },
        }
      : {}),
    ...(s.rewardTasks.length > 0 ? { rewards: Object.fromEntries(s.rewardTasks.map((t) => [t, Float32Array.from({ length }, (_, i) => -(from + i))])) } : {}),
  };
  if (!options.open) b.truncated[length - 1] = 1;
  return b;
};

/** Writes batches with the project's writer (checksums included). */
export const writeDataset = async (
  path: string,
  batches: readonly TransitionBatch[],
  options: { tasks?: readonly string[]; recordBatchRows?: number; s?: DatasetShape } = {},
): Promise<void> => {
  const s = options.s ?? shape;
  const w = await openDatasetWriter(path, {
    metadata: metadataFor(s, options.tasks ?? ['left', 'right']),
    shape: s,
    ...(options.recordBatchRows ? { recordBatchRows: options.recordBatchRows } : {}),
  })();
  if (E.isLeft(w)) assert.fail(w.left.message);
  for (const b of batches) await w.right.write(b);
  await w.right.close();
};

/** What a read gives, row by row, in a form cheap to compare: or the error message. */
export interface ReadOutcome {
  readonly rows: number;
  /** Task of each row, in file order. */
  readonly tasks: readonly string[];
  /** Every value of every row, concatenated (a fingerprint of the content). */
  readonly values: readonly number[];
}

export const readWhole = async (path: string, options: ReaderOptions = {}): Promise<E.Either<string, ReadOutcome>> => {
  const opened = await openDatasetReader(path, options)();
  if (E.isLeft(opened)) return E.left(opened.left.message);
  const r = opened.right;
  const tasks: string[] = [];
  const values: number[] = [];
  let rows = 0;
  try {
    for await (const b of r.batches()) {
      rows += b.size;
      for (let i = 0; i < b.size; i++) tasks.push(b.task);
      for (const a of [b.episode, b.step, b.observation, b.nextObservation, b.action, b.reward, b.terminated, b.truncated]) values.push(...a);
      if (b.physics) values.push(...b.physics.state, ...b.physics.nextState);
      if (b.rewards) for (const v of Object.values(b.rewards)) values.push(...v);
    }
    if (rows !== r.numRows) return E.left(`read ${rows} rows, numRows says ${r.numRows}`);
    return E.right({ rows, tasks, values });
  } catch (e) {
    return E.left(errorOf(e).message);
  } finally {
    await r.close();
  }
};
