import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { clippedNoise } from '../../src/algos/actor-critic.ts';
import { Td3Bc, TD3BC_DEFAULTS } from '../../src/algos/td3bc/td3bc.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtTd3Bc } from '../../src/nn/ort-td3bc.ts';

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
      const batch = {
        size: B,
        obsDim: OBS,
        actDim: ACT,
        observation: data.fillNormal(new Float32Array(B * OBS), 0, 2) as Float32Array,
        action: data.fillUniform(new Float32Array(B * ACT), -1, 1) as Float32Array,
        reward: data.fillNormal(new Float32Array(B)) as Float32Array,
        nextObservation: data.fillNormal(new Float32Array(B * OBS), 0, 2) as Float32Array,
        done: Float32Array.from({ length: B }, (_, i) => (i % 7 === 0 ? 1 : 0)),
      };
      const want = algo.update(batch, noiseA);
      const got = ort.update(batch, clippedNoise(noiseB, B * ACT, hyper.policyNoise, hyper.noiseClip));
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).filter((n) => n !== 'lambda').sort(), `update ${k}: metric names`);
      for (const [name, value] of Object.entries(got))
        assert.ok(Math.abs(value - want[name]) <= 2e-5 * Math.max(1, Math.abs(want[name])), `update ${k} ${name}: ORT ${value}, tfjs ${want[name]}`);
    }
    const tfWeights = new Map(algo.weights().map((w) => [w.name, w]));
    const ortWeights = ort.weights();
    assert.equal(ortWeights.length, tfWeights.size);
    for (const w of ortWeights) {
      const ref = tfWeights.get(w.name);
      assert.ok(ref, `tfjs has no ${w.name}`);
      assert.deepEqual(w.shape, ref.shape, w.name);
      let d = 0;
      for (let i = 0; i < w.data.length; i++) d = Math.max(d, Math.abs(w.data[i] - ref.data[i]));
      assert.ok(d < 1e-5, `${w.name}: ORT and tfjs differ by ${d}`);
    }
  } finally {
    ort.dispose();
    algo.dispose();
  }
});
