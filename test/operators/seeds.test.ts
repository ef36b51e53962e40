import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { lastValueFrom, of, timer, map, mergeMap, range, toArray, Subject } from 'rxjs';
import type { PipelineEvent } from '../../src/core/events.ts';
import { metric, progress, result, table } from '../../src/core/events.ts';
import { Rng } from '../../src/core/rng.ts';
import type { RunContext } from '../../src/operators/context.ts';
import { JobSlots } from '../../src/operators/job-slots.ts';
import { forEachSeed, seedContext, seedsEntry } from '../../src/operators/seeds.ts';

const context = (seed: number, events: PipelineEvent[] = []): RunContext => {
  const runDir = mkdtempSync(join(tmpdir(), 'distillery-seeds-'));
  return {
    rng: Rng.fromSeed(seed),
    seed,
    runDir,
    datasetsDir: join(runDir, 'datasets'),
    pipeline: 'test',
    backend: { preference: 'cpu', name: 'cpu' },
    emit: (e) => events.push(e),
  };
};

test('marbles: JobSlots runs at most `size` jobs at once, the rest in arrival order', () => {
  const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
  scheduler.run(({ cold, expectObservable }) => {
    const slots = new JobSlots(2);
    const durations: Record<string, string> = { a: '--(x|)', b: '-----(x|)', c: '--(x|)' };
    const job = (name: string) => slots.run(() => cold(durations[name], { x: name }));
    const all = cold('(abc|)', { a: 'a', b: 'b', c: 'c' }).pipe(mergeMap(job));
    // a and b start at once; c waits for a's slot (frame 2) and so ends at 4, not 2.
    expectObservable(all).toBe('--a-c(b|)', { a: 'a', b: 'b', c: 'c' });
  });
});

test('JobSlots: unsubscribing a waiting job drops it, unsubscribing a running one frees its slot', () => {
  const slots = new JobSlots(1);
  const started: string[] = [];
  const job = (name: string) => () => {
    started.push(name);
    return new Subject<string>();
  };
  const a = slots.run(job('a')).subscribe();
  const b = slots.run(job('b')).subscribe();
  slots.run(job('c')).subscribe();
  assert.deepEqual(started, ['a']);
  b.unsubscribe();
  a.unsubscribe();
  assert.deepEqual(started, ['a', 'c'], 'b left the queue; a freed its slot for c');
  assert.equal(slots.active, 1);
});

test('JobSlots: a failing job frees its slot', async () => {
  const slots = new JobSlots(1);
  const failing = slots.run(() => timer(1).pipe(map(() => { throw new Error('boom'); })));
  await assert.rejects(lastValueFrom(failing), /boom/);
  assert.equal(slots.active, 0);
  assert.equal(await lastValueFrom(slots.run(() => of(7))), 7);
});

test('seedContext: the RNG of seed s is a one-seed run with --seed s; telemetry is marked with the seed', () => {
  const events: PipelineEvent[] = [];
  const ctx = context(0, events);
  const s2 = seedContext(ctx, 2);
  assert.equal(s2.seed, 2);
  assert.deepEqual(
    [s2.rng.split('teacher/left').seed(), s2.rng.split('student').seed()],
    [Rng.fromSeed(2).split('teacher/left').seed(), Rng.fromSeed(2).split('student').seed()],
  );
  assert.equal(s2.runDir, join(ctx.runDir, 'seed-2'));
  assert.equal(s2.datasetsDir, join(ctx.runDir, 'seed-2', 'datasets'));
  s2.emit(metric('teacher/criticLoss', 5, 1.5, { task: 'left' }));
  s2.emit(result('returns.left', 3));
  s2.emit(progress('teacher/left', 'teacher left', 1, 2));
  s2.emit(table('returns', ['a'], [[1]]));
  assert.deepEqual(events, [
    { type: 'metric', name: 'teacher/criticLoss', step: 5, value: 1.5, tags: { task: 'left', seed: '2' } },
    { type: 'result', key: 'seeds.2.returns.left', value: 3 },
    { type: 'progress', id: 'seed-2/teacher/left', label: '[seed 2] teacher left', done: 1, total: 2 },
    { type: 'table', title: '[seed 2] returns', columns: ['a'], rows: [[1]] },
  ]);
});

test('forEachSeed runs seeds --seed … --seed+n−1 and returns their last values in seed order', async () => {
  const ctx = context(5);
  const runs = await lastValueFrom(
    forEachSeed(3, ctx, { workers: 2 }, (c, seed) =>
      // later seeds finish first: the result is still in seed order
      timer(10 * (8 - seed)).pipe(mergeMap(() => range(0, 2)), map((i) => ({ i, draw: c.rng.split('x').seed(), dir: c.runDir }))),
    ),
  );
  assert.deepEqual(runs.map((r) => r.seed), [5, 6, 7]);
  assert.deepEqual(runs.map((r) => r.value.i), [1, 1, 1], 'the last value of each seed');
  assert.deepEqual(runs.map((r) => r.value.draw), [5, 6, 7].map((s) => Rng.fromSeed(s).split('x').seed()));
  assert.deepEqual(runs.map((r) => r.value.dir), [5, 6, 7].map((s) => join(ctx.runDir, `seed-${s}`)));
});

test('forEachSeed: the seeds share one set of job slots', async () => {
  const ctx = context(0);
  const slotsSeen = await lastValueFrom(forEachSeed(3, ctx, { workers: 2 }, (c) => of(c.jobSlots)).pipe(map((runs) => runs.map((r) => r.value))));
  assert.ok(slotsSeen[0] instanceof JobSlots);
  assert.equal(slotsSeen[0]!.size, 2);
  assert.ok(slotsSeen.every((s) => s === slotsSeen[0]));
  void toArray;
});

test('seedsEntry: mean, sample std and the t interval over seeds (closed form for 1, 2, 3), per-seed values; null below two seeds', () => {
  const e = seedsEntry([
    { seed: 4, value: 1 },
    { seed: 5, value: 2 },
    { seed: 6, value: 3 },
  ]);
  assert.equal(e.mean, 2);
  assert.equal(e.std, 1);
  // t_{0.975, 2} = 4.302652729749464 (scipy.stats.t.ppf(0.975, 2))
  assert.ok(Math.abs(e.ci95! - 4.302652729749464 / Math.sqrt(3)) < 1e-9);
  assert.equal(e.seeds, 3);
  assert.deepEqual(e.perSeed, { '4': 1, '5': 2, '6': 3 });
  const one = seedsEntry([{ seed: 0, value: 7 }]);
  assert.deepEqual([one.mean, one.std, one.ci95, one.seeds], [7, null, null, 1]);
});
