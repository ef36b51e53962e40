import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { clippedNoise } from '../../src/algos/actor-critic.ts';
import { Td3Bc, TD3BC_DEFAULTS } from '../../src/algos/td3bc/td3bc.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtTd3Bc } from '../../src/nn/ort-td3bc.ts';
import { assertMetricsClose, assertWeightsClose, randomBatch } from '../helpers/ort-twins.ts';

/**
 * TD3+BC on ORT against the tfjs Td3Bc (the reference) from the same weights, batches and noise
 * stream: every update's metrics, and every network (actor, critics, both targets) after 6
 * updates (3 of them with the delayed actor and Polyak step), to float tolerance.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 6;
const ACT = 2;

test('ORT TD3+BC update equals tfjs Td3Bc over 6 updates (critics, delayed actor, targets)', () => {
  const rng = Rng.fromSeed(21);
  const hyper = { ...TD3BC_DEFAULTS, hidden: [24, 24], actorLr: 3e-3, criticLr: 3e-3, tau: 0.05 };
  const stats = { mean: rng.fillNormal(new Float32Array(OBS)) as Float32Array, std: rng.fillUniform(new Float32Array(OBS), 0.5, 2) as Float32Array };
  const algo = new Td3Bc({ obsDim: OBS, actDim: ACT }, hyper, stats, rng.split('init'));
  const ort = new OrtTd3Bc(OBS, ACT, hyper, algo.weights());
  const [noiseA, noiseB] = [Rng.fromSeed(5), Rng.fromSeed(5)];
  try {
    const data = rng.split('data');
    for (let k = 0; k < 6; k++) {
      const B = 33;
      const batch = randomBatch(data, B, OBS, ACT, { obsStd: 2, doneEvery: 7 });
      const want = algo.update(batch, noiseA);
      const got = ort.update(batch, clippedNoise(noiseB, B * ACT, hyper.policyNoise, hyper.noiseClip));
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).filter((n) => n !== 'lambda').sort(), `update ${k}: metric names`);
      assertMetricsClose(got, want, `update ${k}`);
    }
    assertWeightsClose(ort.weights(), algo.weights());
  } finally {
    ort.dispose();
    algo.dispose();
  }
});
