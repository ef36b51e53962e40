/**
 * The runs of the OT-maze experiments (`ot-mazes`, `ot-sweep`): SAC per task with or without the
 * OT proxy reward (Le & Ta, arXiv 2309.15603), and tabular Distral, on a grid maze, each a worker
 * job. The parameter sections are shared so both pipelines mean the same thing by `sac.*`/`ot.*`.
 */
import * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { FiniteNumber, LayerWidths, PositiveInt, PositiveNumber, Probability, oneOf, section, withDefault } from '../../core/codecs.ts';
import type { OtDistralInput, OtDistralOutput } from '../../jobs/ot-distral.ts';
import type { TrainOtSacInput, TrainOtSacOutput } from '../../jobs/train-ot-sac.ts';
import { otDistralJobRef, trainOtDistralNeuralJobRef, trainOtSacJobRef } from '../../jobs/refs.ts';
import type { TrainOtDistralNeuralInput } from '../../jobs/train-ot-distral-neural.ts';
import type { RunContext } from '../context.ts';
import { reportJob } from '../job-stage.ts';
import { runJob } from '../run-job.ts';

export const OtMazeSacParams = section(
  {
    hidden: withDefault(LayerWidths, [64]),
    lr: withDefault(PositiveNumber, 1e-3),
    batchSize: withDefault(PositiveInt, 64),
    gamma: withDefault(Probability, 0.99),
    tau: withDefault(Probability, 0.01),
    learningStarts: withDefault(PositiveInt, 500),
    /** Environment steps per SAC update (each update costs ~7–20 ms on WASM here). */
    updateEvery: withDefault(PositiveInt, 4),
    /**
     * Fixed temperature. Automatic tuning to 0.98·log|A| keeps the 8-move policy near uniform,
     * and to 0.3·log|A| it collapsed to never reaching a goal in our trial; a fixed α = 0.005
     * (entropy bonus ≈ the step cost at log 8) learned best of 0.005/0.02 (one seed, zigzag).
     */
    alpha: withDefault(PositiveNumber, 0.005),
    autoEntropy: withDefault(t.boolean, false),
    targetEntropyRatio: withDefault(t.union([PositiveNumber, t.null]), null),
  },
  'discrete SAC per task',
);

export const OtMazeOtParams = section(
  {
    sigma: withDefault(PositiveNumber, 0.01, 'upper bound σ of the proxy reward σ·exp(−β·c_t) (not published)'),
    beta: withDefault(FiniteNumber, 5, 'decay β of the proxy reward (the paper mentions 2 and 5)'),
    epsilon: withDefault(PositiveNumber, 0.01, 'Sinkhorn regularization on the max-normalized cost (OTR: 0.01)'),
    iterations: withDefault(PositiveInt, 100, 'Sinkhorn iterations (OTR: 100)'),
    proxy: withDefault(oneOf(['update', 'trajectory'] as const, 'proxy'), 'update', "when the proxy is computed: 'update' for the sampled batch's trajectories at every update (the paper), 'trajectory' once when a trajectory ends (cheaper, frozen in the buffer)"),
    features: withDefault(oneOf(['xy', 'observation'] as const, 'features'), 'xy', "grid state in the cost: 'xy' (column, row) of the cell, 'observation' the one-hot network input"),
    normalize: withDefault(oneOf(['running', 'pair', 'none'] as const, 'normalize'), 'running', "feature standardisation: 'running' statistics of every finished trajectory, 'pair' the two trajectories', 'none'"),
    recent: withDefault(PositiveInt, 10, 'recent trajectories kept per task as partner candidates'),
  },
  'the OT proxy reward (σ·exp(−β·c_t))',
);

export const OtMazeDistralParams = section(
  {
    /** Inverse temperature: at β = 20 Distral needs ~150k steps on zigzag, at 100 ~90k (measured). */
    beta: withDefault(PositiveNumber, 100),
    gamma: withDefault(Probability, 0.99),
    lrQ: withDefault(PositiveNumber, 0.1),
    lrPi0: withDefault(PositiveNumber, 0.1),
  },
  'tabular Distral KL 1col',
);

export const OtMazeNeuralDistralParams = section(
  {
    alpha: withDefault(Probability, 1, 'weight α of the prior π0^α (KL 1col: 1; 0: independent soft-Q learners)'),
    beta: withDefault(PositiveNumber, 100, 'inverse temperature β (as tabular Distral here)'),
  },
  "neural Distral (soft-Q task networks and a distilled π0 on SAC's hidden layers, learning rate, batch, γ, τ and update schedule)",
);

