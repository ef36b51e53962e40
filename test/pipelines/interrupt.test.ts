/**
 * Interrupting `mop` in each of its stages: when the runner reports "interrupted", nothing of the
 * run is still working — no rollout, writer or job adds or changes a file afterwards, no `.tmp`
 * is left, and no dataset of an unfinished collection exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineEvent } from '../../src/pipeline/index.ts';
import { runBuiltin, TINY_MOP } from './helpers.ts';

/** Every file under `dir` with its size and modification time. */
const snapshot = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => `${f} ${statSync(f).size} ${statSync(f).mtimeMs}`)
    .sort();

const interruptAt = async (stage: string, jobThread: 'main' | 'worker') => {
  const controller = new AbortController();
  // Progress ids of a run over seeds start with the seed's folder (`seed-0/teacher/left`).
  const seen = (e: PipelineEvent) => e.type === 'progress' && e.id.replace(/^seed-\d+\//, '').startsWith(stage);
  const r = await runBuiltin('mop', TINY_MOP, { jobThread, signal: controller.signal, onEvent: (e) => seen(e) && controller.abort() });
  assert.equal(r.status, 'interrupted', stage);
  assert.equal(r.results.run.status, 'interrupted');
  const before = snapshot(r.dir);
  assert.deepEqual(before.filter((f) => f.includes('.tmp')), [], `${stage}: .tmp files left`);
  // A stage still running would write its checkpoint or dataset within this time (its budget is tiny).
  await sleep(jobThread === 'worker' ? 1500 : 300);
  assert.deepEqual(snapshot(r.dir), before, `${stage}: files changed after the run said interrupted`);
  return r;
};

/** What the interrupted stage would have finished: none of it may exist. */
const unfinished: Record<string, (files: string[]) => string[]> = {
  'behavior/': (fs) => fs.filter((f) => /behavior\/\w+\/(expert|medium)\//.test(f)),
  'data/': (fs) => fs.filter((f) => /datasets\/.*-expert\.arrow/.test(f)),
  'teacher/': (fs) => fs.filter((f) => /teachers\//.test(f)),
  student: (fs) => fs.filter((f) => /student\//.test(f)),
};

for (const stage of ['behavior/', 'data/', 'teacher/', 'student'])
  test(`mop interrupted in its ${stage.replace('/', '')} stage stops every stage (jobs in this thread)`, async () => {
    const r = await interruptAt(stage, 'main');
    assert.deepEqual(unfinished[stage](snapshot(r.dir)), [], `${stage}: the interrupted stage finished anyway`);
    assert.equal(r.results.returns, undefined);
  });

test('mop interrupted while teachers train in worker threads: the workers stop, nothing is written afterwards', async () => {
  const r = await interruptAt('teacher/', 'worker');
  assert.deepEqual(unfinished['teacher/'](snapshot(r.dir)), []);
  assert.equal(r.results.returns, undefined);
});
