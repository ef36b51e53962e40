/**
 * Online TD3 training of one task's behavior policy, the source of the thesis' datasets: it keeps
 * evaluated snapshots of the actor, and from them the expert (best) and medium (early-stopped:
 * the first snapshot reaching a fraction of the expert's return) policies, plus the
 * medium-replay dataset (every transition collected until the medium snapshot). RxJS-free.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { TransitionBatchBuilder, sliceBatch } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { flatDim } from '../core/spaces.ts';
import { Td3, type Td3Hyper } from '../algos/td3/index.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import { newDatasetMetadata, openDatasetWriter } from '../data/index.ts';
import { getEnv, prepareEnv } from '../envs/index.ts';
import type { BackendPreference, NamedWeight } from '../nn/index.ts';
import { progressEvery, ticker, useBackend } from './common.ts';
import { episodeReturns } from './evaluate.ts';
import { jsActor, savePolicyModel, type PolicyArchitecture } from './policy-model.ts';
import { behaviorEngine } from './train-behavior-ort.ts';

export interface TrainBehaviorInput {
  readonly envId: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly task: string;
  readonly hyper: Partial<Td3Hyper>;
  /** Environment steps (one TD3 update per step once learning has started). */
  readonly steps: number;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Medium = first snapshot whose return reaches this fraction of the expert's. */
  readonly mediumFraction: number;
  readonly seed: number;
  readonly backend: BackendPreference;
  /** Where expert/ and medium/ checkpoints and the medium-replay dataset go. */
  readonly outDir: string;
  readonly pipeline: string;
}

export interface Snapshot {
  readonly step: number;
  readonly return: number;
}

export interface TrainBehaviorOutput {
  readonly task: string;
  readonly curve: readonly Snapshot[];
  readonly expert: Snapshot & { readonly checkpointDir: string };
  readonly medium: Snapshot & { readonly checkpointDir: string };
  readonly mediumReplay: { readonly path: string; readonly transitions: number };
  readonly backend: string;
  readonly seconds: number;
}

