import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { setTimeout as sleep } from 'node:timers/promises';
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../../src/core/batch.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { openDatasetReader, openDatasetWriter, type BatchOptions, type DatasetReader, type DatasetShape, type ReaderOptions } from '../../src/data/index.ts';
import { makeBatch, metadataFor, rowsOf, steps, tempDir } from './helpers.ts';

// batches({ buffers: 'reuse' }) reads record batches into recycled buffers. Its contract: a batch
// is valid until the next pull; then reading it throws and its arrays are detached, so nothing
// the consumer holds ever shows another record batch's values.

const shape: DatasetShape = { obsDim: 3, actDim: 2, discreteActions: false, physicsDim: 4, rewardTasks: ['walk', 'run'] };

/** 8-row record batches over two tasks: 9 record batches, runs that cross record batch boundaries. */
const writeFixture = async (dir: string): Promise<string> => {
  const path = join(dir, 'reuse.arrow');
  const w = await openDatasetWriter(path, { metadata: metadataFor(shape, ['walk', 'run']), shape, recordBatchRows: 8 })();
  if (E.isLeft(w)) assert.fail(w.left.message);
  await w.right.write(makeBatch(shape, 'walk', steps(0, 0, 37, 'truncated')));
  await w.right.write(makeBatch(shape, 'run', steps(0, 0, 13, 'terminated')));
  await w.right.write(makeBatch(shape, 'walk', steps(1, 0, 21)));
  await w.right.close();
  return path;
};

const open = async (path: string, options: ReaderOptions = {}): Promise<DatasetReader> => {
  const r = await openDatasetReader(path, options)();
  if (E.isLeft(r)) assert.fail(r.left.message);
  return r.right;
};

/** Every row of every batch, copied out before the next pull (what a 'reuse' consumer must do). */
const rowsStreamed = async (r: DatasetReader, options: BatchOptions): Promise<{ rows: Record<string, unknown>[]; sizes: string[] }> => {
  const rows: Record<string, unknown>[] = [];
  const sizes: string[] = [];
  for await (const b of r.batches(options)) {
    rows.push(...rowsOf([b]));
    sizes.push(`${b.task}:${b.size}`);
  }
  return { rows, sizes };
};

const released = (e: unknown): boolean => e instanceof DistilleryFailure && /read after the batch was released/.test(e.message);

test("'reuse' yields the same rows, batch for batch, as the fresh path (plain, re-chunked, requireFinite)", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    assert.equal(r.numRecordBatches, 9);
    for (const options of [{}, { batchSize: 5 }, { batchSize: 12 }, { batchSize: 1 }, { requireFinite: true, batchSize: 7 }] as BatchOptions[]) {
      const fresh = await rowsStreamed(r, options);
      const reuse = await rowsStreamed(r, { ...options, buffers: 'reuse' });
      assert.deepEqual(reuse.sizes, fresh.sizes, JSON.stringify(options));
      assert.deepEqual(reuse.rows, fresh.rows, JSON.stringify(options));
      assert.equal(fresh.rows.length, 71);
    }
    await r.close();
  } finally {
    cleanup();
  }
});

test("'reuse' with checksums ignored (reads the bodies only) reads the same rows", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir), { checksums: 'ignore' });
    assert.deepEqual((await rowsStreamed(r, { buffers: 'reuse' })).rows, (await rowsStreamed(r, {})).rows);
    await r.close();
  } finally {
    cleanup();
  }
});

test('a batch never changes while the consumer holds it, even while read-ahead refills the pool', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    for (const options of [{ buffers: 'reuse' }, { buffers: 'reuse', batchSize: 6 }] as BatchOptions[]) {
      let n = 0;
      for await (const b of r.batches(options)) {
        const before = rowsOf([b]);
        // Let every pending read finish (they write into pooled buffers) before looking again.
        for (let k = 0; k < 5; k++) await sleep(1);
        assert.deepEqual(rowsOf([b]), before, `batch ${n}`);
        n++;
      }
      assert.ok(n > 9);
    }
    await r.close();
  } finally {
    cleanup();
  }
});

