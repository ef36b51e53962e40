/**
 * Offline teacher training (MOP step 1): one task's dataset → PBRL or TD3+BC → a saved policy
 * model (actor + critics). Runs in a worker thread; RxJS-free.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import { createPbrlLearner, type PbrlHyper } from '../algos/pbrl/index.ts';
import { createTd3BcLearner, type Td3BcHyper } from '../algos/td3bc/index.ts';
import type { BackendPreference } from '../nn/index.ts';
import { readAllBatches, trainingLoop, useBackend } from './common.ts';
import { savePolicyModel } from './policy-model.ts';
import { ortTeacherUpdater } from './train-teacher-ort.ts';
import { tfjsBackendOf } from '../nn/backend.ts';

export type TeacherAlgo = 'pbrl' | 'td3bc';

export interface TrainTeacherInput {
  readonly task: string;
  readonly datasets: readonly string[];
  /** Use this `reward/<task>` column instead of the env reward (relabeled data sharing). */
  readonly rewardColumn?: string;
  readonly algo: TeacherAlgo;
  /** Hyper-parameters of the algorithm (partial; defaults are the published ones). */
  readonly hyper: Partial<PbrlHyper> | Partial<Td3BcHyper>;
  readonly steps: number;
  readonly seed: number;
  readonly backend: BackendPreference;
  readonly checkpointDir: string;
  /** Record losses every this many updates. */
  readonly metricsEvery: number;
}

export interface TrainTeacherOutput {
  readonly task: string;
  readonly checkpointDir: string;
  readonly backend: string;
  readonly transitions: number;
  readonly final: Record<string, number>;
  readonly seconds: number;
}

export const trainTeacherJob = async (input: TrainTeacherInput, ctx: JobContext): Promise<TrainTeacherOutput> => {
  const backend = await useBackend(input.backend);
  const batches = await readAllBatches(input.datasets);
  const rewardOf = input.rewardColumn
    ? (b: (typeof batches)[number]) => {
        const r = b.rewards?.[input.rewardColumn!];
        if (!r) throw new DistilleryFailure(distilleryError('invalid-input', `dataset of task ${b.task} has no reward/${input.rewardColumn} column (relabel it first)`));
        return r;
      }
    : undefined;
  const buffer = ReplayBuffer.fromDataset(batches, rewardOf);
  const rng = Rng.fromSeed(input.seed);
  const { actorHead, ...td3bcHyper } = input.hyper as Partial<Td3BcHyper> & { actorHead?: string };
  if (input.algo === 'td3bc' && actorHead === 'gaussian')
    throw new DistilleryFailure(distilleryError('invalid-input', 'teacher.actorHead=gaussian needs teacher.algo=pbrl (TD3+BC teachers here are deterministic)'));
  const learner =
    input.algo === 'pbrl'
      ? // The run length, for a budget-relative β_ood schedule (oodDecayFraction).
        createPbrlLearner(buffer, { ...(input.hyper as Partial<PbrlHyper>), totalSteps: input.steps }, rng.split('init'))
      : createTd3BcLearner(buffer, td3bcHyper, rng.split('init'));
  const updates = rng.split('updates');
  // TD3+BC and PBRL train on ONNX Runtime when the backend uses it (same draws, same numbers as tfjs).
  const ort = ortTeacherUpdater(learner.algo, buffer, backend);
  const started = Date.now();
  let last: Record<string, number> = {};
  try {
    await trainingLoop({
      steps: input.steps,
      metricsEvery: input.metricsEvery,
      ctx,
      what: `teacher ${input.task}`,
      update: () => {
        last = ort ? ort.update(updates) : learner.update(updates);
        return Object.fromEntries(Object.entries(last).map(([name, value]) => [`teacher/${name}`, value]));
      },
    });
    ort?.sync();
    const a = learner.algo;
    const weights = learner.weights();
    const saved = await savePolicyModel(input.checkpointDir, {
      architecture: {
        kind: 'policy',
        algo: input.algo,
        obsDim: buffer.shape.obsDim,
        actDim: buffer.shape.actDim,
        hidden: [...a.hyper.hidden],
        critics: a.critic.size,
        stateNorm: weights.some((w) => w.name.startsWith('stateNorm/')),
        actorHead: 'actorHead' in a.hyper ? a.hyper.actorHead : 'deterministic',
      },
      weights,
    })();
    if (E.isLeft(saved)) throw new DistilleryFailure(saved.left);
  } finally {
    ort?.dispose();
    learner.dispose();
  }
  return { task: input.task, checkpointDir: input.checkpointDir, backend: ort ? 'ort' : tfjsBackendOf(backend), transitions: buffer.size, final: last, seconds: (Date.now() - started) / 1000 };
};

export default trainTeacherJob;
