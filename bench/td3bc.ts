import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTd3BcLearner } from '../src/algos/td3bc/td3bc.ts';
import { Rng } from '../src/core/rng.ts';
import { selectBackend, tfjsBackendOf } from '../src/nn/backend.ts';
import { ortTeacherUpdater } from '../src/jobs/train-teacher-ort.ts';
import { randomDataset } from './pbrl.ts';
import { ONE_THREAD_ENV, findPython, type Benchmark, type BenchResult } from './types.ts';

/**
 * The TD3+BC teacher's update (published settings: actor 24→256→256→6, twin critics
 * 30→256→256→1, batch 256, actor every 2 critic updates) on ONNX Runtime (the teacher job's ORT
 * path) and on tfjs, against the same update in PyTorch on one thread
 * (bench/reference/td3bc_torch.py); alternated `ROUNDS` times, best round of each.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = 3;

const measure = (engine: 'ort' | 'tfjs', steps: number, backend: string): number => {
  const rng = Rng.fromSeed(0);
  const buffer = randomDataset(20_000, rng.split('data'));
  const learner = createTd3BcLearner(buffer, {}, rng.split('init'));
  const ort = engine === 'ort' ? ortTeacherUpdater(learner.algo, buffer, backend) : undefined;
  if (engine === 'ort' && !ort) throw new Error('td3bc bench: ONNX Runtime is not available');
  const update = (): void => void (ort ? ort.update(rng) : learner.update(rng)); // both read their metrics: synchronous
  for (let i = 0; i < 4; i++) update();
  const start = performance.now();
  for (let i = 0; i < steps; i++) update();
  const perSecond = steps / ((performance.now() - start) / 1000);
  ort?.dispose();
  learner.dispose();
  return perSecond;
};

const measureTorch = (python: string, steps: number): number | undefined => {
  const r = spawnSync(python, [path.join(here, 'reference', 'td3bc_torch.py'), String(steps)], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...ONE_THREAD_ENV } });
  if (r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { steps_per_s: number }).steps_per_s;
  } catch {
    return undefined;
  }
};

export const benchmark: Benchmark = {
  name: 'td3bc',
  description: 'TD3+BC update (actor + twin critics 256×256, batch 256, obs 24, action 6), ORT and tfjs vs PyTorch one thread, alternated',
  async run({ quick, log }) {
    const backend = await selectBackend('auto')();
    if (backend._tag === 'Left') throw new Error(backend.left.message);
    const tfjsName = tfjsBackendOf(backend.right);
    const python = await findPython('torch');
    if (!python) log('td3bc: no python3 with torch found; reporting without reference');
    const steps = quick ? 4 : 100;
    const rounds = quick ? 1 : ROUNDS;
    const runs = { ort: [] as number[], tfjs: [] as number[], torch: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      runs.ort.push(measure('ort', steps, backend.right));
      runs.tfjs.push(measure('tfjs', quick ? steps : steps / 4, backend.right));
      const torch = python ? measureTorch(python, steps) : undefined;
      if (torch !== undefined) runs.torch.push(torch);
    }
    const [ort, tfjsBest, torch] = [Math.max(...runs.ort), Math.max(...runs.tfjs), runs.torch.length ? Math.max(...runs.torch) : undefined];
    const result: BenchResult = {
      name: 'td3bc-update',
      value: ort,
      unit: 'steps/s',
      backend: 'ort',
      ...(torch !== undefined ? { reference: { name: 'pytorch-1thread', value: torch }, ratio: ort / torch } : {}),
      extra: {
        batch: 256,
        steps,
        rounds,
        quick: String(quick),
        msPerStep: 1000 / ort,
        [`${tfjsName}StepsPerS`]: tfjsBest,
        ortRounds: runs.ort.map((v) => v.toFixed(1)).join(' '),
        torchRounds: runs.torch.map((v) => v.toFixed(1)).join(' '),
        [`${tfjsName}Rounds`]: runs.tfjs.map((v) => v.toFixed(1)).join(' '),
      },
    };
    log(
      `td3bc-update: ort ${ort.toFixed(1)} steps/s, ${tfjsName} ${tfjsBest.toFixed(1)}` +
        (torch !== undefined ? `, torch ${torch.toFixed(1)}, ratio ${(ort / torch).toFixed(2)}` : '') +
        ` (best of ${rounds} alternated rounds)`,
    );
    return [result];
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
