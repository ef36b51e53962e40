import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { NaiveMtPbrl } from '../../src/algos/naive-mt/naive-mt.ts';
import { PBRL_DEFAULTS, pbrlUpdateNoise, type PbrlHyper } from '../../src/algos/pbrl/pbrl.ts';
import { oodPenaltyWeight } from '../../src/algos/pbrl/targets.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtNaiveMt } from '../../src/nn/ort-naive-mt.ts';
import type { TaskEncoding } from '../../src/nn/student.ts';
import { assertMetricsClose, assertSameDrawsAndWeights, randomBatch } from '../helpers/ort-twins.ts';

/**
 * Naive multi-task PBRL on ORT against the tfjs NaiveMtPbrl (the reference) from the same weights,
 * batches and draws, tasks in round-robin: every update's metrics, and every network (the shared
 * actor and its target, each task's critics and targets) after 9 updates (3 per task; each task's
 * second moves the shared actor), to float tolerance. β_ood decays fast and per task, so a schedule
 * counted over all tasks shows; both task encodings and both choices of target critics run.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = 5;
const ACT = 2;
const TASKS = 3;

const compare = (encoding: TaskEncoding, hyper: Partial<PbrlHyper>): void => {
  const rng = Rng.fromSeed(23);
  const h: PbrlHyper = { ...PBRL_DEFAULTS, hidden: [24, 24], ensembleSize: 3, oodSamples: 2, actorLr: 3e-3, criticLr: 3e-3, tau: 0.05, betaOodDecay: 0.7, ...hyper };
  const algo = new NaiveMtPbrl({ obsDim: OBS, actDim: ACT, tasks: TASKS }, h, rng.split('init'), encoding);
  const ort = new OrtNaiveMt({ obsDim: OBS, actDim: ACT, tasks: TASKS }, h, encoding, algo.weights());
  const schedule = { initial: h.betaOodInitial, decay: h.betaOodDecay, min: h.betaOodMin };
  const [drawsA, drawsB] = [Rng.fromSeed(5), Rng.fromSeed(5)];
  try {
    const data = rng.split('data');
    for (let k = 0; k < 3 * TASKS; k++) {
      const task = k % TASKS;
      const round = Math.floor(k / TASKS);
      const B = 29 + k;
      const batch = randomBatch(data, B, OBS, ACT, { obsStd: 2, doneEvery: 7 });
      const actorStep = ort.nextUpdatesActor(task);
      assert.equal(actorStep, round === 1, `update ${k}: the actor moves on each task's second update`);
      const want = algo.update(task, batch, drawsA);
      const got = ort.update(task, batch, pbrlUpdateNoise(drawsB, { ...h, actorHead: 'deterministic' }, B, ACT, actorStep), oodPenaltyWeight(round, schedule));
      assert.deepEqual(Object.keys(got), Object.keys(want), `update ${k}: metric names`);
      assertMetricsClose(got, want, `update ${k}`);
    }
    assertSameDrawsAndWeights(drawsA, drawsB, ort, algo);
  } finally {
    ort.dispose();
    algo.dispose();
  }
};

test('ORT naive multi-task PBRL equals tfjs NaiveMtPbrl over 9 round-robin updates (one-hot tasks, target critics)', () => compare('onehot', {}));

test('ORT naive multi-task PBRL equals tfjs NaiveMtPbrl with a scalar task id, online critics and other loss weights', () =>
  compare('scalar', { targetCritics: 'online', oodLossWeight: 0.5, betaIn: 0.3 }));
