/**
 * Online MT-DQN (D'Eramo et al. 2020) on discrete-action envs: every iteration takes one ε-greedy
 * step in every task's env, stores it in that task's replay buffer and, once every buffer holds
 * `learningStarts` transitions, makes one update with one batch per task (the losses summed).
 * With one task it is the single-task DQN baseline with the same network and budget. Greedy
 * evaluations every `evalEvery` iterations give the learning curve. With `datasetsDir`, every
 * transition collected (with simulator states, so rewards can be recomputed) is written as one
 * Arrow dataset per task when training ends, so a run leaves its data replayable. RxJS-free.
 */
import { tfjsBackendOf, usesOrt } from '../nn/backend.ts';
import { OrtMtDqn } from '../nn/ort-mt-dqn.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import type { TransitionBatch } from '../core/batch.ts';
import { MtDqn, epsilonAt, type MtDqnBatch, type MtDqnHyper, MT_DQN_DEFAULTS } from '../algos/mt-dqn/index.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import type { Env } from '../envs/index.ts';
import type { NamedWeight } from '../nn/index.ts';
import { trainingLoop, useBackend, type StepMetric } from './common.ts';
import { TaskRollouts, makeTaskEnv, meanReturn, taskName, writeTaskDatasets, type SharedRepresentationJobInput, type SharedRepresentationJobOutput, type TaskRef } from './shared-representations.ts';

export interface TrainMtDqnInput extends SharedRepresentationJobInput {
  readonly hyper: Partial<MtDqnHyper>;
  /**
   * Transfer (the paper's experiment): start the shared block from these weights (`sharedWeights`
   * of an earlier run with the same `hidden`) and, with `freeze`, train only w_t and f_t.
   */
  readonly shared?: { readonly weights: readonly NamedWeight[]; readonly freeze: boolean };
}

export interface TrainMtDqnOutput extends SharedRepresentationJobOutput {
  /** The learned shared block (input of a transfer run). */
  readonly sharedWeights: readonly NamedWeight[];
}

