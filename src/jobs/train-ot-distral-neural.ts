/**
 * Neural Distral (KL 1col, soft Q-learning; src/algos/distral/neural.ts) on the grid tasks of the
 * OT-maze experiment: the like-for-like baseline of SAC+OT, with the same hidden layers, learning
 * rate, batch, γ, τ, replay and update schedule as the SAC job, and the same protocol
 * (round-robin, one episode per task per round, tasks × stepsPerTask env steps; returns are the
 * training episodes' env returns). RxJS-free; runs in a worker.
 */
import { tfjsBackendOf } from '../nn/backend.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { flatDim } from '../core/spaces.ts';
import { NeuralDistral } from '../algos/distral/neural.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import type { BackendPreference } from '../nn/index.ts';
import { useBackend } from './common.ts';
import { gridOf, makeGridTasks, runRoundRobin, type MultiTaskRun } from './ot-run.ts';

export interface TrainOtDistralNeuralInput {
  readonly envId: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly tasks: readonly string[];
  readonly stepsPerTask: number;
  readonly hidden: readonly number[];
  readonly lr: number;
  readonly batchSize: number;
  readonly gamma: number;
  readonly tau: number;
  readonly learningStarts: number;
  readonly updateEvery: number;
  readonly alpha: number;
  readonly beta: number;
  readonly seed: number;
  readonly backend: BackendPreference;
}

export type TrainOtDistralNeuralOutput = MultiTaskRun & { readonly updates: number; readonly backend: string };

export const trainOtDistralNeuralJob = async (input: TrainOtDistralNeuralInput, ctx: JobContext): Promise<TrainOtDistralNeuralOutput> => {
  const backend = await useBackend(input.backend);
  for (const [name, v] of [['updateEvery', input.updateEvery], ['batchSize', input.batchSize], ['learningStarts', input.learningStarts]] as const)
    if (!(Number.isSafeInteger(v) && v > 0)) throw new DistilleryFailure(distilleryError('invalid-input', `${name} must be a positive integer, got ${v}`));
  if (!(input.alpha >= 0 && input.alpha <= 1)) throw new DistilleryFailure(distilleryError('invalid-input', `alpha must be in [0, 1], got ${input.alpha}`));
  if (!(input.beta > 0 && Number.isFinite(input.beta))) throw new DistilleryFailure(distilleryError('invalid-input', `beta must be a positive number, got ${input.beta}`));
  const rng = Rng.fromSeed(input.seed);
  const { tasks, envs } = await makeGridTasks(input.envId, input.tasks, input.envConfig, (task) => rng.split(`env/${task}`).seed());
  const m = tasks.length;
  const first = envs[0];
  if (first.actionSpace.kind !== 'discrete') throw new DistilleryFailure(distilleryError('invalid-input', `${input.envId}: Distral needs discrete actions`));
  const obsDim = flatDim(first.observationSpace);
  const learner = new NeuralDistral({ obsDim, actions: first.actionSpace.n, tasks: m }, input, rng.split('distral'));
  const capacity = Math.max(input.learningStarts, input.stepsPerTask + first.maxEpisodeSteps);
  const buffers = tasks.map(() => new ReplayBuffer(capacity, { obsDim, actDim: 1, discreteActions: true }));
  const envRngs = tasks.map((_, i) => rng.split(`reset/${i}`));
  const actRngs = tasks.map((_, i) => rng.split(`act/${i}`));
  const updateRngs = tasks.map((_, i) => rng.split(`update/${i}`));
  const started = Date.now();
  try {
    const { steps, returns, updates } = await runRoundRobin(
      { tasks, envs, envRngs, obsDim, stepsPerTask: input.stepsPerTask, updateEvery: input.updateEvery, stage: 'distral' },
      {
        act: (i, obs) => learner.act(i, obs, actRngs[i]),
        episodeEnded: (i, trajectory) => buffers[i].addBatch(trajectory),
        ready: (i) => buffers[i].size >= input.learningStarts,
        update: (i) => learner.update(i, buffers[i].sample(input.batchSize, updateRngs[i])),
      },
      ctx,
    );
    return { tasks, steps, returns, grid: gridOf(first), updates, backend: tfjsBackendOf(backend), seconds: (Date.now() - started) / 1000 };
  } finally {
    learner.dispose();
  }
};

export default trainOtDistralNeuralJob;