export interface OtMazeRunSpec {
  readonly env: string;
  readonly method: 'sac-ot' | 'sac' | 'distral' | 'distral-neural';
  readonly seed: number;
  readonly stepsPerTask: number;
  readonly maxEpisodeSteps: number;
  readonly sac: t.TypeOf<typeof OtMazeSacParams>;
  readonly ot: t.TypeOf<typeof OtMazeOtParams>;
  /** Needed by the distral method only. */
  readonly distral?: t.TypeOf<typeof OtMazeDistralParams>;
  /** Needed by the distral-neural method only. */
  readonly distralNeural?: t.TypeOf<typeof OtMazeNeuralDistralParams>;
  /** The job's seed (shared by the methods of one env and seed: same networks and start cells for sac and sac-ot). */
  readonly jobSeed: number;
  /** Progress label suffix and metric tags. */
  readonly label: string;
  readonly tags: Readonly<Record<string, string>>;
}

export type OtMazeRun = (TrainOtSacOutput | OtDistralOutput) & Partial<Pick<TrainOtSacOutput, 'proxyPerCell' | 'proxyCount' | 'otSolves' | 'otUnconverged' | 'otUnpaired' | 'pathOverlap'>>;

/** The job input of one run. */
export const otMazeJobInput = (
  s: OtMazeRunSpec,
  backend: TrainOtSacInput['backend'],
): { sac: TrainOtSacInput } | { distral: OtDistralInput } | { distralNeural: TrainOtDistralNeuralInput } => {
  const envConfig = { maxEpisodeSteps: s.maxEpisodeSteps };
  if (s.method === 'distral-neural') {
    if (!s.distralNeural) throw new Error('otMazeJobInput: a distral-neural run needs its parameters');
    const { hidden, lr, batchSize, gamma, tau, learningStarts, updateEvery } = s.sac;
    return { distralNeural: { envId: s.env, envConfig, tasks: [], stepsPerTask: s.stepsPerTask, hidden, lr, batchSize, gamma, tau, learningStarts, updateEvery, ...s.distralNeural, seed: s.jobSeed, backend } };
  }
  if (s.method === 'distral') {
    if (!s.distral) throw new Error('otMazeJobInput: a distral run needs its parameters');
    return { distral: { envId: s.env, envConfig, tasks: [], stepsPerTask: s.stepsPerTask, ...s.distral, seed: s.jobSeed } };
  }
  return {
    sac: {
      envId: s.env,
      envConfig,
      tasks: [],
      sharing: s.method === 'sac-ot' ? 'ot' : 'none',
      stepsPerTask: s.stepsPerTask,
      hyper: {
        hidden: s.sac.hidden,
        actorLr: s.sac.lr,
        criticLr: s.sac.lr,
        alphaLr: s.sac.lr,
        batchSize: s.sac.batchSize,
        gamma: s.sac.gamma,
        tau: s.sac.tau,
        learningStarts: s.sac.learningStarts,
        bufferCapacity: Math.max(s.sac.learningStarts, s.stepsPerTask + s.maxEpisodeSteps),
        initialAlpha: s.sac.alpha,
        autoEntropy: s.sac.autoEntropy,
      },
      targetEntropyRatio: s.sac.targetEntropyRatio,
      updateEvery: s.sac.updateEvery,
      ot: s.ot,
      seed: s.jobSeed,
      backend,
    },
  };
};

/**
 * One method's multi-task run on one maze and seed, as a worker job whose reports go to the run.
 *
 *   trainOtMaze(ctx, spec):  ----------(run|)
 */
export const trainOtMaze = (ctx: RunContext, s: OtMazeRunSpec): Observable<OtMazeRun> => {
  const display = { id: `${s.env}/${s.label}/${s.seed}`, label: `${s.label} ${s.env} seed ${s.seed}`, tags: s.tags };
  const input = otMazeJobInput(s, ctx.backend.preference);
  const thread = ctx.jobThread ?? 'worker';
  if ('distral' in input) return runJob(otDistralJobRef, input.distral, { thread, label: display.label }).pipe(reportJob<OtMazeRun>(ctx, display));
  if ('distralNeural' in input) return runJob(trainOtDistralNeuralJobRef, input.distralNeural, { thread, label: display.label }).pipe(reportJob<OtMazeRun>(ctx, display));
  return runJob(trainOtSacJobRef, input.sac, { thread, label: display.label }).pipe(reportJob<OtMazeRun>(ctx, display));
};
