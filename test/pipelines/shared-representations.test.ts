/**
 * The shared-representation pipelines (D'Eramo et al. 2020) end to end at tiny budgets, jobs in
 * this thread: the runs each method makes per seed, the curves and tables over seeds, the
 * datasets each run leaves (readable, one per task, every transition), the paired comparison and
 * the transfer wiring. The budgets learn nothing; the science is in the README's runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { lastValueFrom } from 'rxjs';
import { summarizeDatasets } from '../../src/operators/index.ts';
import { runBuiltin } from './helpers.ts';

const TINY_DQN = ['seeds=2', 'run.steps=30', 'run.evalEvery=15', 'run.evalEpisodes=1', 'run.hyper.hidden=[8,8]', 'run.hyper.batchSize=8', 'run.hyper.learningStarts=10'];
const TWO = 'envs=["classic/cartpole","classic/car-on-hill"]';

const finite = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what}: ${String(x)}`);

test('mt-dqn: per seed one multi-task run and one run per task; curves, finals with CIs, paired differences, datasets', async () => {
  const r = await runBuiltin('mt-dqn', [TWO, ...TINY_DQN]);
  assert.equal(r.status, 'completed');
  for (const task of ['classic/cartpole/default', 'classic/car-on-hill/default']) {
    for (const method of ['mt-dqn', 'dqn']) {
      const f = r.results.final[task][method];
      assert.equal(f.seeds, 2);
      assert.equal(f.perSeed.length, 2);
      finite(f.mean, `${task} ${method} final`);
      finite(f.ci95, `${task} ${method} ci95`);
      assert.ok(Math.abs(f.mean - (f.perSeed[0] + f.perSeed[1]) / 2) < 1e-9);
    }
    const d = r.results.paired[task]['mt-dqn-minus-dqn'];
    assert.ok(Math.abs(d.final.mean - (r.results.final[task]['mt-dqn'].mean - r.results.final[task].dqn.mean)) < 1e-9);
    const svg = `${r.dir}/curves-${task.replace('/default', '').replace('/', '-')}.svg`;
    assert.ok(existsSync(svg) && readFileSync(svg, 'utf8').startsWith('<svg'), svg);
  }
  // 2 seeds × (1 multi-task run on 2 tasks + 2 single-task runs) = 8 datasets of 30 transitions
  const datasets: { path: string; transitions: number; method: string; task: string }[] = r.results.datasets;
  assert.equal(datasets.length, 8);
  for (const d of datasets) {
    assert.equal(d.transitions, 30);
    const s = await lastValueFrom(summarizeDatasets([d.path]));
    assert.equal(s.tasks.default.transitions, 30, d.path);
  }
  assert.ok(r.events.some((e) => e.type === 'table' && e.title.startsWith('MT-DQN vs DQN')));
});

test('mt-transfer: a source run on the other envs, then transfer (frozen shared block) and scratch on the held-out env', async () => {
  const r = await runBuiltin('mt-transfer', ['envs=["classic/cartpole","classic/acrobot","classic/car-on-hill"]', 'heldOut=["classic/acrobot"]', ...TINY_DQN]);
  assert.equal(r.status, 'completed');
  const task = 'classic/acrobot/default';
  assert.deepEqual(Object.keys(r.results.final), [task]);
  for (const method of ['transfer', 'scratch']) assert.equal(r.results.final[task][method].seeds, 2);
  const methods = new Set((r.results.datasets as { method: string }[]).map((d) => d.method));
  assert.deepEqual([...methods].sort(), ['scratch', 'source', 'transfer']);
  // the source run saw the other two envs only
  const source = (r.results.datasets as { method: string; task: string }[]).filter((d) => d.method === 'source').map((d) => d.task);
  assert.deepEqual([...new Set(source)].sort(), ['classic/car-on-hill/default', 'classic/cartpole/default']);
});

test('mt-transfer and mt-dqn refuse bad env lists with one line before running', async () => {
  await assert.rejects(runBuiltin('mt-transfer', ['envs=["classic/cartpole","classic/acrobot"]', 'heldOut=["classic/mountain-car"]']), /heldOut: classic\/mountain-car is not one of envs/);
  await assert.rejects(runBuiltin('mt-dqn', ['envs=["classic/pendulum"]']), /continuous actions/);
  await assert.rejects(runBuiltin('mt-ddpg', ['envs=["classic/cartpole"]']), /bounded continuous actions/);
});

test('mt-ddpg: multi-task and single-task DDPG per seed on the paper\'s three MuJoCo pendulum tasks', async () => {
  const r = await runBuiltin('mt-ddpg', ['seeds=2', 'run.steps=20', 'run.evalEvery=10', 'run.evalEpisodes=1', 'run.hyper.hidden=[8,8]', 'run.hyper.batchSize=8', 'run.hyper.learningStarts=10']);
  assert.equal(r.status, 'completed');
  for (const task of ['mujoco/inverted-pendulum/default', 'mujoco/inverted-double-pendulum/default', 'mujoco/cartpole-swingup/default'])
    for (const method of ['mt-ddpg', 'ddpg']) {
      finite(r.results.final[task][method].mean, `${task} ${method}`);
      assert.equal(r.results.final[task][method].seeds, 2);
    }
  // 2 seeds × (3 tasks in the multi-task run + 3 single-task runs)
  assert.equal(r.results.datasets.length, 12);
});
