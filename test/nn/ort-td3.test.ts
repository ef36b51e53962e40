import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { clippedNoise } from '../../src/algos/actor-critic.ts';
import { Td3, TD3_DEFAULTS } from '../../src/algos/td3/td3.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtTd3 } from '../../src/nn/ort-td3.ts';

/**
 * TD3 on ORT against the tfjs Td3 (the reference) from the same weights, batches and noise
 * stream: every update's metrics, every network (actor, critics, both targets) after 6 updates
 * (3 of them with the delayed actor and Polyak step), and the plain-JS actor that acts from the
 * ORT state against Td3.act, to float tolerance.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACT = 3;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

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
      const batch = {
        size: B,
        obsDim: OBS,
        actDim: ACT,
        observation: data.fillNormal(new Float32Array(B * OBS), 0, 2) as Float32Array,
        action: data.fillUniform(new Float32Array(B * ACT), -1, 1) as Float32Array,
        reward: data.fillNormal(new Float32Array(B)) as Float32Array,
        nextObservation: data.fillNormal(new Float32Array(B * OBS), 0, 2) as Float32Array,
        done: Float32Array.from({ length: B }, (_, i) => (i % 5 === 0 ? 1 : 0)),
      };
      const want = algo.update(batch, noiseA);
      const got = ort.update(batch, clippedNoise(noiseB, B * ACT, hyper.policyNoise, hyper.noiseClip));
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `update ${k}: metric names`);
      assert.equal('actorLoss' in got, k % 2 === 1, `update ${k}: the actor moves every 2nd update`);
      for (const [name, value] of Object.entries(got))
        assert.ok(Math.abs(value - want[name]) <= 2e-5 * Math.max(1, Math.abs(want[name])), `update ${k} ${name}: ORT ${value}, tfjs ${want[name]}`);
      // Acting reads the ORT state in place: it follows the actor after each of its updates.
      const d = maxDiff(ort.actor().forward1(probe), algo.act(probe, 1));
      assert.ok(d < 1e-5, `update ${k}: JS actor over the ORT state and Td3.act differ by ${d}`);
    }
    const tfWeights = new Map(algo.weights().map((w) => [w.name, w]));
    const ortWeights = ort.weights();
    assert.equal(ortWeights.length, tfWeights.size);
    for (const w of ortWeights) {
      const ref = tfWeights.get(w.name);
      assert.ok(ref, `tfjs has no ${w.name}`);
      assert.deepEqual(w.shape, ref.shape, w.name);
      const d = maxDiff(w.data, ref.data);
      assert.ok(d < 1e-5, `${w.name}: ORT and tfjs differ by ${d}`);
    }
    const actorWeights = ort.actorWeights();
    assert.deepEqual(actorWeights.map((w) => w.name), algo.actor.weights().map((w) => w.name));
  } finally {
    ort.dispose();
    algo.dispose();
  }
});
