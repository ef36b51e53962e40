/**
 * Seeded, bounded fuzzing of the dataset reader (issue 10). A small real dataset (written by the
 * project's writer: 2 tasks, 40 rows, 3 record batches) is mutated a few hundred ways — random
 * bytes of the footer, of record batch headers, of the dictionary batch, of the bodies; the
 * length, count and offset fields set to hostile values; truncations; garbage appended — and
 * each mutant is read whole, in process. For every case:
 *
 * - it finishes quickly (< 2 s) and memory stays bounded (< 128 MB above the start);
 * - it is either refused with one line naming the file, or read;
 * - a read with checksums (the default) gives exactly the original rows: same row count, same
 *   task for every row, same values;
 * - a read with checksums ignored (what a file from another writer gets) still never gives a
 *   wrong row count, nor a task name that is not one of the file's; only a mutation of the body
 *   (a value, or a task index turned into another task's) or of the footer (an optional column
 *   renamed into an unknown one), which Arrow alone cannot detect, may change what is read.
 *
 * `FUZZ_SEED=n` replays another seed; `FUZZ_CASES=n` changes the count per kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import { arrowLayout, type FileLayout } from './arrow-bytes.ts';
import { episode, readWhole, writeDataset, type ReadOutcome } from './hostile-fixtures.ts';
import { tempDir } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 10);
const PER_KIND = Number(process.env.FUZZ_CASES ?? 40);

type Kind = 'footer' | 'header' | 'dictionary' | 'body' | 'lengths' | 'truncate' | 'append';
interface Mutant {
  readonly kind: Kind;
  readonly what: string;
  readonly bytes: Uint8Array;
}

/** Hostile values for a count, length or offset field. */
const HOSTILE = [-1n, 0n, 1n, 7n, 8n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 40n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)];

const mutants = (original: Uint8Array, L: FileLayout, rng: Rng): Mutant[] => {
  const out: Mutant[] = [];
  const flip = (kind: Kind, from: number, to: number): void => {
    const at = from + rng.int(to - from);
    const b = original.slice();
    const value = rng.bernoulli(0.5) ? b[at] ^ (1 << rng.int(8)) : rng.int(256);
    b[at] = value === b[at] ? b[at] ^ 0xff : value;
    out.push({ kind, what: `byte ${at} = ${b[at]} (was ${original[at]})`, bytes: b });
  };
  const ranges = (list: readonly [number, number][]): [number, number] => list[rng.int(list.length)];
  const messages = [...L.dictionaries, ...L.recordBatches];
  for (let i = 0; i < PER_KIND; i++) {
    flip('footer', L.footerStart, L.size);
    flip('header', ...ranges(L.recordBatches.map((m) => [m.offset, m.offset + m.metaDataLength])));
    const d = L.dictionaries[0];
    flip('dictionary', d.offset, d.bodyStart + d.bodyLength);
    flip('body', ...ranges(L.recordBatches.map((m) => [m.bodyStart, m.bodyStart + m.bodyLength])));

    // A length, count or offset field set to a hostile value (or nudged by a little).
    const m = messages[rng.int(messages.length)];
    const fields: [string, number, 4 | 8][] = [
      ['footer length', L.footerLengthField, 4],
      ['message length', m.offset + 4, 4],
      ['row count', m.rowCount, 8],
      ['body length', m.bodyLengthField, 8],
      ['node count', m.nodesLength, 4],
      ['buffer count', m.buffersLength, 4],
      ...m.nodes.flatMap((n, k): [string, number, 4 | 8][] => [[`node ${k} length`, n.length, 8], [`node ${k} null count`, n.nullCount, 8]]),
      ...m.buffers.flatMap((n, k): [string, number, 4 | 8][] => [[`buffer ${k} offset`, n.offset, 8], [`buffer ${k} length`, n.length, 8]]),
      ...[...L.dictionaryBlocks, ...L.recordBatchBlocks].flatMap((bl, k): [string, number, 4 | 8][] => [
        [`block ${k} offset`, bl.offset, 8],
        [`block ${k} header length`, bl.metaDataLength, 4],
        [`block ${k} body length`, bl.bodyLength, 8],
      ]),
    ];
    const [name, at, width] = fields[rng.int(fields.length)];
    const b = original.slice();
    const view = new DataView(b.buffer);
    const old = width === 4 ? BigInt(view.getInt32(at, true)) : view.getBigInt64(at, true);
    let value = rng.bernoulli(0.5) ? HOSTILE[rng.int(HOSTILE.length)] : old + BigInt(rng.int(17) - 8);
    if (value === old) value = old + 1n;
    if (width === 4) view.setInt32(at, Number(BigInt.asIntN(32, value)), true);
    else view.setBigInt64(at, BigInt.asIntN(64, value), true);
    out.push({ kind: 'lengths', what: `${name} ${old} → ${value}`, bytes: b });

    const cut = 1 + rng.int(L.size - 1);
    out.push({ kind: 'truncate', what: `first ${cut} of ${L.size} bytes`, bytes: original.subarray(0, cut) });
  }
  for (let i = 0; i < 4; i++) {
    const tail = new Uint8Array(1 + rng.int(64)).map(() => rng.int(256));
    const bytes = new Uint8Array(original.length + tail.length);
    bytes.set(original);
    bytes.set(tail, original.length);
    out.push({ kind: 'append', what: `${tail.length} bytes appended`, bytes });
  }
  return out;
};

