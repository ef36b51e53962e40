/** Row-level copies of TransitionBatches (core/batch.ts has views and concatenation). */
import { mapBatchColumns, type BatchColumn, type TransitionBatch } from '../core/batch.ts';

type Column = BatchColumn;
const mapColumns = mapBatchColumns;

/** A copy that owns its arrays (nothing shared with `b`). */
export const cloneBatch = (b: TransitionBatch): TransitionBatch => mapColumns(b, b.size, <T extends Column>(a: T): T => a.slice() as T);

/** Rows of `b` in the order given by `order` (copied). */
export const takeRows = (b: TransitionBatch, order: ArrayLike<number>): TransitionBatch =>
  mapColumns(b, order.length, <T extends Column>(a: T, per: number): T => {
    const out = new (a.constructor as new (n: number) => T)(order.length * per);
    for (let i = 0; i < order.length; i++) {
      const from = order[i] * per;
      for (let j = 0; j < per; j++) out[i * per + j] = a[from + j];
    }
    return out;
  });

/** `b` with its rows sorted by step (stable); `b` itself when already in order. */
export const sortByStep = (b: TransitionBatch): TransitionBatch => {
  let sorted = true;
  for (let i = 1; i < b.size && sorted; i++) sorted = b.step[i - 1] <= b.step[i];
  if (sorted) return b;
  const order = Array.from({ length: b.size }, (_, i) => i).sort((x, y) => b.step[x] - b.step[y] || x - y);
  return takeRows(b, order);
};
