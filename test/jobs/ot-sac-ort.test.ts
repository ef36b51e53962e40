import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainOtSacJob, type TrainOtSacInput } from '../../src/jobs/train-ot-sac.ts';

/**
 * The OT-maze SAC job trained on ORT (updates as graphs, acting in JS on the live ORT weights)
 * against the same job on tfjs: the same cells visited, the same returns and proxy rewards, to
 * float tolerance, over a run long enough for the updates to move the policy.
 */

const input = (backend: TrainOtSacInput['backend']): TrainOtSacInput => ({
  envId: 'grid/zigzag',
  envConfig: { maxEpisodeSteps: 40 },
  tasks: [],
  sharing: 'ot',
  stepsPerTask: 250,
  hyper: { hidden: [16], batchSize: 16, learningStarts: 40, bufferCapacity: 1000, initialAlpha: 0.05, autoEntropy: true, actorLr: 3e-3, criticLr: 3e-3, alphaLr: 3e-3 },
  targetEntropyRatio: null,
  updateEvery: 3,
  ot: { sigma: 0.3, beta: 2, epsilon: 0.05, iterations: 50, normalize: 'running', features: 'xy', proxy: 'update', recent: 4 },
  seed: 7,
  backend,
});

test('the OT-maze SAC job on ORT equals the job on tfjs (returns, visited cells, proxy rewards)', async () => {
  const ort = await trainOtSacJob(input('ort'), { report: () => undefined });
  const tfjs = await trainOtSacJob(input('cpu'), { report: () => undefined });
  assert.equal(ort.backend, 'ort');
  assert.equal(tfjs.backend, 'cpu');
  assert.ok(ort.updates > 100, `${ort.updates} updates`);
  assert.equal(ort.updates, tfjs.updates);
  assert.deepEqual([...ort.steps], [...tfjs.steps]);
  assert.deepEqual([...ort.returns], [...tfjs.returns]);
  assert.deepEqual([...ort.proxyCount!], [...tfjs.proxyCount!]);
  for (let c = 0; c < ort.proxyPerCell!.length; c++) {
    const [a, b] = [ort.proxyPerCell![c], tfjs.proxyPerCell![c]];
    assert.ok((Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) < 1e-5, `cell ${c}: ORT ${a}, tfjs ${b}`);
  }
});
