import { pathToFileURL } from 'node:url';
import { MtDqn, type MtDqnBatch } from '../src/algos/mt-dqn/mt-dqn.ts';
import { Rng } from '../src/core/rng.ts';
import { OrtMtDqn } from '../src/nn/ort-mt-dqn.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine } from './harness.ts';
import type { Benchmark } from './types.ts';

/**
 * The MT-DQN update as the train-mt-dqn job runs it with the paper's network (D'Eramo et al.
 * 2020: input 80, shared 80 → 80 → 80, batch 100 per task) on the classic tasks' sizes (CartPole
 * 4/2, Acrobot 6/3, MountainCar 2/3): ORT (OrtMtDqn, one graph) against tfjs (MtDqn.update), on
 * pre-drawn batches; alternated `ROUNDS` times, best round of each. No PyTorch reference script.
 */
const ROUNDS = 3;
const OBS = [4, 6, 2];
const ACTIONS = [2, 3, 3];
const HYPER = { hidden: [80, 80, 80], batchSize: 100 };

const batches = (rng: Rng, count: number): MtDqnBatch[][] =>
  Array.from({ length: count }, () =>
    OBS.map((n, task) => ({
      task,
      observations: rng.fillNormal(new Float32Array(HYPER.batchSize * n)) as Float32Array,
      actions: Float32Array.from({ length: HYPER.batchSize }, () => rng.int(ACTIONS[task])),
      rewards: rng.fillNormal(new Float32Array(HYPER.batchSize)) as Float32Array,
      nextObservations: rng.fillNormal(new Float32Array(HYPER.batchSize * n)) as Float32Array,
      terminated: Uint8Array.from({ length: HYPER.batchSize }, () => (rng.uniform() < 0.02 ? 1 : 0)),
    })),
  );

/** Updates per second (both return their losses: synchronous). */
const measure = (engine: 'ort' | 'tfjs', steps: number): number => {
  const rng = Rng.fromSeed(0);
  const tasks = { observationSizes: OBS, actionCounts: ACTIONS };
  const dqn = new MtDqn(tasks, HYPER, rng.split('init'));
  const ort = engine === 'ort' ? new OrtMtDqn({ ...tasks, ...dqn.hyper, trainShared: true }, dqn.online.weights(), dqn.target.weights()) : undefined;
  const data = batches(rng.split('data'), 16);
  const learner = ort ?? dqn;
  const perSecond = callsPerSecond((i) => void learner.update(data[i % data.length]), 4, steps);
  ort?.dispose();
  dqn.dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'mt-dqn',
  description: "MT-DQN update as the train-mt-dqn job runs it (3 classic tasks, the paper's 80-wide shared network, batch 100 per task): ORT vs tfjs, alternated",
  async run({ quick, log }) {
    const { tfjsName } = await benchContext('mt-dqn', log);
    const steps = quick ? 4 : 400;
    const rounds = quick ? 1 : ROUNDS;
    const update = alternateRounds(rounds, { ort: () => measure('ort', steps), tfjs: () => measure('tfjs', quick ? steps : steps / 4) });
    log(roundsLine('mt-dqn-update', update, tfjsName, rounds));
    return [
      {
        name: 'mt-dqn-update',
        value: update.ort,
        unit: 'steps/s',
        backend: 'ort',
        extra: { tasks: OBS.length, batch: HYPER.batchSize, steps, rounds, quick: String(quick), msPerStep: 1000 / update.ort, [`vs${tfjsName}`]: update.ort / update.tfjs, ...roundsExtra(update, tfjsName) },
      },
    ];
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
