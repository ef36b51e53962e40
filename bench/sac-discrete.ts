import { pathToFileURL } from 'node:url';
import { createSacDiscreteLearner } from '../src/algos/sac/sac-discrete.ts';
import { Rng } from '../src/core/rng.ts';
import { ortSacEngine } from '../src/jobs/train-ot-sac-ort.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine, runTorchReference, versusTorch } from './harness.ts';
import type { Benchmark, BenchResult } from './types.ts';

/**
 * Discrete SAC as the OT-maze job runs it (ot-mazes defaults: one-hot grid states 64, 8 actions,
 * hidden [64], batch 64, fixed α): the update (sample, step) and acting (one state, one sampled
 * action, as every env step does) on the job's ORT path (graph update, JS acting) and on tfjs,
 * the update also against PyTorch on one thread (bench/reference/sac_discrete_torch.py);
 * alternated `ROUNDS` times, best round of each.
 */
const ROUNDS = 3;
const OBS = 64;
const ACTIONS = 8;
const HYPER = { hidden: [64], batchSize: 64, actorLr: 1e-3, criticLr: 1e-3, alphaLr: 1e-3, gamma: 0.99, tau: 0.01, initialAlpha: 0.005, autoEntropy: false, bufferCapacity: 10_000, learningStarts: 1 };

const oneHots = (n: number, rng: Rng): Float32Array => {
  const x = new Float32Array(n * OBS);
  for (let i = 0; i < n; i++) x[i * OBS + rng.int(OBS)] = 1;
  return x;
};

const setup = (backend: string, engine: 'ort' | 'tfjs') => {
  const rng = Rng.fromSeed(0);
  const learner = createSacDiscreteLearner({ obsDim: OBS, actions: ACTIONS }, HYPER, rng.split('init'));
  const n = 10_000;
  const data = rng.split('data');
  learner.observe({
    task: 'bench',
    size: n,
    obsDim: OBS,
    actDim: 1,
    discreteActions: true,
    episode: new Int32Array(n),
    step: new Int32Array(n),
    observation: oneHots(n, data),
    nextObservation: oneHots(n, data),
    action: Float32Array.from({ length: n }, () => data.int(ACTIONS)),
    reward: data.fillNormal(new Float32Array(n)) as Float32Array,
    terminated: Uint8Array.from({ length: n }, () => (data.uniform() < 0.01 ? 1 : 0)),
    truncated: new Uint8Array(n),
  });
  const ort = engine === 'ort' ? ortSacEngine(learner, backend) : undefined;
  if (engine === 'ort' && !ort) throw new Error('sac-discrete bench: ONNX Runtime is not available');
  return { rng, learner, ort, states: oneHots(256, data), dispose: () => (ort?.dispose(), learner.dispose()) };
};

/** Updates per second (both read their metrics: synchronous). */
const measureUpdate = (engine: 'ort' | 'tfjs', steps: number, backend: string): number => {
  const { rng, learner, ort, dispose } = setup(backend, engine);
  const update = (): void => void (ort ? ort.update(rng) : learner.update(rng));
  const perSecond = callsPerSecond(update, 4, steps);
  dispose();
  return perSecond;
};

/** Sampled actions per second, one state per call (the job's env step), after one update. */
const measureAct = (engine: 'ort' | 'tfjs', calls: number, backend: string): number => {
  const { rng, learner, ort, states, dispose } = setup(backend, engine);
  void (ort ? ort.update(rng) : learner.update(rng));
  const actor = ort ?? learner;
  const state = new Float32Array(OBS);
  const act = (i: number): void => {
    state.set(states.subarray((i % 256) * OBS, (i % 256 + 1) * OBS));
    actor.act(state, 1, { explore: true, rng });
  };
  const perSecond = callsPerSecond(act, 50, calls);
  dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'sac-discrete',
  description: 'discrete SAC as the OT-maze job runs it (one-hot 64, 8 actions, hidden [64], batch 64): update (ORT vs tfjs vs PyTorch one thread) and per-step acting (JS vs tfjs), alternated',
  async run({ quick, log }) {
    const { backend, tfjsName, python } = await benchContext('sac-discrete', log);
    const steps = quick ? 4 : 1000;
    const calls = quick ? 20 : 50_000;
    const rounds = quick ? 1 : ROUNDS;
    const results: BenchResult[] = [];
    const update = alternateRounds(rounds, {
      ort: () => measureUpdate('ort', steps, backend),
      tfjs: () => measureUpdate('tfjs', quick ? steps : steps / 4, backend),
      torch: python ? () => runTorchReference(python, 'sac_discrete_torch.py', [quick ? steps : steps / 2]) : undefined,
    });
    log(roundsLine('sac-discrete-update', update, tfjsName, rounds));
    results.push({
      name: 'sac-discrete-update',
      value: update.ort,
      unit: 'steps/s',
      backend: 'ort',
      ...versusTorch(update.ort, update.torch),
      extra: { batch: HYPER.batchSize, steps, rounds, quick: String(quick), msPerStep: 1000 / update.ort, [`vs${tfjsName}`]: update.ort / update.tfjs, ...roundsExtra(update, tfjsName) },
    });
    const act = alternateRounds(rounds, { ort: () => measureAct('ort', calls, backend), tfjs: () => measureAct('tfjs', quick ? calls : calls / 25, backend) });
    log(roundsLine('sac-discrete-act', act, tfjsName, rounds).replace(/steps\/s/g, 'actions/s'));
    results.push({
      name: 'sac-discrete-act',
      value: act.ort,
      unit: 'actions/s',
      backend: 'js',
      extra: { calls, rounds, quick: String(quick), [`vs${tfjsName}`]: act.ort / act.tfjs, ...roundsExtra(act, tfjsName) },
    });
    return results;
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
