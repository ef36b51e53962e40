import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, take, toArray } from 'rxjs';
import { cleanupsSettled } from '../../src/core/cleanup.ts';
import { jobRef, moduleUrl } from '../../src/core/job.ts';
import { runJob, type JobMessage } from '../../src/operators/run-job.ts';
import * as refs from '../../src/jobs/refs.ts';

const draw = jobRef<typeof import('../fixtures/draw-job.ts')>(moduleUrl('../fixtures/draw-job', import.meta.url));
const failing = jobRef<typeof import('../fixtures/failing-job.ts')>(moduleUrl('../fixtures/failing-job', import.meta.url));
const endless = jobRef<typeof import('../fixtures/endless-job.ts')>(moduleUrl('../fixtures/endless-job', import.meta.url));

test('a job gives the same output in a worker thread and in this thread, with its reports', async () => {
  const inWorker = await lastValueFrom(runJob(draw, { seed: 4, n: 5 }).pipe(toArray()));
  const inMain = await lastValueFrom(runJob(draw, { seed: 4, n: 5 }, { thread: 'main' }).pipe(toArray()));
  const output = (ms: JobMessage<number[]>[]) => (ms.at(-1) as { type: 'done'; output: number[] }).output;
  assert.equal(inWorker.length, 6);
  assert.deepEqual(output(inWorker), output(inMain));
  assert.deepEqual(inWorker[4], { type: 'event', event: { kind: 'progress', done: 5, total: 5 } });
});

test('a failing job errors with its message; a module without a default job is named', async () => {
  await assert.rejects(lastValueFrom(runJob(failing, {})), /the job failed on purpose/);
  const missing = { _tag: 'JobRef', module: moduleUrl('../fixtures/no-such-job', import.meta.url) } as typeof failing;
  await assert.rejects(lastValueFrom(runJob(missing, {}, { thread: 'main' })), /no-such-job/);
});

test('unsubscribing terminates the worker: the cleanup settles and no more reports arrive', async () => {
  const first = await lastValueFrom(runJob(endless, {}).pipe(take(3), toArray()));
  assert.equal(first.length, 3);
  await cleanupsSettled();
});

test('every job reference points at a module whose default export is a job', async () => {
  for (const [name, ref] of Object.entries(refs)) {
    const mod = (await import(ref.module)) as { default?: unknown };
    assert.equal(typeof mod.default, 'function', `${name}: ${ref.module}`);
  }
});
