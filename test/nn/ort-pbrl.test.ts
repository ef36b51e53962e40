import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Pbrl, PBRL_DEFAULTS, oodDecayOf, pbrlUpdateNoise, type PbrlHyper } from '../../src/algos/pbrl/pbrl.ts';
import { oodPenaltyWeight } from '../../src/algos/pbrl/targets.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtPbrl } from '../../src/nn/ort-pbrl.ts';
import { assertMetricsClose, assertSameDrawsAndWeights, randomBatch } from '../helpers/ort-twins.ts';

/**
 * PBRL on ORT against the tfjs Pbrl (the reference) from the same weights, batches and draws:
 * every update's metrics, and every network (actor, critics, both targets) after 6 updates (3 with
 * the delayed actor and Polyak step, 3 critic-only), to float tolerance. β_ood decays fast so a
 * wrong schedule shows; the defaults (deterministic actor, target critics) and the other branches
 * (Gaussian actor, online critics, normalised states) each run.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACT = 2;

const compare = (hyper: Partial<PbrlHyper>): void => {
  const rng = Rng.fromSeed(17);
  const h: PbrlHyper = { ...PBRL_DEFAULTS, hidden: [24, 24], ensembleSize: 3, oodSamples: 2, actorLr: 3e-3, criticLr: 3e-3, tau: 0.05, betaOodDecay: 0.7, ...hyper };
  const stats = { mean: rng.fillNormal(new Float32Array(OBS)) as Float32Array, std: rng.fillUniform(new Float32Array(OBS), 0.5, 2) as Float32Array };
  const algo = new Pbrl({ obsDim: OBS, actDim: ACT }, h, rng.split('init'), stats);
  const ort = new OrtPbrl(OBS, ACT, h, algo.weights());
  const schedule = { initial: h.betaOodInitial, decay: oodDecayOf(h), min: h.betaOodMin };
  const [drawsA, drawsB] = [Rng.fromSeed(5), Rng.fromSeed(5)];
  try {
    const data = rng.split('data');
    for (let k = 0; k < 6; k++) {
      const B = 29 + k;
      const batch = randomBatch(data, B, OBS, ACT, { obsStd: 2, doneEvery: 7 });
      const actorStep = ort.nextUpdatesActor;
      assert.equal(actorStep, k % 2 === 1, `update ${k}: the actor moves every second update`);
      const want = algo.update(batch, drawsA);
      const got = ort.update(batch, pbrlUpdateNoise(drawsB, h, B, ACT, actorStep), oodPenaltyWeight(k, schedule));
      assert.deepEqual(Object.keys(got), Object.keys(want), `update ${k}: metric names`);
      assertMetricsClose(got, want, `update ${k}`);
    }
    assertSameDrawsAndWeights(drawsA, drawsB, ort, algo);
  } finally {
    ort.dispose();
    algo.dispose();
  }
};

test('ORT PBRL update equals tfjs Pbrl over 6 updates (defaults: deterministic actor, target critics)', () => compare({}));

test('ORT PBRL update equals tfjs Pbrl with a Gaussian actor, online critics and normalised states', () =>
  compare({ actorHead: 'gaussian', targetCritics: 'online', normalizeStates: true, oodLossWeight: 0.5, betaIn: 0.3 }));
