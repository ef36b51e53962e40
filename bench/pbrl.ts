import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { createPbrlLearner } from '../src/algos/pbrl/pbrl.ts';
import { ReplayBuffer } from '../src/algos/replay-buffer.ts';
import { ortTeacherUpdater } from '../src/jobs/train-teacher-ort.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine, runTorchReference, versusTorch } from './harness.ts';
import type { Benchmark, BenchResult } from './types.ts';

/**
 * The PBRL teacher's update step as the thesis runs it: obs 24, action 6, actor 24→256→256→6,
 * 5 critics 30→256→256→1, batch 1024 (plus 6·1024 OOD rows), actor every 2 critic updates, and
 * the same at npm start's 64×64, batch 256; on ONNX Runtime (the teacher job's ORT path) and on
 * tfjs, against the same update in PyTorch on one thread (bench/reference/pbrl_torch.py);
 * alternated `ROUNDS` times, best round of each.
 */
const OBS = 24;
const ACT = 6;
const ROUNDS = 3;

/** The thesis' size, and `npm start`'s teachers (mop: 64×64, batch 256), whose time the ORT engine is meant to cut. */
const SIZES = [
  { name: 'pbrl-update', hidden: 256, batch: 1024, steps: 40, tfjsSteps: 10 },
  { name: 'pbrl-update-mop', hidden: 64, batch: 256, steps: 200, tfjsSteps: 50 },
] as const;
type Size = (typeof SIZES)[number];

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

/**
 * One engine's steps/s: the teacher job's update (offlineLearner: sample, draw, step) on ORT (the
 * job's ORT path) or on tfjs.
 */
const measure = (engine: 'ort' | 'tfjs', size: Size, steps: number, backend: string): number => {
  const rng = Rng.fromSeed(0);
  const buffer = randomDataset(20_000, rng.split('data'));
  const learner = createPbrlLearner(buffer, { hidden: [size.hidden, size.hidden], batchSize: size.batch }, rng.split('init'));
  const ort = engine === 'ort' ? ortTeacherUpdater(learner.algo, buffer, backend) : undefined;
  if (engine === 'ort' && !ort) throw new Error('pbrl bench: ONNX Runtime is not available');
  const update = (): void => void (ort ? ort.update(rng) : learner.update(rng)); // both read their metrics: synchronous
  // An even number of warm-up and timed steps: the timed loop has as many actor updates as the reference.
  const perSecond = callsPerSecond(update, 2, steps);
  ort?.dispose();
  learner.dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'pbrl',
  description: 'PBRL update (actor + 5 critics 256×256 at batch 1024, and 64×64 at batch 256 as npm start trains them; obs 24, action 6), ORT and tfjs vs PyTorch one thread, alternated',
  async run({ quick, log }) {
    const { backend, tfjsName, python } = await benchContext('pbrl', log);
    const rounds = quick ? 1 : ROUNDS;
    return SIZES.map((size) => {
      const steps = quick ? 4 : size.steps;
      const r = alternateRounds(rounds, {
        ort: () => measure('ort', size, steps, backend),
        tfjs: () => measure('tfjs', size, quick ? steps : size.tfjsSteps, backend),
        torch: python ? () => runTorchReference(python, 'pbrl_torch.py', [steps, size.hidden, size.batch]) : undefined,
      });
      log(roundsLine(size.name, r, tfjsName, rounds));
      return {
        name: size.name,
        value: r.ort,
        unit: 'steps/s',
        backend: 'ort',
        ...versusTorch(r.ort, r.torch),
        extra: {
          batch: size.batch,
          hidden: size.hidden,
          critics: 5,
          steps,
          rounds,
          quick: String(quick),
          msPerStep: 1000 / r.ort,
          ...roundsExtra(r, tfjsName),
          tensorsAfter: tf.memory().numTensors,
        },
      } satisfies BenchResult;
    });
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick') || process.argv.includes('quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
