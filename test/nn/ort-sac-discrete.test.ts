import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SacDiscrete } from '../../src/algos/sac/sac-discrete.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtSacDiscrete } from '../../src/nn/ort-sac-discrete.ts';
import { assertMetricsClose, assertWeightsClose, randomBatch } from '../helpers/ort-twins.ts';

/**
 * Discrete SAC on ORT against the tfjs SacDiscrete (the reference) from the same weights and
 * batches: every update's metrics and every network (actor, twin critics, targets, log α) after 6
 * updates, with α fixed and automatic; then acting: the same greedy actions and the same sampled
 * actions from the same RNG stream.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACTIONS = 4;

for (const autoEntropy of [false, true]) {
  test(`ORT discrete SAC update equals tfjs SacDiscrete over 6 updates (α ${autoEntropy ? 'automatic' : 'fixed'})`, () => {
    const rng = Rng.fromSeed(autoEntropy ? 31 : 30);
    const hyper = { hidden: [16, 16], actorLr: 3e-3, criticLr: 3e-3, alphaLr: 3e-2, gamma: 0.9, tau: 0.05, initialAlpha: 0.3, autoEntropy };
    const algo = new SacDiscrete({ obsDim: OBS, actions: ACTIONS }, hyper, rng.split('init'));
    const ort = new OrtSacDiscrete(OBS, ACTIONS, { ...algo.hyper, targetEntropy: algo.temperature.targetEntropy }, algo.weights());
    try {
      const data = rng.split('data');
      for (let k = 0; k < 6; k++) {
        const B = 29;
        const batch = randomBatch(data, B, OBS, 1, { doneEvery: 5, action: () => Float32Array.from({ length: B }, () => data.int(ACTIONS)) });
        const want = algo.update(batch, rng);
        const got = ort.update(batch);
        assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `update ${k}: metric names`);
        assertMetricsClose(got, want, `update ${k}`);
      }
      if (autoEntropy) assert.ok(Math.abs(ort.alpha - hyper.initialAlpha) > 1e-3, 'α moved');
      assertWeightsClose(ort.weights(), algo.weights(), 1e-5);

      const states = rng.fillNormal(new Float32Array(50 * OBS)) as Float32Array;
      assert.deepEqual(ort.act(states, 50), algo.act(states, 50), 'greedy actions');
      const [a, b] = [Rng.fromSeed(9), Rng.fromSeed(9)];
      assert.deepEqual(ort.act(states, 50, { explore: true, rng: a }), algo.act(states, 50, { explore: true, rng: b }), 'sampled actions');
      assert.equal(a.uniform(), b.uniform(), 'the same number of draws');
    } finally {
      ort.dispose();
      algo.dispose();
    }
  });
}
