/**
 * Issue 10: hostile and corrupt files. Each defect of the issue reproduced on a small dataset,
 * and each must now give one clear error (naming the file) quickly, or a correct read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../../src/core/errors.ts';
import {
  assertFinite,
  countNonFinite,
  openDatasetReader,
  summarizeDatasetFile,
  verifyDataset,
  type DatasetShape,
} from '../../src/data/index.ts';
import { crc32Js } from '../../src/data/checksum.ts';
import { arrowLayout, readInt64, setInt32, setInt64 } from './arrow-bytes.ts';
import { episode, readWhole, shape, writeDataset } from './hostile-fixtures.ts';
import { tempDir } from './helpers.ts';

const { dir, cleanup } = tempDir();
test.after(cleanup);

const valid = join(dir, 'valid.arrow');
/** 2 tasks, 4 episodes, 40 rows in record batches of 16 (runs of both tasks inside one). */
const written = writeDataset(valid, [episode('left', 0, 10), episode('right', 0, 10), episode('left', 1, 10), episode('right', 1, 10)], { recordBatchRows: 16 });
const bytes = async (): Promise<Uint8Array> => (await written, new Uint8Array(readFileSync(valid)));

let n = 0;
/** Writes `b` to a fresh file and expects opening or reading it to fail with one line naming it. */
const expectRefused = async (b: Uint8Array, pattern: RegExp, options: Parameters<typeof readWhole>[1] = {}): Promise<string> => {
  const path = join(dir, `case-${n++}.arrow`);
  writeFileSync(path, b);
  const t0 = performance.now();
  const r = await readWhole(path, options);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  assert.ok(E.isLeft(r), `${path} should be refused, read ${E.isRight(r) ? r.right.rows : ''} rows`);
  assert.ok(r.left.startsWith(`${path}: `), r.left);
  assert.ok(!r.left.includes('\n'), 'one line');
  assert.match(r.left, pattern);
  return r.left;
};

test('the reference file reads back: 40 rows, both tasks, checksums verified', async () => {
  await written;
  const r = await readWhole(valid);
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left : '');
  assert.equal(r.right.rows, 40);
  assert.deepEqual([...new Set(r.right.tasks)], ['left', 'right']);
  const opened = await openDatasetReader(valid)();
  assert.ok(E.isRight(opened));
  assert.equal(opened.right.numRecordBatches, 3);
  assert.equal(opened.right.checksums?.recordBatches.length, 3);
  assert.equal(opened.right.checksums?.applies, true);
  await opened.right.close();
});

test('defect 1: a buffer count of 151 million in a record batch header is refused at once, allocating nothing', async () => {
  const b = await bytes();
  const L = arrowLayout(b);
  const before = process.memoryUsage().heapUsed;
  await expectRefused(setInt32(b, L.recordBatches[0].buffersLength, 150994971), /corrupt record batch 0 header: a vector of 150994971 elements does not fit/);
  // Same for the nodes, the footer's block count, a dictionary batch.
  await expectRefused(setInt32(b, L.recordBatches[1].nodesLength, 2 ** 30), /record batch 1 header: a vector of 1073741824 elements/);
  await expectRefused(setInt32(b, L.dictionaries[0].buffersLength, 150994971), /corrupt Arrow dictionary batch 0 header/);
  const footerVector = L.recordBatchBlocks[0].offset - 4;
  await expectRefused(setInt32(b, footerVector, 2 ** 28), /corrupt Arrow footer: a vector of 268435456 elements/);
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 2 ** 20);
});

