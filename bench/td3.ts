import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Td3 } from '../src/algos/td3/td3.ts';
import { Rng } from '../src/core/rng.ts';
import { tfjsBackendOf } from '../src/nn/backend.ts';
import { trainBehaviorJob } from '../src/jobs/train-behavior.ts';
import { behaviorEngine } from '../src/jobs/train-behavior-ort.ts';
import { randomDataset } from './pbrl.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine, runTorchReference, versusTorch } from './harness.ts';
import type { Benchmark, BenchResult } from './types.ts';

/**
 * Online TD3, the behavior job's learner. `td3-update`: one update (actor 24→256→256→6, twin
 * critics 30→256→256→1, batch 256, actor every 2 critic updates) through the behavior job's
 * engines, ORT and tfjs, against PyTorch on one thread (bench/reference/td3bc_torch.py --no-bc),
 * alternated. `behavior-job`: the whole behavior job of `npm start` (MOP's defaults: point-mass
 * maze, 6000 env steps, 64×64 networks, batch 128, acting every step) on ORT and on tfjs alone,
 * alternated; seconds per task.
 */
const ROUNDS = 3;
const OBS = 24;
const ACT = 6;

const measureUpdate = (engine: 'ort' | 'tfjs', steps: number, backend: string): number => {
  const rng = Rng.fromSeed(0);
  const buffer = randomDataset(20_000, rng.split('data'));
  const td3 = new Td3({ obsDim: OBS, actDim: ACT }, { hidden: [256, 256], batchSize: 256 }, rng.split('init'));
  const e = behaviorEngine(td3, buffer, engine === 'ort' ? backend : tfjsBackendOf(backend));
  if (engine === 'ort' && e.name !== 'ort') throw new Error('td3 bench: ONNX Runtime is not available');
  const perSecond = callsPerSecond(() => void e.update(rng), 4, steps); // both read their metrics: synchronous
  e.dispose();
  td3.dispose();
  return perSecond;
};

/** Seconds of one behavior job at `npm start`'s settings (`steps` env steps). */
const behaviorSeconds = async (backend: 'ort' | 'wasm', steps: number, dir: string): Promise<{ seconds: number; engine: string }> => {
  const out = await trainBehaviorJob(
    {
      envId: 'pointmass/maze',
      envConfig: {},
      task: 'left',
      hyper: { hidden: [64, 64], actorLr: 1e-3, criticLr: 1e-3, batchSize: 128, learningStarts: Math.min(1000, steps / 2) },
      steps,
      evalEvery: Math.min(1000, steps),
      evalEpisodes: 3,
      mediumFraction: 0.5,
      seed: 1,
      backend,
      outDir: join(dir, backend),
      pipeline: 'bench',
    },
    { report: () => {} },
  );
  return { seconds: out.seconds, engine: out.backend };
};

export const benchmark: Benchmark = {
  name: 'td3',
  description: 'online TD3: one update (actor + twin critics 256×256, batch 256) ORT and tfjs vs PyTorch one thread; the behavior job of npm start, ORT vs WASM; alternated',
  async run({ quick, log }) {
    const { backend, tfjsName, python } = await benchContext('td3', log);
    const steps = quick ? 4 : 100;
    const rounds = quick ? 1 : ROUNDS;
    const r = alternateRounds(rounds, {
      ort: () => measureUpdate('ort', steps, backend),
      tfjs: () => measureUpdate('tfjs', quick ? steps : steps / 4, backend),
      torch: python ? () => runTorchReference(python, 'td3bc_torch.py', [steps, '--no-bc']) : undefined,
    });
    log(roundsLine('td3-update', r, tfjsName, rounds));
    const update: BenchResult = {
      name: 'td3-update',
      value: r.ort,
      unit: 'steps/s',
      backend: 'ort',
      ...versusTorch(r.ort, r.torch),
      extra: { batch: 256, steps, rounds, quick: String(quick), msPerStep: 1000 / r.ort, ...roundsExtra(r, tfjsName) },
    };

    // The job against itself on the other engine: the reference is the tfjs (WASM) job.
    const envSteps = quick ? 200 : 6000;
    const jobRounds = quick ? 1 : 2;
    const dir = mkdtempSync(join(tmpdir(), 'distillery-bench-td3-'));
    const runs = { ort: [] as number[], wasm: [] as number[] };
    try {
      for (let i = 0; i < jobRounds; i++)
        for (const engine of ['ort', 'wasm'] as const) {
          const { seconds, engine: ran } = await behaviorSeconds(engine, envSteps, dir);
          if (ran !== (engine === 'ort' ? 'ort' : 'wasm')) throw new Error(`td3 bench: the ${engine} behavior job ran on ${ran}`);
          runs[engine].push(seconds);
        }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const [ort, wasm] = [Math.min(...runs.ort), Math.min(...runs.wasm)];
    log(`behavior-job: ort ${ort.toFixed(1)} s, wasm ${wasm.toFixed(1)} s per task (${envSteps} env steps, best of ${jobRounds} alternated rounds), ${(wasm / ort).toFixed(2)}× faster`);
    const job: BenchResult = {
      name: 'behavior-job',
      value: ort,
      unit: 's',
      backend: 'ort',
      reference: { name: 'tfjs-wasm', value: wasm },
      ratio: wasm / ort,
      extra: { envSteps, hidden: '64x64', batch: 128, rounds: jobRounds, quick: String(quick), ortRounds: runs.ort.map((v) => v.toFixed(1)).join(' '), wasmRounds: runs.wasm.map((v) => v.toFixed(1)).join(' ') },
    };
    return [update, job];
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
