/**
 * Every built-in pipeline end to end at a tiny budget (jobs in this thread; seconds each): what it
 * writes has the expected shape and sane values. Budgets are far too small to learn anything;
 * these tests guard the wiring, the science is in the README's runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { summarizeDatasets } from '../../src/operators/index.ts';
import { readAllBatches } from '../../src/jobs/common.ts';
import { jsActor, loadPolicyModel } from '../../src/jobs/policy-model.ts';
import { runBuiltin, TINY_MOP } from './helpers.ts';

const finite = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what}: ${String(x)}`);

const checkReturns = (returns: Record<string, Record<string, { mean: number; episodes?: number; seeds?: number }>>, tasks: string[], roles: string[]) => {
  assert.deepEqual(Object.keys(returns).sort(), [...tasks].sort());
  for (const task of tasks)
    for (const role of roles) {
      finite(returns[task][role]?.mean, `returns.${task}.${role}.mean`);
      // over evaluation episodes, or (a run over seeds) over seeds
      assert.ok((returns[task][role].episodes ?? returns[task][role].seeds ?? 0) >= 1);
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

/** One tiny `mop` run, shared by the tests that only read it. */
let tinyMop: ReturnType<typeof runBuiltin> | undefined;
const tinyMopRun = () => (tinyMop ??= runBuiltin('mop', TINY_MOP));

test('mop: behavior → datasets → teachers → student → evaluation, with returns for every task and role', async () => {
  const r = await tinyMopRun();
  assert.equal(r.status, 'completed');
  checkReturns(r.results.returns, ['left', 'right'], ['behavior', 'teacher', 'student']);
  assert.deepEqual(Object.keys(r.results.seeds['0'].evaluation.left).sort(), ['student', 'teacher']);
  for (const kind of ['medium', 'expert']) assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith(`left-${kind}.arrow`)));
  const tags = new Set(r.events.filter((e) => e.type === 'metric' && e.name.startsWith('teacher/')).map((e) => e.type === 'metric' && e.tags?.task));
  assert.deepEqual([...tags].sort(), ['left', 'right']);
  // the student's evaluation curve: a return per task after the last step (evalEvery > steps), tagged with its seed
  const curve = r.events.filter((e) => e.type === 'metric' && e.name === 'student/return');
  assert.deepEqual(curve.map((e) => e.type === 'metric' && [e.step, e.tags?.task, e.tags?.seed]).sort(), [[20, 'left', '0'], [20, 'right', '0']]);
  for (const e of curve) if (e.type === 'metric') finite(e.value, 'student/return');
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
  const seed0 = r.results.seeds['0'];
  for (const task of ['stand', 'walk']) {
    assert.equal(seed0.animation[task].steps, 40);
    finite(seed0.animation[task].return, 'animation return');
    // The animation is the student's evaluation episode 0, not another one.
    assert.equal(seed0.animation[task].return, seed0.evaluation[task].student.returns[0]);
    for (const kind of ['medium', 'expert', 'medium-replay']) assert.ok(seed0.datasets[task][kind].episodes >= 1);
  }
});

test('ot-mazes: curves, final returns, AUC, paired differences and the proxy heat map for every method', async () => {
  const r = await runBuiltin('ot-mazes', ['envs=["grid/zigzag"]', 'seeds=2', 'stepsPerTask=150', 'maxEpisodeSteps=30', 'sac.learningStarts=40', 'sac.batchSize=16', 'sac.hidden=[16]', 'points=4', 'bootstrap=200']);
  for (const method of ['sac-ot', 'distral', 'sac']) {
    finite(r.results.final['grid/zigzag'][method].mean, `final ${method}`);
    finite(r.results.auc['grid/zigzag'][method].mean, `auc ${method}`);
    assert.equal(r.results.auc['grid/zigzag'][method].perSeed.length, 2);
    assert.equal(r.results.curve['grid/zigzag'][method].steps.length, 4);
  }
  for (const method of ['sac-ot', 'distral'])
    for (const stat of ['final', 'auc']) {
      const paired = r.results.paired['grid/zigzag'][`${method}-minus-sac`][stat];
      assert.equal(paired.seeds, 2);
      finite(paired.mean, 'paired difference');
      // the bootstrap interval of a 2-value mean lies between the two differences
      assert.ok(paired.bootstrapLow >= Math.min(...paired.perSeed) - 1e-12 && paired.bootstrapHigh <= Math.max(...paired.perSeed) + 1e-12);
    }
  const proxy = r.results.proxy['grid/zigzag'];
  assert.ok(proxy.solves > 0);
  for (const v of Object.values(proxy.perCell) as number[]) assert.ok(v > 0 && v <= 0.01 + 1e-9);
  assert.equal(proxy.overlapKendallTau.perSeed.length, 2);
  assert.ok(Math.abs(proxy.overlapKendallTau.pooled) <= 1);
});

test('ot-mazes: neural Distral on the same networks as sac, paired against it', async () => {
  const r = await runBuiltin('ot-mazes', ['envs=["grid/zigzag"]', 'methods=["distral-neural","sac"]', 'seeds=1', 'stepsPerTask=120', 'maxEpisodeSteps=30', 'sac.learningStarts=40', 'sac.batchSize=16', 'sac.hidden=[16]', 'points=4', 'bootstrap=50']);
  finite(r.results.final['grid/zigzag']['distral-neural'].mean, 'distral-neural');
  finite(r.results.paired['grid/zigzag']['distral-neural-minus-sac'].auc.mean, 'paired auc');
});

