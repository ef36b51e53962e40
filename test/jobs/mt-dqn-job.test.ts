import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DistilleryFailure } from '../../src/core/errors.ts';
import type { JobEvent } from '../../src/core/job.ts';
import trainMtDqnJob, { type TrainMtDqnInput } from '../../src/jobs/train-mt-dqn.ts';

/** CartPole (4 observations, 2 actions) and Acrobot (6, 3): different sizes through one network. */
const input: TrainMtDqnInput = {
  tasks: [
    { env: 'classic/cartpole', task: 'default' },
    { env: 'classic/acrobot', task: 'default', config: { maxEpisodeSteps: 40 } },
  ],
  hyper: { hidden: [16, 16], batchSize: 16, learningStarts: 20, epsilonSteps: 60 },
  steps: 120,
  evalEvery: 60,
  evalEpisodes: 1,
  seed: 3,
  backend: 'cpu',
  metricsEvery: 30,
};

test('MT-DQN job: one env step per task per iteration, updates once every buffer holds learningStarts, a greedy curve; deterministic per seed', async () => {
  const events: JobEvent[] = [];
  const out = await trainMtDqnJob(input, { report: (e) => events.push(e) });
  assert.deepEqual(out.tasks, ['classic/cartpole/default', 'classic/acrobot/default']);
  assert.deepEqual(out.curve.map((c) => c.step), [0, 60, 120]);
  for (const c of out.curve) {
    assert.equal(c.returns.length, 2);
    assert.ok(c.returns[0] >= 1 && c.returns[0] <= 500, `cartpole return ${c.returns[0]}`);
    assert.ok(c.returns[1] >= -40 && c.returns[1] <= 0, `acrobot return ${c.returns[1]}`);
  }
  const losses = events.filter((e) => e.kind === 'metric' && e.name === 'dqn/loss' && e.tags?.task !== undefined);
  // Updates start at iteration 20; metrics every 30 iterations and at the last: 30, 60, 90, 120 for both tasks.
  assert.equal(losses.length, 8);
  const again = await trainMtDqnJob(input, { report: () => {} });
  assert.deepEqual(again.curve, out.curve);
});

test('MT-DQN job: a continuous-action env is refused with one line (invalid-input)', async () => {
  await assert.rejects(
    trainMtDqnJob({ ...input, tasks: [{ env: 'classic/pendulum', task: 'default' }] }, { report: () => {} }),
    (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input' && /discrete actions/.test(e.message),
  );
});

test('MT-DQN job, transfer: the shared block learned on two tasks starts a third; frozen, it comes back unchanged', async () => {
  const first = await trainMtDqnJob({ ...input, steps: 40, evalEvery: 40 }, { report: () => {} });
  assert.deepEqual(
    first.sharedWeights.map((w) => w.name),
    ['shared/layer0/kernel', 'shared/layer0/bias'],
  );
  const held = { tasks: [{ env: 'classic/mountain-car', task: 'default', config: { maxEpisodeSteps: 30 } }], steps: 40, evalEvery: 40 };
  const frozen = await trainMtDqnJob({ ...input, ...held, shared: { weights: first.sharedWeights, freeze: true } }, { report: () => {} });
  frozen.sharedWeights.forEach((w, i) => assert.deepEqual(w.data, first.sharedWeights[i].data));
  const tuned = await trainMtDqnJob({ ...input, ...held, shared: { weights: first.sharedWeights, freeze: false } }, { report: () => {} });
  assert.notDeepEqual(tuned.sharedWeights[0].data, first.sharedWeights[0].data);
  // Weights of another architecture are refused with one line.
  await assert.rejects(
    trainMtDqnJob({ ...input, ...held, hyper: { ...input.hyper, hidden: [16, 8] }, shared: { weights: first.sharedWeights, freeze: true } }, { report: () => {} }),
    (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'bad-file' && !e.message.includes('\n'),
  );
});

test('MT-DQN job under --backend ort trains on ORT and matches the tfjs run (losses, greedy curve, shared block; frozen transfer)', async () => {
  const run = async (backend: 'ort' | 'cpu', extra: Partial<TrainMtDqnInput> = {}) => {
    const losses: Record<string, number> = {};
    const out = await trainMtDqnJob({ ...input, ...extra, backend }, {
      report: (e) => {
        if (e.kind === 'metric' && e.name === 'dqn/loss') losses[`${e.tags?.task}@${e.step}`] = e.value;
      },
    });
    return { out, losses };
  };
  const [viaTfjs, viaOrt] = [await run('cpu'), await run('ort')];
  assert.equal(viaOrt.out.backend, 'ort');
  assert.equal(viaTfjs.out.backend, 'cpu');
  assert.deepEqual(viaOrt.out.curve, viaTfjs.out.curve);
  assert.deepEqual(Object.keys(viaOrt.losses).sort(), Object.keys(viaTfjs.losses).sort());
  assert.equal(Object.keys(viaTfjs.losses).length, 8);
  for (const [k, v] of Object.entries(viaTfjs.losses)) assert.ok(Math.abs(viaOrt.losses[k] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${k}: ORT ${viaOrt.losses[k]} vs tfjs ${v}`);
  viaOrt.out.sharedWeights.forEach((w, i) => {
    const ref = viaTfjs.out.sharedWeights[i];
    assert.equal(w.name, ref.name);
    for (let j = 0; j < ref.data.length; j++) assert.ok(Math.abs(w.data[j] - ref.data[j]) < 1e-4, `${w.name}[${j}]: ORT ${w.data[j]} vs tfjs ${ref.data[j]}`);
  });
  const held = { tasks: [{ env: 'classic/mountain-car', task: 'default', config: { maxEpisodeSteps: 30 } }], steps: 40, evalEvery: 40 };
  const frozen = await run('ort', { ...held, shared: { weights: viaTfjs.out.sharedWeights, freeze: true } });
  assert.equal(frozen.out.backend, 'ort');
  frozen.out.sharedWeights.forEach((w, i) => assert.deepEqual(w.data, viaTfjs.out.sharedWeights[i].data));
});
