/**
 * Every built-in pipeline end to end at a tiny budget (jobs in this thread; seconds each): what it
 * writes has the expected shape and sane values. Budgets are far too small to learn anything;
 * these tests guard the wiring, the science is in the README's runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom } from 'rxjs';
import { summarizeDatasets } from '../../src/operators/index.ts';
import { runBuiltin, TINY_MOP } from './helpers.ts';

const finite = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what}: ${String(x)}`);

const checkReturns = (returns: Record<string, Record<string, { mean: number; episodes: number }>>, tasks: string[], roles: string[]) => {
  assert.deepEqual(Object.keys(returns).sort(), [...tasks].sort());
  for (const task of tasks)
    for (const role of roles) {
      finite(returns[task][role]?.mean, `returns.${task}.${role}.mean`);
      assert.ok(returns[task][role].episodes >= 1);
    }
};

test('collect: every task × kind becomes a readable dataset with the episodes asked for', async () => {
  const r = await runBuiltin('collect', ['episodes=2', 'kinds=["random","expert"]']);
  assert.equal(r.status, 'completed');
  for (const task of ['left', 'right'])
    for (const kind of ['random', 'expert']) {
      const d = r.results.datasets[task][kind];
      assert.equal(d.episodes, 2);
      const s = await lastValueFrom(summarizeDatasets([d.path]));
      assert.equal(s.tasks[task].transitions, d.transitions);
    }
  assert.equal(r.results.tables.length, 1);
});

test('mop: behavior → datasets → teachers → student → evaluation, with returns for every task and role', async () => {
  const r = await runBuiltin('mop', TINY_MOP);
  assert.equal(r.status, 'completed');
  checkReturns(r.results.returns, ['left', 'right'], ['behavior', 'teacher', 'student']);
  assert.deepEqual(Object.keys(r.results.evaluation.left).sort(), ['student', 'teacher']);
  for (const kind of ['medium', 'expert']) assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith(`left-${kind}.arrow`)));
  const tags = new Set(r.events.filter((e) => e.type === 'metric' && e.name.startsWith('teacher/')).map((e) => e.type === 'metric' && e.tags?.task));
  assert.deepEqual([...tags].sort(), ['left', 'right']);
});

test('mop-losses: one student per loss, evaluated beside the teacher', async () => {
  const r = await runBuiltin('mop-losses', [...TINY_MOP, 'losses=["mse","kl"]']);
  checkReturns(r.results.returns, ['left', 'right'], ['teacher', 'mse', 'kl']);
  assert.equal(r.results.returns.left.q, undefined);
});

test('naive-mt: the naive multi-task actor beside MOP', async () => {
  const r = await runBuiltin('naive-mt', [...TINY_MOP, 'naive.steps=20']);
  checkReturns(r.results.returns, ['left', 'right'], ['teacher', 'mop', 'naive']);
  assert.match(r.results.tables[0].title, /20 PBRL teacher/);
});

test('mop-walker: walker datasets vs the thesis and an animation of the student per task', async () => {
  const r = await runBuiltin('mop-walker', [...TINY_MOP, 'animation.every=5']);
  checkReturns(r.results.returns, ['stand', 'walk'], ['behavior', 'teacher', 'student']);
  for (const task of ['stand', 'walk']) {
    assert.equal(r.results.animation[task].steps, 40);
    finite(r.results.animation[task].return, 'animation return');
    // The animation is the student's evaluation episode 0, not another one.
    assert.equal(r.results.animation[task].return, r.results.evaluation[task].student.returns[0]);
    for (const kind of ['medium', 'expert', 'medium-replay']) assert.ok(r.results.datasets[task][kind].episodes >= 1);
  }
});

test('ot-mazes: curves, final returns and the proxy heat map for every method', async () => {
  const r = await runBuiltin('ot-mazes', ['envs=["grid/zigzag"]', 'seeds=1', 'stepsPerTask=150', 'maxEpisodeSteps=30', 'sac.learningStarts=40', 'sac.batchSize=16', 'sac.hidden=[16]', 'points=4']);
  for (const method of ['sac-ot', 'distral', 'sac']) {
    finite(r.results.final['grid/zigzag'][method].mean, `final ${method}`);
    assert.equal(r.results.curve['grid/zigzag'][method].steps.length, 4);
  }
  const paired = r.results.paired['grid/zigzag']['sac-ot-minus-sac'];
  assert.equal(paired.seeds, 1);
  finite(paired.mean, 'paired difference');
  const proxy = r.results.proxy['grid/zigzag'];
  assert.ok(proxy.solves > 0);
  for (const v of Object.values(proxy.perCell) as number[]) assert.ok(v > 0 && v <= 0.01 + 1e-9);
});

test('distral-two-room: every variant trains, with a final return and a π0 picture where there is a π0', async () => {
  const r = await runBuiltin('distral-two-room', ['seeds=1', 'rounds=40', 'window=20', 'variants=["kl-1col","multitask"]']);
  finite(r.results.final['kl-1col'].mean, 'kl-1col');
  finite(r.results.final.multitask.mean, 'multitask');
  assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith('pi0-kl-1col.svg')));
  assert.ok(!r.events.some((e) => e.type === 'artifact' && e.path.endsWith('pi0-multitask.svg')));
});

test('same seed, same results: mop with jobs in worker threads equals mop in this thread', async () => {
  const main = await runBuiltin('mop', TINY_MOP);
  const workers = await runBuiltin('mop', TINY_MOP, { jobThread: 'worker' });
  assert.deepEqual(workers.results.returns, main.results.returns);
  assert.deepEqual(workers.results.evaluation, main.results.evaluation);
});

test('offline first: mop with data.from a previous run trains no behavior policy and records the files it used', async () => {
  const first = await runBuiltin('collect', ['episodes=2', 'kinds=["expert"]']);
  const files = { left: first.results.datasets.left.expert.path, right: first.results.datasets.right.expert.path };
  const r = await runBuiltin('mop', [...TINY_MOP, `data.from=${JSON.stringify(files)}`]);
  checkReturns(r.results.returns, ['left', 'right'], ['behavior', 'teacher', 'student']);
  assert.equal(r.results.inputs.left.expert.path, files.left);
  assert.match(r.results.inputs.left.expert.sha256, /^[0-9a-f]{64}$/);
  assert.ok(!r.events.some((e) => e.type === 'progress' && e.id.startsWith('behavior/')));
  const fromRun = await runBuiltin('mop', [...TINY_MOP, `data.from=${JSON.stringify(first.dir)}`, 'teacher.steps=5']);
  assert.equal(fromRun.results.inputs.right.expert.path, files.right);
});