test('ot-sweep: every (σ, β) setting gets an AUC over seeds and the best one is the largest', async () => {
  const r = await runBuiltin('ot-sweep', ['sigmas=[0.01,0.1]', 'betas=[2]', 'seeds=1', 'stepsPerTask=100', 'maxEpisodeSteps=30', 'sac.learningStarts=40', 'sac.batchSize=16', 'sac.hidden=[16]', 'points=4']);
  assert.deepEqual(r.results.settings.map((s: { sigma: number; beta: number }) => [s.sigma, s.beta]), [[0.01, 2], [0.1, 2]]);
  const aucs = r.results.settings.map((s: { auc: { mean: number } }) => s.auc.mean);
  for (const a of aucs) finite(a, 'auc');
  assert.equal(r.results.best.auc, Math.max(...aucs));
  assert.equal(r.results.best.beta, 2);
});

test('distral-two-room: every variant trains, with a final return and a π0 picture where there is a π0; paired against independent learners', async () => {
  const r = await runBuiltin('distral-two-room', ['seeds=2', 'rounds=40', 'window=20', 'variants=["kl-1col","multitask","independent"]', 'pi0PreviousAction=true', 'bootstrap=100']);
  finite(r.results.final['kl-1col'].mean, 'kl-1col');
  finite(r.results.final.multitask.mean, 'multitask');
  finite(r.results.auc.independent.mean, 'independent');
  assert.equal(r.results.threshold['kl-1col'].perSeed.length, 2);
  const paired = r.results.paired['kl-1col-minus-independent'].final;
  assert.equal(paired.seeds, 2);
  assert.ok(paired.bootstrapLow <= paired.bootstrapHigh);
  assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith('pi0-kl-1col.svg')));
  assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith('learning-curves.svg')));
  assert.ok(!r.events.some((e) => e.type === 'artifact' && e.path.endsWith('pi0-multitask.svg')));
  assert.ok(!r.events.some((e) => e.type === 'artifact' && e.path.endsWith('pi0-independent.svg')));
});

test('same seed, same results: mop with jobs in worker threads equals mop in this thread', async () => {
  const main = await tinyMopRun();
  const workers = await runBuiltin('mop', TINY_MOP, { jobThread: 'worker' });
  assert.deepEqual(workers.results.returns, main.results.returns);
  assert.deepEqual(workers.results.seeds, main.results.seeds);
});

test('offline first: mop with data.from a previous run trains no behavior policy and records the files it used', async () => {
  const first = await runBuiltin('collect', ['episodes=2', 'kinds=["expert"]']);
  const files = { left: first.results.datasets.left.expert.path, right: first.results.datasets.right.expert.path };
  const r = await runBuiltin('mop', [...TINY_MOP, `data.from=${JSON.stringify(files)}`]);
  checkReturns(r.results.returns, ['left', 'right'], ['behavior', 'teacher', 'student']);
  assert.equal(r.results.seeds['0'].inputs.left.expert.path, files.left);
  assert.match(r.results.seeds['0'].inputs.left.expert.sha256, /^[0-9a-f]{64}$/);
  assert.ok(!r.events.some((e) => e.type === 'progress' && /^(seed-\d+\/)?behavior\//.test(e.id)));
  const fromRun = await runBuiltin('mop', [...TINY_MOP, `data.from=${JSON.stringify(first.dir)}`, 'teacher.steps=5']);
  assert.equal(fromRun.results.seeds['0'].inputs.right.expert.path, files.right);
  // A run over seeds as the source: each seed reads its own seed's datasets.
  const source = await tinyMopRun();
  const fromSeeds = await runBuiltin('mop', [...TINY_MOP, `data.from=${JSON.stringify(source.dir)}`, 'teacher.steps=5']);
  assert.equal(fromSeeds.results.seeds['0'].inputs.left.expert.path, join(source.dir, 'seed-0', 'datasets', 'left-expert.arrow'));
});

test('mop-shift: composed datasets as the thesis (teacher episodes first, then the other source), a width × dataset table and the on-policy student', async () => {
  const r = await runBuiltin('mop-shift', [...TINY_MOP, 'widths=[8]', 'shift.episodes=10', 'studentStates.every=10']);
  for (const kind of ['online', 'noise', 'random90', 'random99']) finite(r.results.shift[kind].w8.mean, `shift.${kind}.w8`);
  finite(r.results.statesFrom.student.mean, 'statesFrom.student');
  finite(r.results.teacher.mean, 'teacher');
  assert.ok(r.events.some((e) => e.type === 'artifact' && e.path.endsWith('return-vs-width.svg')));
  // random90 of task left: episode 0 is the teacher's, episodes 1…9 uniform actions
  const model = await loadPolicyModel(join(r.dir, 'seed-0', 'teachers', 'left'))();
  if (E.isLeft(model)) throw new Error(model.left.message);
  const teacher = jsActor(model.right);
  const [batch] = await readAllBatches([join(r.dir, 'seed-0', 'datasets', 'left-random90.arrow')]);
  const episodes = new Set(batch.episode);
  assert.deepEqual([...episodes].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const agrees = (row: number) => {
    const a = teacher(batch.observation.subarray(row * batch.obsDim, (row + 1) * batch.obsDim));
    return [...a].every((x, k) => Math.abs(x - batch.action[row * a.length + k]) < 1e-5);
  };
  const rows = [...batch.episode.keys()];
  assert.ok(rows.filter((i) => batch.episode[i] === 0).every(agrees), 'episode 0 is the teacher');
  assert.ok(rows.filter((i) => batch.episode[i] > 0).filter(agrees).length === 0, 'episodes 1… are not the teacher');
});
