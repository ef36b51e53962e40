import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Sac } from '../../src/algos/sac/sac.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtSac, sacNoise } from '../../src/nn/ort-sac.ts';

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
        const batch = {
          size: B,
          obsDim: OBS,
          actDim: ACT,
          observation: data.fillNormal(new Float32Array(B * OBS)) as Float32Array,
          action: data.fillUniform(new Float32Array(B * ACT), -1, 1) as Float32Array,
          reward: data.fillNormal(new Float32Array(B)) as Float32Array,
          nextObservation: data.fillNormal(new Float32Array(B * OBS)) as Float32Array,
          done: Float32Array.from({ length: B }, (_, i) => (i % 5 === 0 ? 1 : 0)),
        };
        const want = algo.update(batch, noiseA);
        const got = ort.update(batch, sacNoise(noiseB, B, ACT));
        assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `update ${k}: metric names`);
        for (const [name, value] of Object.entries(got))
          assert.ok(Math.abs(value - want[name]) <= 2e-5 * Math.max(1, Math.abs(want[name])), `update ${k} ${name}: ORT ${value}, tfjs ${want[name]}`);
      }
      assert.equal(noiseA.uniform(), noiseB.uniform(), 'the same draws');
      if (autoEntropy) assert.ok(Math.abs(ort.alpha - hyper.initialAlpha) > 1e-3, 'α moved');
      const ref = new Map(algo.weights().map((w) => [w.name, w]));
      const got = ort.weights();
      assert.equal(got.length, ref.size);
      for (const w of got) {
        const r = ref.get(w.name);
        assert.ok(r, `tfjs has no ${w.name}`);
        assert.deepEqual(w.shape, r.shape, w.name);
        let d = 0;
        for (let i = 0; i < w.data.length; i++) d = Math.max(d, Math.abs(w.data[i] - r.data[i]));
        assert.ok(d < 1e-5, `${w.name}: ORT and tfjs differ by ${d}`);
      }
    } finally {
      ort.dispose();
      algo.dispose();
    }
  });
}