export const trainBehaviorJob = async (input: TrainBehaviorInput, ctx: JobContext): Promise<TrainBehaviorOutput> => {
  const backend = await useBackend(input.backend);
  const found = getEnv(input.envId);
  if (E.isLeft(found)) throw new DistilleryFailure(found.left);
  const prepared = await prepareEnv(found.right);
  if (E.isLeft(prepared)) throw new DistilleryFailure(prepared.left);
  const family = prepared.right;
  const rng = Rng.fromSeed(input.seed);
  const env = family.make(input.task, input.envConfig, rng.split('env').seed());
  const evalEnv = family.make(input.task, input.envConfig, rng.split('eval-env').seed());
  if (env.actionSpace.kind !== 'box') throw new DistilleryFailure(distilleryError('invalid-input', `TD3 needs continuous actions; ${input.envId} has discrete ones`));
  const obsDim = flatDim(env.observationSpace);
  const actDim = flatDim(env.actionSpace);
  const td3 = new Td3({ obsDim, actDim }, input.hyper, rng.split('td3'));
  const { learningStarts } = td3.hyper;
  const buffer = new ReplayBuffer(Math.min(td3.hyper.bufferCapacity, input.steps), { obsDim, actDim, discreteActions: false });
  // TD3 trains and acts on ONNX Runtime when the backend uses it (same draws, same numbers as tfjs).
  const engine = behaviorEngine(td3, buffer, backend);
  // Every transition, in order, with simulator states: the medium-replay dataset is a prefix of it.
  const history = new TransitionBatchBuilder({ task: input.task, obsDim, actDim, discreteActions: false, physicsDim: env.stateDim }, input.steps);
  const one = new TransitionBatchBuilder({ task: input.task, obsDim, actDim, discreteActions: false }, 1);
  const architecture: PolicyArchitecture = { kind: 'policy', algo: 'td3', obsDim, actDim, hidden: [...td3.hyper.hidden], critics: 0, stateNorm: false, actorHead: 'deterministic' };
  const snapshots: (Snapshot & { weights: NamedWeight[] })[] = [];
  const explore = rng.split('explore');
  const updates = rng.split('updates');
  const evalRng = rng.split('eval');
  const tick = ticker();
  const every = progressEvery(input.steps);
  const started = Date.now();

  const snapshot = (step: number): void => {
    const weights = engine.actorWeights().map((w) => ({ ...w, name: `actor/${w.name}` }));
    const returns = episodeReturns(evalEnv, jsActor({ architecture, weights }), input.evalEpisodes, evalRng.split(`eval/${step}`));
    const ret = returns.reduce((a, b) => a + b, 0) / returns.length;
    snapshots.push({ step, return: ret, weights });
    ctx.report({ kind: 'metric', name: 'behavior/evalReturn', step, value: ret });
  };

  try {
    let obs = env.reset(explore.seed());
    let state = env.getState();
    let episode = 0;
    let t = 0;
    for (let step = 1; step <= input.steps; step++) {
      const action =
        buffer.size < learningStarts
          ? Float32Array.from({ length: actDim }, () => explore.range(-1, 1))
          : engine.act(obs, explore);
      const r = env.step(action);
      const next = env.getState();
      const row = { episode, step: t, observation: obs, action, reward: r.reward, nextObservation: r.observation, terminated: r.terminated, truncated: r.truncated };
      history.push({ ...row, physics: state, nextPhysics: next });
      one.push(row);
      buffer.addBatch(one.flush());
      if (buffer.size >= learningStarts) {
        const m = engine.update(updates);
        if (step % every === 0) for (const [name, value] of Object.entries(m)) ctx.report({ kind: 'metric', name: `behavior/${name}`, step, value });
      }
      obs = r.observation;
      state = next;
      t++;
      if (r.terminated || r.truncated) {
        obs = env.reset(explore.seed());
        state = env.getState();
        episode++;
        t = 0;
      }
      if (step % input.evalEvery === 0 || step === input.steps) snapshot(step);
      if (step % every === 0 || step === input.steps) ctx.report({ kind: 'progress', done: step, total: input.steps });
      await tick();
    }

    const expert = snapshots.reduce((best, s) => (s.return > best.return ? s : best));
    const threshold = medianThreshold(snapshots, expert, input.mediumFraction);
    const medium = snapshots.find((s) => s.step <= expert.step && s.return >= threshold) ?? expert;
    const expertDir = join(input.outDir, 'expert');
    const mediumDir = join(input.outDir, 'medium');
    for (const [dir, s] of [[expertDir, expert], [mediumDir, medium]] as const) {
      const saved = await savePolicyModel(dir, { architecture, weights: s.weights })();
      if (E.isLeft(saved)) throw new DistilleryFailure(saved.left);
    }
    const all = history.flush();
    const replay = sliceBatch(all, 0, medium.step);
    const mediumReplayPath = join(input.outDir, `${input.task}-medium-replay.arrow`);
    const writer = await openDatasetWriter(mediumReplayPath, {
      metadata: newDatasetMetadata({
        envId: input.envId,
        envConfig: input.envConfig,
        tasks: [input.task],
        behaviorPolicy: `td3 replay buffer up to step ${medium.step} (medium)`,
        seed: input.seed,
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        pipeline: input.pipeline,
      }),
      shape: { obsDim, actDim, discreteActions: false, physicsDim: env.stateDim, rewardTasks: [] },
    })();
    if (E.isLeft(writer)) throw new DistilleryFailure(writer.left);
    await writer.right.write(replay);
    await writer.right.close();
    return {
      task: input.task,
      curve: snapshots.map(({ step, return: r }) => ({ step, return: r })),
      expert: { step: expert.step, return: expert.return, checkpointDir: expertDir },
      medium: { step: medium.step, return: medium.return, checkpointDir: mediumDir },
      mediumReplay: { path: mediumReplayPath, transitions: replay.size },
      backend: engine.name,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    engine.dispose();
    td3.dispose();
  }
};

/**
 * The medium threshold: `fraction` of the way from the first snapshot's return (about a random
 * policy's) to the expert's, so that it means the same for envs whose returns can be negative.
 */
const medianThreshold = (snapshots: readonly Snapshot[], expert: Snapshot, fraction: number): number => {
  const start = snapshots[0].return;
  return start + fraction * (expert.return - start);
};

export default trainBehaviorJob;
