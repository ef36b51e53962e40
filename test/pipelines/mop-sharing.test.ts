/**
 * mop-sharing end to end at a tiny budget (jobs in this thread): MOP runs, then the student's
 * layer activations are ranked across tasks. The budget is too small to learn anything; this
 * guards the wiring and the shape of what is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBuiltin, scratch, TINY_MOP } from './helpers.ts';

const inRange = (x: unknown, what: string) => assert.ok(typeof x === 'number' && x >= -1 && x <= 1, `${what}: ${String(x)}`);

test('mop-sharing: MOP, then per-state and average τ for every layer and task pair, and a table', async () => {
  const r = await runBuiltin('mop-sharing', [...TINY_MOP, 'sharing.states=30', 'regularizers=[]']);
  assert.equal(r.status, 'completed');
  // MOP's own results are still there (per seed: TINY_MOP has seeds=1).
  const seed0 = r.results.seeds['0'];
  for (const task of ['left', 'right']) assert.ok(Number.isFinite(seed0.returns[task].student.mean));
  const s = seed0.sharing;
  // TINY_MOP datasets: 2 episodes of ≤ 40 steps, so at least 30 rows per task.
  assert.deepEqual(s.states, { left: 30, right: 30 });
  // student.hidden=[16,16]: two layers, one pair.
  for (const layer of ['layer1', 'layer2']) {
    const pair = s[layer]['left-right'];
    assert.deepEqual(pair.tasks, ['left', 'right']);
    for (const v of ['a', 'b', 'c']) {
      const ps = pair.perState[v];
      assert.equal(ps.states + ps.undefinedStates, 60, 'the shared pool: both tasks’ samples');
      if (ps.states > 0) inRange(ps.mean, `${layer} per-state τ-${v}`);
      if (pair.average[v] !== null) inRange(pair.average[v], `${layer} average τ-${v}`);
    }
    // |τ-a| ≤ |τ-b|: τ-b divides the same C − D by fewer (untied) pairs.
    if (pair.perState.a.states > 0) assert.ok(Math.abs(pair.perState.a.mean) <= Math.abs(pair.perState.b.mean) + 1e-12);
    for (const task of ['left', 'right']) {
      assert.equal(s[layer].meanActivation[task].length, 16);
      assert.ok(s[layer].zeros[task] >= 0 && s[layer].zeros[task] <= 1);
    }
  }
  const tables = r.results.tables as { title: string; rows: unknown[][] }[];
  const sharing = tables.find((x) => x.title.startsWith('[seed 0] Shared computation'));
  assert.ok(sharing, 'the τ table');
  assert.equal(sharing.rows.length, 2);
  // and over seeds: the student's τ per layer and its return, with their intervals
  const over = tables.find((x) => x.title.startsWith('Shared computation on pointmass/maze over 1 seed'));
  assert.ok(over, 'the table over seeds');
  assert.deepEqual(over.rows.map((row) => row.slice(0, 2)), [['MOP 16x16', 1], ['MOP 16x16', 2]]);
  assert.equal(r.results.overSeeds['MOP 16x16'].layer1.perStateA.mean, s.layer1['left-right'].perState.a.mean);
  for (const l of [1, 2]) assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith(`sharing-layer${l}.svg`)), `figure of layer ${l}`);
});

test('mop-sharing with source=student: the states are the student\'s own, sampled from its episodes', async () => {
  // TINY_MOP episodes last at most 40 steps: 1 episode per task has ≤ 40 states, so asking for
  // 500 takes them all.
  const r = await runBuiltin('mop-sharing', [...TINY_MOP, 'sharing.source=student', 'sharing.episodes=1', 'regularizers=[]']);
  const s = r.results.seeds['0'].sharing;
  for (const task of ['left', 'right']) assert.ok(s.states[task] >= 1 && s.states[task] <= 40, `${task}: ${s.states[task]}`);
  const pair = s.layer1['left-right'];
  assert.equal(pair.perState.b.states + pair.perState.b.undefinedStates, s.states.left + s.states.right);
  const title = (r.results.tables as { title: string }[]).find((x) => x.title.startsWith('[seed 0] Shared computation'))!.title;
  assert.match(title, /student's own episodes \(1 per task\)/);
});

test('mop-sharing with widths: one more student per width, evaluated and measured, and the width tables', async () => {
  const r = await runBuiltin('mop-sharing', [...TINY_MOP, 'sharing.states=20', 'widths=[[8,8],[4]]', 'regularizers=[]']);
  const seed0 = r.results.seeds['0'];
  assert.deepEqual(Object.keys(seed0.widths).sort(), ['4', '8x8']);
  assert.equal(seed0.widths['8x8'].sharing.layer1.meanActivation.left.length, 8);
  assert.equal(seed0.widths['4'].sharing.layer2, undefined, 'one hidden layer');
  for (const task of ['left', 'right']) assert.ok(Number.isFinite(seed0.evaluation[task]['student-4'].mean));
  const titles = (r.results.tables as { title: string; rows: unknown[][] }[]).map((x) => x.title);
  const sweep = (r.results.tables as { title: string; rows: unknown[][] }[]).find((x) => x.title.startsWith('[seed 0] Shared computation against student width'))!;
  // 16x16 and 8x8: 2 layers each; 4: one layer.
  assert.equal(sweep.rows.length, 5);
  assert.ok(titles.some((x) => x.startsWith('[seed 0] Student returns against width')));
  // over seeds: every student of the seed, by name
  assert.deepEqual(Object.keys(r.results.overSeeds).sort(), ['MOP 16x16', 'MOP 4', 'MOP 8x8']);
});

test('mop-sharing with regularizers (the default): one more student per regularizer, evaluated and measured, and the with/without table', async () => {
  const r = await runBuiltin('mop-sharing', [...TINY_MOP, 'sharing.states=20', 'student.regularizerWeight=5']);
  assert.equal(r.status, 'completed');
  const seed0 = r.results.seeds['0'];
  assert.deepEqual(Object.keys(seed0.regularizers).sort(), ['listwise', 'ndcg', 'pairwise']);
  for (const kind of ['ndcg', 'pairwise', 'listwise']) {
    assert.ok(existsSync(join(r.dir, 'seed-0', `student-${kind}`)), `checkpoint of ${kind}`);
    assert.ok(seed0.regularizers[kind].sharing.layer2['left-right'], `τ of ${kind}`);
    for (const task of ['left', 'right']) assert.ok(Number.isFinite(seed0.evaluation[task][`student-${kind}`].mean));
  }
  const t = (r.results.tables as { title: string; rows: unknown[][] }[]).find((x) => x.title.startsWith('[seed 0] Ranking regularizers'))!;
  assert.match(t.title, /layer 2 regularized/);
  assert.deepEqual(t.rows.map((row) => row[0]), ['none', '+ ndcg (λ 5)', '+ pairwise (λ 5)', '+ listwise (λ 5)']);
  // The regularizer changes the student: its returns or τ differ from the plain student's somewhere.
  assert.ok(t.rows.slice(1).every((row) => JSON.stringify(row.slice(1)) !== JSON.stringify(t.rows[0].slice(1))));
});

test('mop-sharing: a bad sharing parameter is refused before anything is written', async () => {
  const dir = join(scratch('mop-sharing-bad'), 'run');
  await assert.rejects(runBuiltin('mop-sharing', [...TINY_MOP, 'sharing.states=0'], { dir }), /sharing\.states/);
  await assert.rejects(runBuiltin('mop-sharing', [...TINY_MOP, 'widths=[[0]]'], { dir }), /widths/);
  await assert.rejects(runBuiltin('mop-sharing', [...TINY_MOP, 'regularizers=["dcg"]'], { dir }), /regularizers/);
  await assert.rejects(runBuiltin('mop-sharing', [...TINY_MOP, 'student.regularizerLayer=3'], { dir }), /student\.regularizerLayer: 3 is not a hidden layer/);
  assert.ok(!existsSync(dir));
});
