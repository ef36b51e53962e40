/**
 * Non-finite values (NaN, ±Infinity) in a batch's float columns. Arrow stores them as any other
 * float, so a dataset can hold them; a learner fed one silently trains on NaN. `countNonFinite`
 * reports them per column (replay, verify); `assertFinite` refuses a batch that has any (what a
 * job calls on the batches it learns from).
 */
import type { TransitionBatch } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import { COLUMN, rewardColumnName } from './schema.ts';

type Floats = Float32Array | Float64Array;

/** The float columns of a batch, by on-disk column name, with the values per row. */
export const floatColumns = (b: TransitionBatch): [string, Floats, number][] => {
  const out: [string, Floats, number][] = [
    [COLUMN.observation, b.observation, b.obsDim],
    [COLUMN.nextObservation, b.nextObservation, b.obsDim],
  ];
  if (!b.discreteActions) out.push([COLUMN.action, b.action as Float32Array, b.actDim]);
  out.push([COLUMN.reward, b.reward, 1]);
  if (b.physics) out.push([COLUMN.physics, b.physics.state, b.physics.dim], [COLUMN.nextPhysics, b.physics.nextState, b.physics.dim]);
  if (b.rewards) for (const t of Object.keys(b.rewards)) out.push([rewardColumnName(t), b.rewards[t], 1]);
  return out;
};

/** Index of the first non-finite value of `a`, or −1. */
export const firstNonFinite = (a: Floats): number => {
  for (let i = 0; i < a.length; i++) {
    // x − x is 0 for every finite x, NaN for NaN and ±Infinity: one subtraction, no call.
    const x = a[i];
    if (x - x !== 0) return i;
  }
  return -1;
};

export const countNonFiniteValues = (a: Floats): number => {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x - x !== 0) n++;
  }
  return n;
};

/** Non-finite values per column (only columns that have some). */
export const countNonFinite = (b: TransitionBatch): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [name, values] of floatColumns(b)) {
    const n = countNonFiniteValues(values);
    if (n > 0) Object.defineProperty(out, name, { value: n, enumerable: true, writable: true, configurable: true });
  }
  return out;
};

/**
 * Throws a DistilleryFailure (code 'numeric') naming `what` (the file), the column, the row and
 * the value when the batch holds a non-finite value; returns the batch otherwise.
 */
export const assertFinite = (b: TransitionBatch, what: string): TransitionBatch => {
  for (const [name, values, per] of floatColumns(b)) {
    const i = firstNonFinite(values);
    if (i < 0) continue;
    const r = Math.floor(i / per);
    throw new DistilleryFailure(
      distilleryError(
        'numeric',
        `${what}: column '${name}' holds ${values[i]} (task ${b.task}, episode ${b.episode[r]}, step ${b.step[r]}); learners refuse non-finite values (distillery verify lists them all)`,
      ),
    );
  }
  return b;
};
