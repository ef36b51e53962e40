import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { clippedNoise } from '../../src/algos/actor-critic.ts';
import { Td3, TD3_DEFAULTS } from '../../src/algos/td3/td3.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtTd3 } from '../../src/nn/ort-td3.ts';
import { assertMetricsClose, assertWeightsClose, maxDiff, randomBatch } from '../helpers/ort-twins.ts';

/**
 * TD3 on ORT against the tfjs Td3 (the reference) from the same weights, batches and noise
 * stream: every update's metrics, every network (actor, critics, both targets) after 6 updates
 * (3 of them with the delayed actor and Polyak step), and the plain-JS actor that acts from the
 * ORT state against Td3.act, to float tolerance.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACT = 3;

test('ORT TD3 update equals tfjs Td3 over 6 updates (critics, delayed actor, targets) and acts as it does', () => {
  const rng = Rng.fromSeed(12);
  const hyper = { ...TD3_DEFAULTS, hidden: [24, 24], actorLr: 3e-3, criticLr: 3e-3, tau: 0.05, gamma: 0.9 };
  const algo = new Td3({ obsDim: OBS, actDim: ACT }, hyper, rng.split('init'));
  const ort = new OrtTd3(OBS, ACT, hyper, algo.weights());
  const [noiseA, noiseB] = [Rng.fromSeed(5), Rng.fromSeed(5)];
  const probe = rng.split('probe').fillNormal(new Float32Array(OBS), 0, 2) as Float32Array;
  try {
    const data = rng.split('data');
    for (let k = 0; k < 6; k++) {
      const B = 29;
      const batch = randomBatch(data, B, OBS, ACT, { obsStd: 2, doneEvery: 5 });
      const want = algo.update(batch, noiseA);
      const got = ort.update(batch, clippedNoise(noiseB, B * ACT, hyper.policyNoise, hyper.noiseClip));
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `update ${k}: metric names`);
      assert.equal('actorLoss' in got, k % 2 === 1, `update ${k}: the actor moves every 2nd update`);
      assertMetricsClose(got, want, `update ${k}`);
      // Acting reads the ORT state in place: it follows the actor after each of its updates.
      const d = maxDiff(ort.actor().forward1(probe), algo.act(probe, 1));
      assert.ok(d < 1e-5, `update ${k}: JS actor over the ORT state and Td3.act differ by ${d}`);
    }
    assertWeightsClose(ort.weights(), algo.weights());
    const actorWeights = ort.actorWeights();
    assert.deepEqual(actorWeights.map((w) => w.name), algo.actor.weights().map((w) => w.name));
  } finally {
    ort.dispose();
    algo.dispose();
  }
});
