/**
 * Multi-task discrete SAC on a grid world, with or without OT reward sharing (Le & Ta, arXiv
 * 2309.15603). One SAC learner (actor, twin critics, temperature, replay buffer) per task; tasks
 * take turns episode by episode (a round = one episode of every task, in order).
 *
 * sharing 'ot', ot.proxy 'update' (the paper): buffers hold env rewards; at every update, each
 * trajectory with a row in the sampled batch is paired with a random recent trajectory (the last
 * `recent` of each task) of another task, and Sinkhorn's proxy is added to the sampled rewards
 * for that update only (ot-update-proxy.ts).
 * sharing 'ot', ot.proxy 'trajectory' (cheaper): every finished trajectory flows once through the
 * library's pairTrajectories → otReward (ot-sharing.ts) and enters its task's buffer with the
 * proxy frozen in; a trajectory finished before any other task has one waits for its partner.
 * sharing 'none': independent SAC learners, the same loop without the proxy (same minibatch
 * draws as 'update', from the same RNG path).
 *
 * OT features: (x, y) of the cell and the one-hot action by default (`ot.features`), standardised
 * with running statistics over every finished trajectory (`ot.normalize`).
 *
 * SAC updates: `updateEvery` environment steps of a task buy one update of its learner, made
 * when the episode ends (its transitions are only in the buffer then, and both modes do the
 * same). Returns are the training episodes' (actions sampled from π), env reward only.
 * Under `--backend auto|ort` the updates run on ONNX Runtime and the actions are sampled in plain
 * JS (train-ot-sac-ort.ts), with the same draws: the tfjs run to float rounding.
 * RxJS-free; runs in a worker.
 */
import { tfjsBackendOf } from '../nn/backend.ts';
import type { Trajectory } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { flatDim } from '../core/spaces.ts';
import { createSacDiscreteLearner, type SacHyper } from '../algos/sac/index.ts';
import type { BackendPreference } from '../nn/index.ts';
import { useBackend } from './common.ts';
import { ortSacEngine } from './train-ot-sac-ort.ts';
import { currentCell, gridOf, makeGridTasks, runRoundRobin, type MultiTaskRun } from './ot-run.ts';
import { OT_PROXY_COLUMN } from '../operators/ot-reward.ts';
import { CellAverage, featureTrajectory, otSharingStream, type OtSharingOptions } from './ot-sharing.ts';
import { UpdateTimeProxy } from './ot-update-proxy.ts';
import { emptySampledBatch } from '../algos/replay-buffer.ts';
import { FeatureStats, stateActionVectors } from '../ot/index.ts';
import { pathOverlap } from './ot-run.ts';

export type SharingMode = 'none' | 'ot';

export interface TrainOtSacInput {
  readonly envId: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Tasks to train (empty: every task of the env). */
  readonly tasks: readonly string[];
  readonly sharing: SharingMode;
  /** Environment steps per task; training stops after the round in which the total reaches tasks × this. */
  readonly stepsPerTask: number;
  readonly hyper: Partial<SacHyper>;
  /**
   * Target entropy as a fraction of log|A| (null: SacHyper's targetEntropy or its default
   * 0.98·log|A|, which keeps a discrete policy near uniform).
   */
  readonly targetEntropyRatio: number | null;
  /** Environment steps per SAC update. */
  readonly updateEvery: number;
  readonly ot: Omit<OtSharingOptions, 'actionCount'> & {
    /** Trajectories kept per task in the shared store. */
    readonly recent: number;
  };
  readonly seed: number;
  readonly backend: BackendPreference;
}

export interface TrainOtSacOutput extends MultiTaskRun {
  readonly sharing: SharingMode;
  /** Mean proxy reward per grid cell over every task's augmented steps (NaN where none); absent for 'none'. */
  readonly proxyPerCell?: Float64Array;
  readonly proxyCount?: Float64Array;
  /** Sinkhorn solves, and how many did not converge within the iterations. */
  readonly otSolves: number;
  readonly otUnconverged: number;
  /** Trajectories still waiting for a partner when training ended (never stored; 'trajectory' mode), or sampled rows without a partner ('update'). */
  readonly otUnpaired: number;
  /** Shared shortest-path traffic per cell (ot-run.ts `pathOverlap`), what the heat map is ranked against. */
  readonly pathOverlap: Float64Array;
  readonly updates: number;
  readonly backend: string;
}