test(`fuzz: ${PER_KIND} mutants of each kind (seed ${SEED}) are refused in one line or read exactly`, async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const source = join(dir, 'source.arrow');
    await writeDataset(source, [episode('left', 0, 10), episode('right', 0, 10), episode('left', 1, 10), episode('right', 1, 10)], { recordBatchRows: 16 });
    const original = new Uint8Array(readFileSync(source));
    const reference = await readWhole(source);
    assert.ok(E.isRight(reference));
    const ref: ReadOutcome = reference.right;

    const cases = mutants(original, arrowLayout(original), Rng.fromSeed(SEED));
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const baseline = memory();
    let peak = 0;
    let slowest = 0;
    const outcomes: Record<string, { refused: number; read: number; changedValues: number }> = {};
    const path = join(dir, 'mutant.arrow');
    for (const c of cases) {
      const label = `${c.kind}: ${c.what} (seed ${SEED})`;
      writeFileSync(path, c.bytes);
      for (const checksums of ['verify', 'ignore'] as const) {
        const t0 = performance.now();
        const r = await readWhole(path, { checksums });
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        peak = Math.max(peak, memory() - baseline);
        assert.ok(ms < 2000, `${label}: ${ms.toFixed(0)} ms`);
        const tally = (outcomes[`${c.kind}/${checksums}`] ??= { refused: 0, read: 0, changedValues: 0 });
        if (E.isLeft(r)) {
          tally.refused++;
          assert.ok(r.left.startsWith(`${path}: `), `${label}: the message must name the file: ${r.left}`);
          assert.ok(!r.left.includes('\n') && r.left.length < 400, `${label}: one short line: ${r.left}`);
          assert.doesNotMatch(r.left, /\bat \S+:\d+|TypeError|RangeError|undefined/, `${label}: ${r.left}`);
          continue;
        }
        tally.read++;
        assert.equal(r.right.rows, ref.rows, `${label}: row count`);
        // Without checksums a body byte can turn task index 0 into 1: another valid task, which
        // nothing in an Arrow file can tell from the real one. Anything else keeps every task name.
        if (checksums === 'ignore' && c.kind === 'body') assert.ok(r.right.tasks.every((t) => t === 'left' || t === 'right'), `${label}: task names`);
        else assert.deepEqual(r.right.tasks, ref.tasks, `${label}: task names`);
        const same = r.right.values.length === ref.values.length && r.right.values.every((v, k) => Object.is(v, ref.values[k]));
        if (!same) tally.changedValues++;
        // With checksums nothing may change. Without, a body byte may change a value, and a footer
        // byte may rename an optional column (`reward/right` → `rFward/right`, then an unknown
        // column of another tool): what Arrow alone cannot tell from a real file.
        if (checksums === 'verify' || (c.kind !== 'body' && c.kind !== 'footer')) assert.ok(same, `${label} (checksums ${checksums}): values changed silently`);
      }
    }
    assert.ok(peak < 128 * 2 ** 20, `memory grew by ${(peak / 2 ** 20).toFixed(0)} MB`);
    // Most mutants of the body are caught by the checksums and by nothing else.
    assert.ok(outcomes['body/verify'].refused >= PER_KIND * 0.9, JSON.stringify(outcomes['body/verify']));
    t.diagnostic(`${cases.length} mutants × 2 modes; slowest ${slowest.toFixed(0)} ms; heap peak +${(peak / 2 ** 20).toFixed(1)} MB; ${JSON.stringify(outcomes)}`);
  } finally {
    cleanup();
  }
});
