/**
 * Online MT-DDPG (D'Eramo et al. 2020) on continuous-action envs: every iteration takes one step
 * in every task's env with the actor's action plus Gaussian noise, stores it in that task's replay
 * buffer and, once every buffer holds `learningStarts` transitions, makes one update with one
 * batch per task (critic losses summed, then actor losses summed). With one task it is
 * single-task DDPG with the same network and budget. Greedy (noise-free) evaluations every
 * `evalEvery` iterations give the learning curve. Actions are learned on [−1, 1] and mapped
 * linearly onto each env's box. With `datasetsDir`, every transition collected is written as one
 * Arrow dataset per task. RxJS-free.
 */
import { tfjsBackendOf } from '../nn/backend.ts';
import { TransitionBatchBuilder } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import type { BoxSpace } from '../core/spaces.ts';
import { MtDdpg, MT_DDPG_DEFAULTS, type MtDdpgBatch, type MtDdpgHyper } from '../algos/mt-ddpg/index.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import type { Env } from '../envs/index.ts';
import { trainingLoop, useBackend, type StepMetric } from './common.ts';
import { TaskRollouts, makeTaskEnv, meanReturn, taskName, writeTaskDatasets, type SharedRepresentationJobInput, type SharedRepresentationJobOutput } from './shared-representations.ts';

export interface TrainMtDdpgInput extends SharedRepresentationJobInput {
  readonly hyper: Partial<MtDdpgHyper>;
}

export type TrainMtDdpgOutput = SharedRepresentationJobOutput;

/** [−1, 1] → the env's box, per dimension (the box must be bounded). */
const toEnvAction = (space: BoxSpace, a: Float32Array): Float32Array =>
  a.map((x, i) => space.low[i] + ((x + 1) / 2) * (space.high[i] - space.low[i]));

export const trainMtDdpgJob = async (input: TrainMtDdpgInput, ctx: JobContext): Promise<TrainMtDdpgOutput> => {
  const backend = await useBackend(input.backend);
  if (input.tasks.length === 0) throw new DistilleryFailure(distilleryError('invalid-input', 'MT-DDPG: no tasks'));
  const rng = Rng.fromSeed(input.seed);
  const envs: Env[] = [];
  const evalEnvs: Env[] = [];
  const spaces: BoxSpace[] = [];
  for (const t of input.tasks) {
    const env = await makeTaskEnv(t, rng, 'env');
    const space = env.actionSpace;
    if (space.kind !== 'box' || space.low.some((x) => !Number.isFinite(x)) || space.high.some((x) => !Number.isFinite(x)))
      throw new DistilleryFailure(distilleryError('invalid-input', `MT-DDPG needs bounded continuous actions; ${taskName(t)} has ${space.kind === 'box' ? 'an unbounded box' : 'discrete ones'}`));
    if (env.observationSpace.kind !== 'box') throw new DistilleryFailure(distilleryError('invalid-input', `MT-DDPG needs box observations; ${taskName(t)} has discrete ones`));
    envs.push(env);
    spaces.push(space);
    evalEnvs.push(await makeTaskEnv(t, rng, 'eval-env'));
  }
  const hyper: MtDdpgHyper = { ...MT_DDPG_DEFAULTS, ...input.hyper };
  const dims = {
    observationSizes: envs.map((e) => (e.observationSpace.kind === 'box' ? e.observationSpace.shape[0] : 1)),
    actionSizes: spaces.map((s) => s.shape[0]),
  };
  const ddpg = new MtDdpg(dims, hyper, rng.split('init'));
  const buffers = envs.map((_, i) => new ReplayBuffer(hyper.replayCapacity, { obsDim: dims.observationSizes[i], actDim: dims.actionSizes[i], discreteActions: false }));
  const explore = input.tasks.map((t) => rng.split(`explore/${taskName(t)}`));
  const sample = rng.split('replay');
  const shape = (i: number) => ({ task: input.tasks[i].task, obsDim: dims.observationSizes[i], actDim: dims.actionSizes[i], discreteActions: false });
  // The replay buffer holds actions on the [−1, 1] scale; the datasets hold what the env received.
  const one = envs.map((_, i) => new TransitionBatchBuilder(shape(i), 1));
  const rollouts = new TaskRollouts(envs, envs.map((_, i) => shape(i)), input.datasetsDir ? input.steps : undefined);
  const curve: { step: number; returns: number[] }[] = [];
  const evalAll = (step: number): void => {
    const returns = evalEnvs.map((env, i) => meanReturn(env, input.evalEpisodes, (o) => toEnvAction(spaces[i], ddpg.act(i, o))));
    curve.push({ step, returns });
    returns.forEach((value, i) => ctx.report({ kind: 'metric', name: 'ddpg/return', step, value, tags: { task: taskName(input.tasks[i]) } }));
  };
  const started = Date.now();
  try {
    evalAll(0);
    await trainingLoop({
      steps: input.steps,
      metricsEvery: input.metricsEvery,
      ctx,
      what: 'MT-DDPG',
      update: (step) => {
        envs.forEach((_, i) => {
          const o = rollouts.observation(i);
          // Before learning starts, uniform actions (the buffer's first fill); then the actor plus noise.
          const a = buffers[i].size < hyper.learningStarts ? Float32Array.from({ length: dims.actionSizes[i] }, () => explore[i].range(-1, 1)) : ddpg.act(i, o, explore[i]);
          const r = rollouts.step(i, toEnvAction(spaces[i], a));
          one[i].push({ episode: 0, step: 0, observation: o, action: a, reward: r.reward, nextObservation: r.observation, terminated: r.terminated, truncated: r.truncated });
          buffers[i].addBatch(one[i].flush());
        });
        const metrics: StepMetric[] = [];
        if (buffers.every((b) => b.size >= hyper.learningStarts)) {
          const batches: MtDdpgBatch[] = buffers.map((b, i) => {
            const s = b.sample(hyper.batchSize, sample);
            return { task: i, observations: s.observation, actions: s.action, rewards: s.reward, nextObservations: s.nextObservation, terminated: s.done };
          });
          const losses = ddpg.update(batches);
          input.tasks.forEach((t, i) => {
            const tags = { task: taskName(t) };
            metrics.push({ name: 'ddpg/criticLoss', value: losses.critic[i], tags }, { name: 'ddpg/actorLoss', value: losses.actor[i], tags });
          });
        }
        if (step % input.evalEvery === 0 || step === input.steps) evalAll(step);
        return metrics;
      },
    });
  } finally {
    ddpg.dispose();
  }
  const meta = { behaviorPolicy: `mt-ddpg actor + Gaussian noise ${hyper.explorationNoise} (${input.tasks.length} task${input.tasks.length === 1 ? '' : 's'})`, seed: input.seed, pipeline: input.pipeline ?? 'train-mt-ddpg' };
  const datasets = input.datasetsDir && rollouts.history ? await writeTaskDatasets(input.datasetsDir, input.tasks, rollouts.history, envs, meta) : [];
  return { tasks: input.tasks.map(taskName), curve, datasets, backend: tfjsBackendOf(backend), seconds: (Date.now() - started) / 1000 };
};

export default trainMtDdpgJob;