export const trainOtSacJob = async (input: TrainOtSacInput, ctx: JobContext): Promise<TrainOtSacOutput> => {
  const backend = await useBackend(input.backend);
  if (input.sharing !== 'none' && input.sharing !== 'ot') throw new DistilleryFailure(distilleryError('invalid-input', `sharing must be 'none' or 'ot', got ${String(input.sharing)}`));
  if (!(Number.isSafeInteger(input.updateEvery) && input.updateEvery > 0)) throw new DistilleryFailure(distilleryError('invalid-input', `updateEvery must be a positive integer, got ${input.updateEvery}`));
  const rng = Rng.fromSeed(input.seed);
  const { tasks, envs } = await makeGridTasks(input.envId, input.tasks, input.envConfig, (task) => rng.split(`env/${task}`).seed());
  const first = envs[0];
  if (first.actionSpace.kind !== 'discrete') throw new DistilleryFailure(distilleryError('invalid-input', `${input.envId}: discrete SAC needs discrete actions`));
  const actions = first.actionSpace.n;
  const obsDim = flatDim(first.observationSpace);
  const hyper: Partial<SacHyper> = {
    ...input.hyper,
    ...(input.targetEntropyRatio !== null ? { targetEntropy: input.targetEntropyRatio * Math.log(actions) } : {}),
  };
  const learners = tasks.map((_, i) => createSacDiscreteLearner({ obsDim, actions }, hyper, rng.split(`sac/${i}`)));
  // ORT trains (and JS acts) when the backend uses it: the same draws, the tfjs numbers to float rounding.
  const engines = learners.map((l) => ortSacEngine(l, backend));
  const envRngs = tasks.map((_, i) => rng.split(`reset/${i}`));
  const actRngs = tasks.map((_, i) => rng.split(`act/${i}`));
  const updateRngs = tasks.map((_, i) => rng.split(`update/${i}`));
  const grid = gridOf(first);
  let otSolves = 0;
  let otUnconverged = 0;
  let otUnpairedRows = 0;
  const ot = input.ot;
  if (input.sharing === 'ot') {
    if (ot.proxy !== 'update' && ot.proxy !== 'trajectory') throw new DistilleryFailure(distilleryError('invalid-input', `ot.proxy must be 'update' or 'trajectory', got ${String(ot.proxy)}`));
    if (ot.features !== 'xy' && ot.features !== 'observation') throw new DistilleryFailure(distilleryError('invalid-input', `ot.features must be 'xy' or 'observation', got ${String(ot.features)}`));
    if (!['running', 'pair', 'none'].includes(ot.normalize)) throw new DistilleryFailure(distilleryError('invalid-input', `ot.normalize must be 'running', 'pair' or 'none', got ${String(ot.normalize)}`));
  }
  const proxyCells = input.sharing === 'ot' ? new CellAverage(grid.rows * grid.cols) : undefined;
  // Running statistics of the OT features over every finished trajectory (all tasks), read at each solve.
  const featureDim = (ot.features === 'xy' ? 2 : obsDim) + actions;
  const running = new FeatureStats(featureDim);
  const featureStats = ot.normalize === 'running' ? () => running.snapshot() : ot.normalize;
  const countSolve = (converged: boolean) => {
    otSolves++;
    if (!converged) otUnconverged++;
  };
  // The original trajectory of each waiting feature trajectory, by task/episode, until its augmented copy is stored.
  const waiting = new Map<string, Trajectory>();
  const sharing =
    input.sharing === 'ot' && ot.proxy === 'trajectory'
      ? otSharingStream({ ...ot, actionCount: actions, featureStats }, rng.split('pair'), (f, solve) => {
          const key = `${f.task}/${f.episode[0]}`;
          const original = waiting.get(key)!;
          waiting.delete(key);
          const proxy = f.rewards![OT_PROXY_COLUMN];
          learners[tasks.indexOf(f.task)].buffer.addBatch(original, f.reward);
          proxyCells?.add((f as Trajectory & { cells: Int32Array }).cells, proxy, f.size);
          countSolve(solve.converged);
        })
      : undefined;
  const capacity = learners[0].buffer.capacity;
  const atUpdate = input.sharing === 'ot' && ot.proxy === 'update' ? new UpdateTimeProxy(tasks, capacity, { ...ot, actionCount: actions, featureStats }, rng.split('pair')) : undefined;
  const batchIndices = new Uint32Array(learners[0].algo.hyper.batchSize);
  const scratch = emptySampledBatch(batchIndices.length, obsDim, 1);
  const cells = new Int32Array(first.maxEpisodeSteps + 1);
  const started = Date.now();
  const obsBuf = new Float32Array(obsDim);
  // The minibatch draw of ReplayBuffer.sample (same RNG path as 'none'), then this update's proxies.
  const updateWithProxy = (i: number): void => {
    const { buffer, algo } = learners[i];
    for (let j = 0; j < batchIndices.length; j++) batchIndices[j] = updateRngs[i].int(buffer.size);
    const batch = buffer.gather(batchIndices, scratch);
    const p = atUpdate!.forBatch(i, batchIndices);
    for (let j = 0; j < batch.size; j++) batch.reward[j] += p.rewards[j];
    const engine = engines[i];
    if (engine) engine.updateOn(batch);
    else algo.update(batch, updateRngs[i]);
    for (const s of p.solves) countSolve(s.converged);
    otUnpairedRows += p.unpairedRows;
    for (let j = 0; j < batch.size; j++) if (p.paired[j]) proxyCells!.add([p.cells[j]], [p.rewards[j]], 1);
  };

  try {
    const { steps, returns, updates } = await runRoundRobin(
      { tasks, envs, envRngs, obsDim, stepsPerTask: input.stepsPerTask, updateEvery: input.updateEvery, stage: 'sac' },
      {
        beforeStep: (i, t) => {
          cells[t] = currentCell(envs[i]);
        },
        act: (i, obs) => {
          obsBuf.set(obs);
          return (engines[i] ?? learners[i]).act(obsBuf, 1, { explore: true, rng: actRngs[i] })[0];
        },
        episodeEnded: (i, trajectory) => {
          const learner = learners[i];
          if (input.sharing !== 'ot') return learner.buffer.addBatch(trajectory, trajectory.reward);
          const features = featureTrajectory(trajectory, cells.slice(0, trajectory.size), grid.cols, ot.features);
          running.update(stateActionVectors(features, actions));
          if (sharing) {
            waiting.set(`${trajectory.task}/${trajectory.episode[0]}`, trajectory);
            sharing.push(features);
          } else {
            learner.buffer.addBatch(trajectory, trajectory.reward);
            atUpdate!.add(i, features);
          }
        },
        ready: (i) => learners[i].ready,
        update: (i) => {
          if (atUpdate) updateWithProxy(i);
          else (engines[i] ?? learners[i]).update(updateRngs[i]);
        },
      },
      ctx,
    );
    const otUnpaired = sharing ? sharing.end() : otUnpairedRows;
    return {
      tasks,
      sharing: input.sharing,
      steps,
      returns,
      grid,
      ...(proxyCells ? { proxyPerCell: proxyCells.mean(), proxyCount: proxyCells.count.slice() } : {}),
      otSolves,
      otUnconverged,
      otUnpaired,
      pathOverlap: pathOverlap(envs),
      updates,
      backend: engines[0] ? 'ort' : tfjsBackendOf(backend),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const e of engines) e?.dispose();
    for (const l of learners) l.dispose();
  }
};

export default trainOtSacJob;
