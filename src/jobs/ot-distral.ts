/**
 * Tabular Distral (KL 1col, α = 1: π_i ∝ π0·exp(βQ_i), π0 fit by maximum likelihood on every
 * task's state-actions) on the grid tasks of the OT-maze experiment, the paper's sharing
 * baseline. Same protocol as train-ot-sac.ts: round-robin, one episode per task per round, until
 * tasks × stepsPerTask environment steps; returns are the training episodes' env returns.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { flatDim } from '../core/spaces.ts';
import { DistralLearner, decodeDistralConfig, distralTraining, oneHotState } from '../algos/distral/index.ts';
import { progressEvery, ticker } from './common.ts';
import { gridOf, makeGridTasks, RoundLog, type MultiTaskRun } from './ot-run.ts';

export interface OtDistralInput {
  readonly envId: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly tasks: readonly string[];
  readonly stepsPerTask: number;
  /** Inverse temperature. */
  readonly beta: number;
  readonly gamma: number;
  readonly lrQ: number;
  readonly lrPi0: number;
  readonly seed: number;
}

export type OtDistralOutput = MultiTaskRun;

export const otDistralJob = async (input: OtDistralInput, ctx: JobContext): Promise<OtDistralOutput> => {
  const rng = Rng.fromSeed(input.seed);
  const { tasks, envs } = await makeGridTasks(input.envId, input.tasks, input.envConfig, (task) => rng.split(`env/${task}`).seed());
  const m = tasks.length;
  const first = envs[0];
  const config = decodeDistralConfig({ variant: 'kl-1col', beta: input.beta, gamma: input.gamma, lrQ: input.lrQ, lrPi0: input.lrPi0 }, 'distral');
  if (E.isLeft(config)) throw new DistilleryFailure(config.left);
  const actions = first.actionSpace.kind === 'discrete' ? first.actionSpace.n : 0;
  const learner = DistralLearner.create(flatDim(first.observationSpace), actions, m, config.right);
  if (E.isLeft(learner)) throw new DistilleryFailure(learner.left);
  const gen = distralTraining(
    learner.right,
    envs.map((env) => ({ env: { reset: (s?: number) => env.reset(s), step: (a: number) => env.step(a) }, stateOf: oneHotState })),
    rng.split('train'),
    // The budget ends the loop below; this is only an upper bound on rounds.
    { episodes: Number.MAX_SAFE_INTEGER, maxStepsPerEpisode: first.maxEpisodeSteps },
  );
  if (E.isLeft(gen)) throw new DistilleryFailure(gen.left);
  const budget = input.stepsPerTask * m;
  const every = progressEvery(budget);
  const log = new RoundLog(m);
  const tick = ticker();
  const started = Date.now();
  let nextProgress = every;
  for (const round of gen.right) {
    log.push(round.totalSteps, round.returns);
    ctx.report({ kind: 'metric', name: 'distral/meanReturn', step: round.totalSteps, value: round.returns.reduce((s, x) => s + x, 0) / m });
    if (round.totalSteps >= nextProgress || round.totalSteps >= budget) {
      ctx.report({ kind: 'progress', done: Math.min(round.totalSteps, budget), total: budget });
      nextProgress = round.totalSteps + every;
    }
    if (round.totalSteps >= budget) break;
    await tick();
  }
  const { steps, returns } = log.arrays();
  return { tasks, steps, returns, grid: gridOf(first), seconds: (Date.now() - started) / 1000 };
};

export default otDistralJob;