test('a released batch throws on access and its arrays are detached, never another batch in disguise', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    const held: { batch: TransitionBatch; observation: Float32Array; state: Float64Array }[] = [];
    let detachedInLoop = 0;
    for await (const b of r.batches({ buffers: 'reuse' })) {
      detachedInLoop = held.filter((h) => h.observation.length === 0).length;
      held.push({ batch: b, observation: b.observation, state: b.physics!.state });
      if (held.length > 1) {
        const previous = held[held.length - 2];
        assert.throws(() => previous.batch.observation, released);
        assert.throws(() => previous.batch.size, released);
        assert.throws(() => rowsOf([previous.batch]), released);
      }
    }
    assert.ok(held.length > 9);
    // Recycling happens during the iteration (one record batch read ahead, two in flight, the
    // current one and the one just left are still in their buffers; the rest were recycled).
    assert.ok(detachedInLoop >= held.length - 8, `${detachedInLoop} of ${held.length} detached before the loop ended`);
    // The last one too, once the loop has ended.
    assert.throws(() => held[held.length - 1].batch.reward, released);
    // Record batches are recycled: the views the consumer kept were detached (a pool that
    // handed out new memory each time would leave them readable, and never reuse anything).
    const detached = held.filter((h) => h.observation.length === 0 && h.state.length === 0);
    assert.equal(detached.length, held.length, 'every held array is detached after the iteration');
    assert.throws(() => held[0].observation.subarray(0, 1), TypeError);
    assert.throws(() => new Float32Array(3).set(held[0].observation), TypeError);
    await r.close();
  } finally {
    cleanup();
  }
});

test('breaking out of the loop releases the current batch; a new iteration starts afresh', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    let kept: TransitionBatch | undefined;
    let observation: Float32Array | undefined;
    for await (const b of r.batches({ buffers: 'reuse' })) {
      kept = b;
      observation = b.observation;
      break;
    }
    assert.throws(() => kept!.episode, released);
    assert.equal(observation!.length, 0);
    const again = await rowsStreamed(r, { buffers: 'reuse' });
    assert.deepEqual(again.rows, (await rowsStreamed(r, {})).rows);
    await r.close();
  } finally {
    cleanup();
  }
});

test('two reuse iterations at once do not share buffers', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    const a = r.batches({ buffers: 'reuse' })[Symbol.asyncIterator]();
    const b = r.batches({ buffers: 'reuse', batchSize: 4 })[Symbol.asyncIterator]();
    const rowsA: Record<string, unknown>[] = [];
    const rowsB: Record<string, unknown>[] = [];
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (!x.done) rowsA.push(...rowsOf([x.value]));
      if (!y.done) rowsB.push(...rowsOf([y.value]));
      if (x.done && y.done) break;
    }
    const fresh = (await rowsStreamed(r, {})).rows;
    assert.deepEqual(rowsA, fresh);
    assert.deepEqual(rowsB, fresh);
    await r.close();
  } finally {
    cleanup();
  }
});

test('an unknown buffers option is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await open(await writeFixture(dir));
    assert.throws(() => r.batches({ buffers: 'shared' as never }), DistilleryFailure);
    await r.close();
  } finally {
    cleanup();
  }
});

test("a file apache-arrow's loader decodes (another tool's extra column): same rows, released batches still throw", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const plain = await writeFixture(dir);
    // The same record batches with a 'note' column added: not decoded from the body directly.
    const table = tableFromIPC(readFileSync(plain));
    const fields = [...table.schema.fields, new Field('note', new Int32(), false)];
    const schema = new Schema(fields, table.schema.metadata);
    const batches = table.batches.map((b) => {
      const note = makeData({ type: new Int32(), length: b.numRows, nullCount: 0, data: new Int32Array(b.numRows) });
      const struct = makeData({ type: new Struct(fields), length: b.numRows, nullCount: 0, children: [...b.data.children, note] });
      return new RecordBatch(schema, struct);
    });
    const path = join(dir, 'extra.arrow');
    writeFileSync(path, tableToIPC(new Table(batches), 'file'));
    const r = await open(path);
    const fresh = await rowsStreamed(r, {});
    assert.equal(fresh.rows.length, 71);
    assert.deepEqual((await rowsStreamed(r, { buffers: 'reuse', batchSize: 9 })).rows, fresh.rows);
    let first: TransitionBatch | undefined;
    for await (const b of r.batches({ buffers: 'reuse' })) first ??= b;
    assert.throws(() => first!.observation, released);
    await r.close();
  } finally {
    cleanup();
  }
});