test('defect 2: row counts are checked against every column: -1, 0, one less, one more, 2^40', async () => {
  const b = await bytes();
  const L = arrowLayout(b);
  const at = L.recordBatches[0].rowCount;
  assert.equal(readInt64(b, at), 16n);
  for (const rows of [-1n, 0n, 15n, 17n, 2n ** 40n]) await expectRefused(setInt64(b, at, rows), /record batch 0|row count/);
  // A node of one column disagreeing with the others.
  await expectRefused(setInt64(b, L.recordBatches[0].nodes[7].length, 15n), /column 'reward' has 15 values, the batch's 16 rows need 16/);
  // A buffer moved by 8 bytes would read a column from the wrong place.
  const buf = L.recordBatches[0].buffers[5];
  await expectRefused(setInt64(b, buf.offset, readInt64(b, buf.offset) + 8n), /buffer [56] overlaps the one before it|unexplained bytes|outside/);
  // A footer whose block points twice at the same record batch would duplicate its rows.
  await expectRefused(setInt64(b, L.recordBatchBlocks[1].offset, readInt64(b, L.recordBatchBlocks[0].offset)), /overlap/);
  // A block whose body length disagrees with its header.
  await expectRefused(setInt64(b, L.recordBatchBlocks[2].bodyLength, readInt64(b, L.recordBatchBlocks[2].bodyLength) - 8n), /body has \d+ bytes, the footer \d+|do not end where the checksums say \(corrupt footer\)|no block covers/);
});

test('defect 3: a corrupt task dictionary is an error naming the metadata, never a renamed task', async () => {
  const b = await bytes();
  const L = arrowLayout(b);
  const d = L.dictionaries[0];
  const body = b.subarray(d.bodyStart, d.bodyStart + d.bodyLength);
  const text = Buffer.from(body).indexOf('leftright');
  assert.ok(text > 0);
  const renamed = b.slice();
  renamed[d.bodyStart + text + 3] = 'T'.charCodeAt(0); // "lefT"
  // The checksum covers the dictionary (it lies before record batch 0), but the dictionary is checked on open.
  await expectRefused(renamed, /task dictionary entry 0 is "lefT", which is not a task of metadata key 'distillery.tasks' \(left, right\)/);
  // Its offsets: "left" becomes "" or "leftright".
  const offsets = d.bodyStart + Number(readInt64(b, d.buffers[1].offset));
  await expectRefused(setInt32(b, offsets + 4, 0), /task dictionary entry 0 is ""|entry 1/);
  await expectRefused(setInt32(b, offsets + 4, 9), /task dictionary entry 0 is "leftright"/);
  // A null entry (printed "null" before): here its validity bitmap is missing too.
  await expectRefused(setInt64(b, d.nodes[0].nullCount, 1n), /null|where 2 values need 1/);
  // More entries than tasks.
  await expectRefused(setInt64(b, d.nodes[0].length, 3n), /dictionary/);
});

test('a flipped body byte is caught by the checksum; without checksums Arrow has no way to know', async () => {
  const b = await bytes();
  const L = arrowLayout(b);
  const rb = L.recordBatches[1];
  const reward = rb.bodyStart + Number(readInt64(b, rb.buffers[13].offset)); // reward's data buffer
  const flipped = b.slice();
  flipped[reward + 2] ^= 0x40;
  await expectRefused(flipped, /record batch 1 does not match its checksum \(crc32 [0-9a-f]{8}, stored [0-9a-f]{8}\)/);
  // The task column too: index 0 ↔ 1 is a valid other task, and only the checksum sees it.
  const task = rb.bodyStart + Number(readInt64(b, rb.buffers[1].offset));
  const swapped = b.slice();
  swapped[task] ^= 1;
  await expectRefused(swapped, /record batch 1 does not match its checksum/);
  const path = join(dir, 'swapped.arrow');
  writeFileSync(path, swapped);
  const ignored = await readWhole(path, { checksums: 'ignore' });
  assert.ok(E.isRight(ignored));
  const original = await readWhole(valid);
  assert.ok(E.isRight(original));
  assert.notDeepEqual(ignored.right.tasks, original.right.tasks, 'what a file without checksums cannot detect');
});

test('checksums: zlib and JavaScript CRC-32 agree; a file rewritten by another tool keeps readable (its checksums no longer apply)', async () => {
  const sample = new Uint8Array(1000).map((_, i) => (i * 37) & 255);
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) assert.equal(crc32Js(sample), native(sample) >>> 0);
  assert.equal(crc32Js(sample.subarray(500), crc32Js(sample.subarray(0, 500))), crc32Js(sample));
  const b = await bytes();
  const rewritten = join(dir, 'rewritten.arrow');
  writeFileSync(rewritten, tableToIPC(tableFromIPC(b), 'file')); // keeps the schema metadata, one record batch per input batch
  const opened = await openDatasetReader(rewritten)();
  assert.ok(E.isRight(opened), E.isLeft(opened) ? opened.left.message : '');
  await opened.right.close();
  const r = await readWhole(rewritten);
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left : '');
  assert.equal(r.right.rows, 40);
  const report = await verifyDataset(rewritten);
  assert.ok(E.isRight(report));
  assert.ok(['stale', 'verified'].includes(report.right.checksums), report.right.checksums);
});

