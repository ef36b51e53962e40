import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MtDqn, type MtDqnBatch } from '../../src/algos/mt-dqn/mt-dqn.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { OrtMtDqn } from '../../src/nn/ort-mt-dqn.ts';
import { assertWeightsClose } from '../helpers/ort-twins.ts';

/**
 * MT-DQN on ORT against the tfjs MtDqn (the reference) from the same weights and batches: two
 * tasks of different observation and action sizes (task 0's observations zero-padded to task 1's
 * width), every update's per-task losses and the online and target networks after 7 updates, with
 * a target copy every 3 updates; with the shared block trained and frozen. Then acting: the same
 * ε-greedy actions from the same RNG stream, with the same number of draws.
 */

before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));

const OBS = [4, 6];
const ACTIONS = [2, 3];
const WIDTH = Math.max(...OBS);

const batchOf = (data: Rng, task: number, rows: number): MtDqnBatch => {
  // Task 0 pads its observations to WIDTH columns; the padding must change nothing.
  const width = task === 0 ? WIDTH : OBS[task];
  const pad = (x: Float32Array): Float32Array => x.map((v, i) => (i % width < OBS[task] ? v : 0));
  return {
    task,
    observations: pad(data.fillNormal(new Float32Array(rows * width)) as Float32Array),
    actions: Int32Array.from({ length: rows }, () => data.int(ACTIONS[task])),
    rewards: data.fillNormal(new Float32Array(rows), 0, 2) as Float32Array,
    nextObservations: pad(data.fillNormal(new Float32Array(rows * width)) as Float32Array),
    terminated: Uint8Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? 1 : 0)),
  };
};

for (const trainShared of [true, false]) {
  test(`ORT MT-DQN update equals tfjs MtDqn over 7 updates (shared block ${trainShared ? 'trained' : 'frozen'})`, () => {
    const rng = Rng.fromSeed(trainShared ? 40 : 41);
    const hyper = { hidden: [16, 16, 12], lr: 3e-3, gamma: 0.9, targetUpdate: 3, huberDelta: 1 };
    const tasks = { observationSizes: OBS, actionCounts: ACTIONS };
    const algo = new MtDqn(tasks, hyper, rng.split('init'), { trainShared });
    const ort = new OrtMtDqn({ ...tasks, ...algo.hyper, trainShared }, algo.online.weights(), algo.target.weights());
    try {
      const sharedBefore = algo.sharedWeights();
      const data = rng.split('data');
      let huberTails = 0;
      for (let k = 0; k < 7; k++) {
        const batches = [batchOf(data, 0, 23), batchOf(data, 1, 17)];
        const want = algo.update(batches);
        const got = ort.update(batches);
        assert.equal(got.length, 2);
        got.forEach((l, t) => assert.ok(Math.abs(l - want[t]) <= 2e-5 * Math.max(1, Math.abs(want[t])), `update ${k} task ${t}: ORT loss ${l}, tfjs ${want[t]}`));
        huberTails += want.filter((l) => l > 0.5).length;
      }
      assert.ok(huberTails > 0, 'some TD errors reach the linear part of the Huber loss');
      assert.equal(ort.updateCount, 7);
      assertWeightsClose(ort.weights(), algo.online.weights(), 1e-5);
      assertWeightsClose(ort.targetWeights(), algo.target.weights(), 1e-5);
      if (!trainShared) ort.sharedWeights().forEach((w, i) => assert.deepEqual(w.data, sharedBefore[i].data, `${w.name} is frozen`));

      const [a, b] = [Rng.fromSeed(9), Rng.fromSeed(9)];
      for (let i = 0; i < 60; i++) {
        const task = i % 2;
        const o = rng.fillNormal(new Float32Array(OBS[task])) as Float32Array;
        assert.deepEqual(ort.qValues(task, o).length, ACTIONS[task]);
        assert.equal(ort.act(task, o, 0, Rng.fromSeed(0)), algo.act(task, o, 0, Rng.fromSeed(0)), `greedy action ${i}`);
        assert.equal(ort.act(task, o, 0.3, a), algo.act(task, o, 0.3, b), `ε-greedy action ${i}`);
      }
      assert.equal(a.uniform(), b.uniform(), 'the same number of draws');
    } finally {
      ort.dispose();
      algo.dispose();
    }
  });
}
