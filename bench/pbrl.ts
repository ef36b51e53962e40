import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { Pbrl } from '../src/algos/pbrl/pbrl.ts';
import { ReplayBuffer } from '../src/algos/replay-buffer.ts';
import { selectBackend } from '../src/nn/backend.ts';
import { runTorchReference, versusTorch } from './harness.ts';
import { findPython, type Benchmark, type BenchResult } from './types.ts';

/**
 * The PBRL teacher's update step as the thesis runs it: obs 24, action 6, actor 24→256→256→6,
 * 5 critics 30→256→256→1, batch 1024 (plus 6·1024 OOD rows), actor every 2 critic updates,
 * against the same update in PyTorch on one thread (bench/reference/pbrl_torch.py).
 */
const OBS = 24;
const ACT = 6;
const BATCH = 1024;

/** n random transitions (obs 24, action 6) in a replay buffer: the benchmarks' dataset. */
export const randomDataset = (n: number, rng: Rng): ReplayBuffer => {
  const buffer = new ReplayBuffer(n, { obsDim: OBS, actDim: ACT, discreteActions: false });
  buffer.addBatch({
    task: 'bench',
    size: n,
    obsDim: OBS,
    actDim: ACT,
    discreteActions: false,
    episode: new Int32Array(n),
    step: new Int32Array(n),
    observation: rng.fillNormal(new Float32Array(n * OBS)) as Float32Array,
    nextObservation: rng.fillNormal(new Float32Array(n * OBS)) as Float32Array,
    action: rng.fillUniform(new Float32Array(n * ACT), -1, 1) as Float32Array,
    reward: rng.fillNormal(new Float32Array(n)) as Float32Array,
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
  });
  return buffer;
};

const measureOurs = (steps: number): number => {
  const rng = Rng.fromSeed(0);
  const buffer = randomDataset(20_000, rng.split('data'));
  const pbrl = new Pbrl({ obsDim: OBS, actDim: ACT }, {}, rng.split('init'));
  // An even number of warm-up and timed steps: the timed loop has as many actor updates as the reference.
  for (let i = 0; i < 2; i++) pbrl.update(buffer.sample(BATCH, rng), rng);
  const start = performance.now();
  for (let i = 0; i < steps; i++) pbrl.update(buffer.sample(BATCH, rng), rng); // reads its metrics: synchronous
  const perSecond = steps / ((performance.now() - start) / 1000);
  pbrl.dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'pbrl',
  description: 'PBRL update (actor + 5 critics 256×256, batch 1024, obs 24, action 6), ours vs PyTorch one thread',
  async run({ quick, log }) {
    const backend = await selectBackend('auto')();
    if (backend._tag === 'Left') throw new Error(backend.left.message);
    const python = await findPython('torch');
    if (!python) log('pbrl: no python3 with torch found; reporting without reference');
    const steps = quick ? 4 : 40;
    const ours = measureOurs(steps);
    const torch = python ? runTorchReference(python, 'pbrl_torch.py', [steps]) : undefined;
    const result: BenchResult = {
      name: 'pbrl-update',
      value: ours,
      unit: 'steps/s',
      backend: backend.right,
      ...versusTorch(ours, torch),
      extra: { batch: BATCH, critics: 5, steps, quick: String(quick), msPerStep: 1000 / ours, tensorsAfter: tf.memory().numTensors },
    };
    log(`pbrl-update: ${ours.toFixed(2)} steps/s on ${backend.right}` + (torch !== undefined ? `, torch ${torch.toFixed(2)}, ratio ${(ours / torch).toFixed(2)}` : ''));
    return [result];
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick') || process.argv.includes('quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
