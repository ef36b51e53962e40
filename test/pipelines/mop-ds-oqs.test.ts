/**
 * mop-ds-oqs end to end at a tiny budget (jobs in this thread): datasets relabeled with every
 * task's reward, DS and OQS teachers, three students, τ per method, the cross-task table. The
 * budget is too small to learn anything; this guards the wiring and what is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { openDatasetReader } from '../../src/data/index.ts';
import { runBuiltin, TINY_MOP } from './helpers.ts';

test('mop-ds-oqs: relabeled data, DS and OQS teachers, three students, τ and cross-task tables over seeds', async () => {
  const r = await runBuiltin('mop-ds-oqs', [...TINY_MOP, 'seeds=2', 'sharing.states=20']);
  assert.equal(r.status, 'completed');
  const tasks = ['left', 'right'];
  for (const seed of ['0', '1']) {
    const dir = join(r.dir, `seed-${seed}`);
    // Relabeled datasets carry every task's reward; their own reward column equals the stored reward.
    for (const task of tasks) {
      const opened = await openDatasetReader(join(dir, 'datasets', `${task}-expert-relabeled.arrow`))();
      assert.ok(E.isRight(opened), 'relabeled dataset');
      for await (const b of opened.right.batches()) {
        assert.deepEqual(Object.keys(b.rewards ?? {}).sort(), tasks);
        assert.deepEqual(Array.from(b.rewards![task]), Array.from(b.reward.subarray(0, b.size)), `${task}: relabel with its own reward is the stored reward`);
      }
      await opened.right.close();
      assert.ok(existsSync(join(dir, 'teachers-ds', task)), `DS teacher ${task}`);
    }
    // m² − m OQS teachers trained (T_ii is the MOP teacher).
    for (const [i, j] of [['left', 'right'], ['right', 'left']]) assert.ok(existsSync(join(dir, 'teachers-oqs', `${i}-from-${j}`)));
    for (const s of ['student', 'student-ds', 'student-oqs']) assert.ok(existsSync(join(dir, s)), s);
    const seedResults = r.results.seeds[seed];
    for (const m of ['mop', 'ds', 'oqs']) {
      for (const task of tasks) assert.ok(Number.isFinite(seedResults.returns[m][task]), `${m} ${task}`);
      assert.ok(seedResults.sharing[m].layer1['left-right'], `τ of ${m}`);
    }
    // 2 MOP + 2 DS + 4 OQS teachers, each on both tasks.
    assert.equal(Object.keys(seedResults.crossTask).length, 8);
  }
  for (const m of ['mop', 'ds', 'oqs']) for (const task of tasks) assert.equal(r.results.returns[m][task].seeds, 2);
  assert.equal(r.results.tau.oqs.layer2.perStateA.seeds, 2);
  const titles = (r.results.tables as { title: string }[]).map((x) => x.title);
  for (const want of [/^Student returns on pointmass\/maze, mean over 2 seeds/, /^Kendall τ-a .*Table 6\.2/, /^Kendall τ-b/, /^Cross-task evaluation .*Table 6\.3/])
    assert.ok(titles.some((x) => want.test(x)), `table ${want}`);
});

test('mop-ds-oqs: a regularizer layer the student lacks is refused before the run starts', async () => {
  await assert.rejects(runBuiltin('mop-ds-oqs', [...TINY_MOP, 'student.regularizer=pairwise', 'student.regularizerLayer=3']), /student\.regularizerLayer: 3 is not a hidden layer \(the student has 2\)/);
});
