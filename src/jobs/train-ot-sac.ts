/**
 * Multi-task discrete SAC on a grid world, with or without OT reward sharing (Le & Ta, arXiv
 * 2309.15603). One SAC learner (actor, twin critics, temperature, replay buffer) per task; tasks
 * take turns episode by episode (a round = one episode of every task, in order).
 *
 * sharing 'ot': every finished trajectory flows through the library's pairTrajectories → otReward
 * (ot-sharing.ts): it is paired with a random recent trajectory (the last `recent` of each task)
 * of another task, and enters its task's buffer with the OT proxy reward added. A trajectory
 * finished before any other task has one waits for its partner (the first round's).
 * sharing 'none': independent SAC learners, the same loop without the proxy.
 *
 * SAC updates: `updateEvery` environment steps of a task buy one update of its learner, made
 * when the episode ends (its transitions are only in the buffer then, and both modes do the
 * same). Returns are the training episodes' (actions sampled from π), env reward only.
 * RxJS-free; runs in a worker.
 */
import { TransitionBatchBuilder } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { flatDim } from '../core/spaces.ts';
import { createSacDiscreteLearner, type SacHyper } from '../algos/sac/index.ts';
import type { BackendPreference } from '../nn/index.ts';
import { progressEvery, ticker, useBackend } from './common.ts';
import { currentCell, gridOf, makeGridTasks, RoundLog, type MultiTaskRun } from './ot-run.ts';
import { OT_PROXY_COLUMN } from '../operators/ot-reward.ts';
import { CellAverage, otSharingStream, type OtSharingOptions } from './ot-sharing.ts';

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
  /** Trajectories still waiting for a partner when training ended (never stored). */
  readonly otUnpaired: number;
  readonly updates: number;
  readonly backend: string;
}

export const trainOtSacJob = async (input: TrainOtSacInput, ctx: JobContext): Promise<TrainOtSacOutput> => {
  const backend = await useBackend(input.backend);
  if (input.sharing !== 'none' && input.sharing !== 'ot') throw new DistilleryFailure(distilleryError('invalid-input', `sharing must be 'none' or 'ot', got ${String(input.sharing)}`));
  if (!(Number.isSafeInteger(input.updateEvery) && input.updateEvery > 0)) throw new DistilleryFailure(distilleryError('invalid-input', `updateEvery must be a positive integer, got ${input.updateEvery}`));
  const rng = Rng.fromSeed(input.seed);
  const { tasks, envs } = await makeGridTasks(input.envId, input.tasks, input.envConfig, (task) => rng.split(`env/${task}`).seed());
  const m = tasks.length;
  const first = envs[0];
  if (first.actionSpace.kind !== 'discrete') throw new DistilleryFailure(distilleryError('invalid-input', `${input.envId}: discrete SAC needs discrete actions`));
  const actions = first.actionSpace.n;
  const obsDim = flatDim(first.observationSpace);
  const hyper: Partial<SacHyper> = {
    ...input.hyper,
    ...(input.targetEntropyRatio !== null ? { targetEntropy: input.targetEntropyRatio * Math.log(actions) } : {}),
  };
  const learners = tasks.map((_, i) => createSacDiscreteLearner({ obsDim, actions }, hyper, rng.split(`sac/${i}`)));
  const builders = tasks.map((task) => new TransitionBatchBuilder({ task, obsDim, actDim: 1, discreteActions: true }, first.maxEpisodeSteps));
  const envRngs = tasks.map((_, i) => rng.split(`reset/${i}`));
  const actRngs = tasks.map((_, i) => rng.split(`act/${i}`));
  const updateRngs = tasks.map((_, i) => rng.split(`update/${i}`));
  const grid = gridOf(first);
  let otSolves = 0;
  let otUnconverged = 0;
  const proxyCells = input.sharing === 'ot' ? new CellAverage(grid.rows * grid.cols) : undefined;
  // The cells each waiting trajectory visited, by task/episode, until its augmented copy is stored.
  const cellsOf = new Map<string, Int32Array>();
  const sharing =
    input.sharing === 'ot'
      ? otSharingStream({ ...input.ot, actionCount: actions }, rng.split('pair'), (t, solve) => {
          learners[tasks.indexOf(t.task)].buffer.addBatch(t, t.reward);
          const key = `${t.task}/${t.episode[0]}`;
          const visited = cellsOf.get(key);
          const proxy = t.rewards?.[OT_PROXY_COLUMN];
          if (visited && proxy) proxyCells?.add(visited, proxy, t.size);
          cellsOf.delete(key);
          otSolves++;
          if (!solve.converged) otUnconverged++;
        })
      : undefined;
  const cells = new Int32Array(first.maxEpisodeSteps + 1);
  const pending = new Float64Array(m);
  const log = new RoundLog(m);
  const budget = input.stepsPerTask * m;
  const every = progressEvery(budget);
  const tick = ticker();
  const started = Date.now();
  let total = 0;
  let updates = 0;
  let nextProgress = every;
  const obsBuf = new Float32Array(obsDim);

  try {
    for (let round = 0; total < budget; round++) {
      const returns = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const env = envs[i];
        const learner = learners[i];
        const builder = builders[i];
        let obs = env.reset(envRngs[i].seed());
        let t = 0;
        let ret = 0;
        for (;;) {
          cells[t] = currentCell(env);
          obsBuf.set(obs);
          const a = learner.act(obsBuf, 1, { explore: true, rng: actRngs[i] })[0];
          const r = env.step(a);
          builder.push({ episode: round, step: t, observation: obs, action: a, reward: r.reward, nextObservation: r.observation, terminated: r.terminated, truncated: r.truncated });
          ret += r.reward;
          obs = r.observation;
          t++;
          if (r.terminated || r.truncated) break;
        }
        const trajectory = builder.flush();
        if (sharing) {
          cellsOf.set(`${trajectory.task}/${round}`, cells.slice(0, trajectory.size));
          sharing.push(trajectory);
        } else learner.buffer.addBatch(trajectory, trajectory.reward);
        total += t;
        returns[i] = ret;
        ctx.report({ kind: 'metric', name: `return/${tasks[i]}`, step: total, value: ret });
        if (learner.ready) {
          pending[i] += t;
          for (; pending[i] >= input.updateEvery; pending[i] -= input.updateEvery) {
            learner.update(updateRngs[i]);
            updates++;
          }
        }
        await tick();
      }
      log.push(total, returns);
      ctx.report({ kind: 'metric', name: 'return/mean', step: total, value: returns.reduce((s, x) => s + x, 0) / m });
      if (total >= nextProgress || total >= budget) {
        ctx.report({ kind: 'progress', done: Math.min(total, budget), total: budget });
        nextProgress = total + every;
      }
    }
    const otUnpaired = sharing ? sharing.end() : 0;
    const { steps, returns } = log.arrays();
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
      updates,
      backend,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const l of learners) l.dispose();
  }
};

export default trainOtSacJob;
