import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Sac } from '../../src/algos/sac/sac.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtSac, sacNoise } from '../../src/nn/ort-sac.ts';
import { assertMetricsClose, assertWeightsClose, randomBatch } from '../helpers/ort-twins.ts';

/**
 * Continuous SAC on ORT against the tfjs Sac (the reference) from the same weights, batches and
 * reparameterisation noise (drawn in Sac.update's order from twin RNG streams): every update's
 * metrics and every network (actor, twin critics, targets, log α) after 6 updates, α fixed and
 * automatic.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACT = 2;

for (const autoEntropy of [false, true]) {
  test(`ORT SAC update equals tfjs Sac over 6 updates (α ${autoEntropy ? 'automatic' : 'fixed'})`, () => {
    const rng = Rng.fromSeed(autoEntropy ? 41 : 40);
    const hyper = { hidden: [16, 16], actorLr: 3e-3, criticLr: 3e-3, alphaLr: 3e-2, gamma: 0.9, tau: 0.05, initialAlpha: 0.3, autoEntropy };
    const algo = new Sac({ obsDim: OBS, actDim: ACT }, hyper, rng.split('init'));
    const ort = new OrtSac(OBS, ACT, { ...algo.hyper, targetEntropy: algo.temperature.targetEntropy }, algo.weights());
    const [noiseA, noiseB] = [Rng.fromSeed(5), Rng.fromSeed(5)];
    try {
      const data = rng.split('data');
      for (let k = 0; k < 6; k++) {
        const B = 29;
        const batch = randomBatch(data, B, OBS, ACT, { doneEvery: 5 });
        const want = algo.update(batch, noiseA);
        const got = ort.update(batch, sacNoise(noiseB, B, ACT));
        assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `update ${k}: metric names`);
        assertMetricsClose(got, want, `update ${k}`);
      }
      assert.equal(noiseA.uniform(), noiseB.uniform(), 'the same draws');
      if (autoEntropy) assert.ok(Math.abs(ort.alpha - hyper.initialAlpha) > 1e-3, 'α moved');
      assertWeightsClose(ort.weights(), algo.weights());
    } finally {
      ort.dispose();
      algo.dispose();
    }
  });
}