test('truncated anywhere: one clear error', async () => {
  const b = await bytes();
  const L = arrowLayout(b);
  for (const at of [7, 8, 100, L.recordBatches[0].offset + 20, L.recordBatches[2].bodyStart + 5, L.footerStart, b.length - 11, b.length - 1])
    await expectRefused(b.subarray(0, at), /truncated|not an Arrow|footer|corrupt/);
  // Bytes appended after the magic: the footer is no longer at the end.
  const longer = new Uint8Array(b.length + 16);
  longer.set(b);
  await expectRefused(longer, /truncated or incomplete/);
});

test('defect 6: directories, FIFOs and devices are refused without waiting on them', async () => {
  const fifo = join(dir, 'fifo.arrow');
  execFileSync('mkfifo', [fifo]);
  const sub = join(dir, 'dir.arrow');
  mkdirSync(sub);
  for (const [path, pattern] of [
    [fifo, /is a FIFO \(named pipe\), not an Arrow file/],
    [sub, /is a directory, not an Arrow file/],
    ['/dev/zero', /is a device, not an Arrow file/],
  ] as const) {
    const t0 = performance.now();
    const r = await openDatasetReader(path)();
    assert.ok(performance.now() - t0 < 2000);
    assert.ok(E.isLeft(r));
    assert.equal(r.left.message.split('\n').length, 1);
    assert.match(r.left.message, pattern);
  }
});

