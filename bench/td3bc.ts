import { pathToFileURL } from 'node:url';
import { createTd3BcLearner } from '../src/algos/td3bc/td3bc.ts';
import { Rng } from '../src/core/rng.ts';
import { ortTeacherUpdater } from '../src/jobs/train-teacher-ort.ts';
import { randomDataset } from './pbrl.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine, runTorchReference, versusTorch } from './harness.ts';
import type { Benchmark, BenchResult } from './types.ts';

/**
 * The TD3+BC teacher's update (published settings: actor 24→256→256→6, twin critics
 * 30→256→256→1, batch 256, actor every 2 critic updates) on ONNX Runtime (the teacher job's ORT
 * path) and on tfjs, against the same update in PyTorch on one thread
 * (bench/reference/td3bc_torch.py); alternated `ROUNDS` times, best round of each.
 */
const ROUNDS = 3;

const measure = (engine: 'ort' | 'tfjs', steps: number, backend: string): number => {
  const rng = Rng.fromSeed(0);
  const buffer = randomDataset(20_000, rng.split('data'));
  const learner = createTd3BcLearner(buffer, {}, rng.split('init'));
  const ort = engine === 'ort' ? ortTeacherUpdater(learner.algo, buffer, backend) : undefined;
  if (engine === 'ort' && !ort) throw new Error('td3bc bench: ONNX Runtime is not available');
  const update = (): void => void (ort ? ort.update(rng) : learner.update(rng)); // both read their metrics: synchronous
  const perSecond = callsPerSecond(update, 4, steps);
  ort?.dispose();
  learner.dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'td3bc',
  description: 'TD3+BC update (actor + twin critics 256×256, batch 256, obs 24, action 6), ORT and tfjs vs PyTorch one thread, alternated',
  async run({ quick, log }) {
    const { backend, tfjsName, python } = await benchContext('td3bc', log);
    const steps = quick ? 4 : 100;
    const rounds = quick ? 1 : ROUNDS;
    const r = alternateRounds(rounds, {
      ort: () => measure('ort', steps, backend),
      tfjs: () => measure('tfjs', quick ? steps : steps / 4, backend),
      torch: python ? () => runTorchReference(python, 'td3bc_torch.py', [steps]) : undefined,
    });
    const ort = r.ort;
    const result: BenchResult = {
      name: 'td3bc-update',
      value: ort,
      unit: 'steps/s',
      backend: 'ort',
      ...versusTorch(ort, r.torch),
      extra: {
        batch: 256,
        steps,
        rounds,
        quick: String(quick),
        msPerStep: 1000 / ort,
        ...roundsExtra(r, tfjsName),
      },
    };
    log(roundsLine('td3bc-update', r, tfjsName, rounds));
    return [result];
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