export const trainMtDqnJob = async (input: TrainMtDqnInput, ctx: JobContext): Promise<TrainMtDqnOutput> => {
  const backend = await useBackend(input.backend);
  if (input.tasks.length === 0) throw new DistilleryFailure(distilleryError('invalid-input', 'MT-DQN: no tasks'));
  const rng = Rng.fromSeed(input.seed);
  const make = async (t: TaskRef, stream: string): Promise<Env> => {
    const env = await makeTaskEnv(t, rng, stream);
    if (env.actionSpace.kind !== 'discrete') throw new DistilleryFailure(distilleryError('invalid-input', `MT-DQN needs discrete actions; ${taskName(t)} has a box`));
    return env;
  };
  const envs: Env[] = [];
  const evalEnvs: Env[] = [];
  for (const t of input.tasks) {
    envs.push(await make(t, 'env'));
    evalEnvs.push(await make(t, 'eval-env'));
  }
  const hyper: MtDqnHyper = { ...MT_DQN_DEFAULTS, ...input.hyper };
  const dims = {
    observationSizes: envs.map((e) => e.observationSpace.kind === 'box' ? e.observationSpace.shape[0] : 1),
    actionCounts: envs.map((e) => (e.actionSpace.kind === 'discrete' ? e.actionSpace.n : 0)),
  };
  const dqn = new MtDqn(dims, hyper, rng.split('init'), { trainShared: !input.shared?.freeze });
  if (input.shared) dqn.loadSharedWeights(input.shared.weights);
  // On ORT the tfjs network only supplies the initial weights (its RNG path creates them); updates,
  // acting and evaluation then run on the ORT twin with the same draws in the same order.
  const ort = usesOrt(backend) ? new OrtMtDqn({ ...dims, ...hyper, trainShared: !input.shared?.freeze }, dqn.online.weights(), dqn.target.weights()) : undefined;
  const learner: Pick<MtDqn, 'act' | 'update' | 'sharedWeights'> = ort ?? dqn;
  const buffers = envs.map((_, i) => new ReplayBuffer(hyper.replayCapacity, { obsDim: dims.observationSizes[i], actDim: 1, discreteActions: true }));
  const explore = envs.map((e, i) => rng.split(`explore/${taskName(input.tasks[i])}`));
  const sample = rng.split('replay');
  const rollouts = new TaskRollouts(
    envs,
    envs.map((_, i) => ({ task: input.tasks[i].task, obsDim: dims.observationSizes[i], actDim: 1, discreteActions: true })),
    input.datasetsDir ? input.steps : undefined,
  );
  const curve: { step: number; returns: number[] }[] = [];
  const evalAll = (step: number): void => {
    const returns = evalEnvs.map((env, i) => meanReturn(env, input.evalEpisodes, (o) => learner.act(i, o, 0, Rng.fromSeed(0))));
    curve.push({ step, returns });
    returns.forEach((value, i) => ctx.report({ kind: 'metric', name: 'dqn/return', step, value, tags: { task: taskName(input.tasks[i]) } }));
  };
  const started = Date.now();
  let sharedWeights: NamedWeight[] = [];
  try {
    evalAll(0);
    await trainingLoop({
      steps: input.steps,
      metricsEvery: input.metricsEvery,
      ctx,
      what: 'MT-DQN',
      update: (step) => {
        envs.forEach((_, i) => {
          const o = rollouts.observation(i);
          const a = learner.act(i, o, epsilonAt(hyper, step - 1), explore[i]);
          const r = rollouts.step(i, a);
          buffers[i].addBatch(oneTransition(taskName(input.tasks[i]), o, a, r.reward, r.observation, r.terminated));
        });
        const metrics: StepMetric[] = [];
        if (buffers.every((b) => b.size >= hyper.learningStarts)) {
          const batches: MtDqnBatch[] = buffers.map((b, i) => {
            const s = b.sample(hyper.batchSize, sample);
            return { task: i, observations: s.observation, actions: s.action, rewards: s.reward, nextObservations: s.nextObservation, terminated: s.done };
          });
          learner.update(batches).forEach((l, i) => metrics.push({ name: 'dqn/loss', value: l, tags: { task: taskName(input.tasks[i]) } }));
        }
        if (step % input.evalEvery === 0 || step === input.steps) evalAll(step);
        return metrics;
      },
    });
    sharedWeights = learner.sharedWeights();
  } finally {
    ort?.dispose();
    dqn.dispose();
  }
  const meta = {
    behaviorPolicy: `mt-dqn ε-greedy (${input.tasks.length} task${input.tasks.length === 1 ? '' : 's'}${input.shared ? ', transfer' : ''})`,
    seed: input.seed,
    pipeline: input.pipeline ?? 'train-mt-dqn',
  };
  const datasets = input.datasetsDir && rollouts.history ? await writeTaskDatasets(input.datasetsDir, input.tasks, rollouts.history, envs, meta) : [];
  return { tasks: input.tasks.map(taskName), curve, sharedWeights, datasets, backend: ort ? 'ort' : tfjsBackendOf(backend), seconds: (Date.now() - started) / 1000 };
};

/** A one-row batch for the replay buffer. */
const oneTransition = (task: string, o: Float32Array, a: number, reward: number, next: Float32Array, terminated: boolean): TransitionBatch => ({
  task,
  size: 1,
  obsDim: o.length,
  actDim: 1,
  discreteActions: true,
  episode: Int32Array.of(0),
  step: Int32Array.of(0),
  observation: o,
  nextObservation: next,
  action: Int32Array.of(a),
  reward: Float32Array.of(reward),
  terminated: Uint8Array.of(terminated ? 1 : 0),
  truncated: Uint8Array.of(0),
});

export default trainMtDqnJob;