test('defect 4: non-finite values are counted per column by the summary and refused for learners', async () => {
  await written;
  const path = join(dir, 'nan.arrow');
  const a = episode('left', 0, 10);
  a.reward[3] = NaN;
  const b = episode('left', 1, 10);
  b.reward[2] = Infinity;
  b.observation[4] = -Infinity;
  await writeDataset(path, [a, b, episode('right', 0, 5)]);
  const s = await summarizeDatasetFile(path)();
  assert.ok(E.isRight(s));
  assert.deepEqual(s.right.nonFinite, { observation: 1, reward: 2 });
  assert.equal(s.right.tasks.left.episodes, 2);
  assert.equal(s.right.tasks.left.nonFiniteReturns, 2);
  assert.equal(s.right.tasks.left.return.mean, null, 'no episode of left has a finite return');
  assert.equal(s.right.tasks.right.nonFiniteReturns, undefined);
  assert.ok(s.right.tasks.right.return.mean !== null);
  // A clean file has no nonFinite key (the documented summary is unchanged).
  const clean = await summarizeDatasetFile(valid)();
  assert.ok(E.isRight(clean));
  assert.deepEqual(Object.keys(clean.right).sort(), ['episodes', 'tasks', 'transitions']);

  assert.deepEqual(countNonFinite(a), { reward: 1 });
  assert.throws(() => assertFinite(a, path), (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'numeric' && /column 'reward' holds NaN \(task left, episode 0, step 3\)/.test(e.message));
  assert.equal(assertFinite(episode('left', 0, 3), path).size, 3);
  const opened = await openDatasetReader(path)();
  assert.ok(E.isRight(opened));
  await assert.rejects(
    (async () => {
      for await (const _ of opened.right.batches({ requireFinite: true })) void _;
    })(),
    /nan\.arrow: column 'observation' holds -Infinity|nan\.arrow: column 'reward' holds NaN/,
  );
  await opened.right.close();
});

test('defect 8: a task named __proto__ is a task like any other', async () => {
  const path = join(dir, 'proto.arrow');
  const s: DatasetShape = { ...shape, rewardTasks: ['__proto__'] };
  await writeDataset(path, [episode('__proto__', 0, 6, { s }), episode('toString', 0, 4, { s })], { tasks: ['__proto__', 'toString'], s });
  const summary = await summarizeDatasetFile(path)();
  assert.ok(E.isRight(summary));
  assert.ok(Object.hasOwn(summary.right.tasks, '__proto__'));
  assert.equal(summary.right.tasks['__proto__'].transitions, 6);
  assert.equal(JSON.parse(JSON.stringify(summary.right)).tasks['__proto__'].transitions, 6);
  assert.equal(Object.getPrototypeOf(summary.right.tasks), Object.prototype);
  const opened = await openDatasetReader(path)();
  assert.ok(E.isRight(opened));
  for await (const b of opened.right.batches()) assert.ok(Object.hasOwn(b.rewards!, '__proto__'));
  await opened.right.close();
});

test('verify: a clean file is OK; broken continuity, gaps, rows after the end, NaN and a bad checksum are each reported', async () => {
  await written;
  const ok = await verifyDataset(valid);
  assert.ok(E.isRight(ok));
  assert.equal(ok.right.ok, true, ok.right.problems.join('\n'));
  assert.equal(ok.right.checksums, 'verified');
  assert.deepEqual(ok.right.tasks, { left: { transitions: 20, episodes: 2, unfinishedEpisodes: 0 }, right: { transitions: 20, episodes: 2, unfinishedEpisodes: 0 } });

  const path = join(dir, 'broken.arrow');
  const jump = episode('left', 0, 10);
  jump.observation[5 * 3 + 1] += 1; // step 5's observation ≠ step 4's next_observation
  const gap = episode('left', 1, 10);
  gap.step[6] = 7; // steps 5, 7
  const nan = episode('right', 0, 10);
  nan.reward[2] = NaN;
  const after = episode('right', 1, 3);
  await writeDataset(path, [jump, gap, nan, after, episode('right', 1, 2, { from: 3 }), episode('left', 2, 4, { open: true })]);
  const r = await verifyDataset(path);
  assert.ok(E.isRight(r));
  const text = r.right.problems.join('\n');
  assert.equal(r.right.ok, false);
  assert.match(text, /task left, episode 0, step 5: observation\[1\] = 6.125, but the previous step's next_observation\[1\] = 5.125/);
  assert.match(text, /task left, episode 1, step 7: follows step 5 of the same episode/);
  assert.match(text, /task right, episode 0, step 2: 'reward' holds NaN/);
  assert.match(text, /task right, episode 1, step 3: a row after the episode's terminal row/);
  assert.deepEqual(r.right.nonFinite, { reward: 1 });
  assert.match(r.right.notes.join('\n'), /1 episode of task left has no terminal row/);

  const b = await bytes();
  const L = arrowLayout(b);
  const flipped = b.slice();
  flipped[L.recordBatches[2].bodyStart + 3] ^= 1;
  const bad = join(dir, 'flipped.arrow');
  writeFileSync(bad, flipped);
  const f = await verifyDataset(bad);
  assert.ok(E.isRight(f));
  assert.equal(f.right.checksums, 'mismatch');
  assert.match(f.right.problems.join('\n'), /record batch 2 does not match its checksum/);
  assert.equal(f.right.tasks.left.transitions + f.right.tasks.right.transitions, 32, 'the other record batches are still checked');
});
