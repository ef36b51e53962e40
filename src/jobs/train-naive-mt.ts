/**
 * Naive multi-task PBRL (the MOP thesis' baseline): every task's dataset → one task-conditioned
 * actor with a PBRL critic ensemble per task, tasks in round-robin. The actor is saved as a
 * student checkpoint (evaluable like a distilled student: loadStudentActor), the per-task critics
 * next to it. Runs in a worker thread; RxJS-free.
 */
import { tfjsBackendOf } from '../nn/backend.ts';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { NaiveMtLearner, NaiveMtPbrl } from '../algos/naive-mt/index.ts';
import type { PbrlHyper } from '../algos/pbrl/index.ts';
import { ReplayBuffer } from '../algos/replay-buffer.ts';
import { saveCheckpoint, saveNetwork, type BackendPreference, type TaskEncoding } from '../nn/index.ts';
import { readAllBatches, trainingLoop, useBackend, type StepMetric } from './common.ts';
import { ortNaiveMtUpdater } from './train-naive-mt-ort.ts';

export interface TrainNaiveMtInput {
  /** Tasks in model order: the actor's task index i is the position here. */
  readonly tasks: readonly { readonly task: string; readonly datasets: readonly string[] }[];
  /** PBRL hyper-parameters (partial; defaults are the published ones), shared by every task. */
  readonly hyper: Partial<PbrlHyper>;
  /** How the task id enters the actor (default one-hot). */
  readonly encoding?: TaskEncoding;
  /**
   * Updates *per task*: one step = one update of every task in round-robin, so each task's critics
   * get as many updates as a single-task teacher trained for `steps`.
   */
  readonly steps: number;
  readonly seed: number;
  readonly backend: BackendPreference;
  /** `<checkpointDir>/actor` (a student checkpoint) and `<checkpointDir>/critics`. */
  readonly checkpointDir: string;
  readonly metricsEvery: number;
}

export interface TrainNaiveMtOutput {
  /** The actor as a student checkpoint: evaluate it with loadStudentActor(actorDir, taskIndex). */
  readonly actorDir: string;
  readonly criticsDir: string;
  readonly tasks: readonly string[];
  /** Last metrics of each task's update. */
  readonly final: Record<string, Record<string, number>>;
  readonly transitions: Record<string, number>;
  readonly backend: string;
  readonly seconds: number;
}

export const trainNaiveMtJob = async (input: TrainNaiveMtInput, ctx: JobContext): Promise<TrainNaiveMtOutput> => {
  const backend = await useBackend(input.backend);
  if (input.tasks.length === 0) throw new DistilleryFailure(distilleryError('invalid-input', 'naive multi-task PBRL: no tasks'));
  const buffers: ReplayBuffer[] = [];
  for (const t of input.tasks) {
    const batches = await readAllBatches(t.datasets);
    if (batches.length === 0 || batches.every((b) => b.size === 0))
      throw new DistilleryFailure(distilleryError('invalid-input', `naive multi-task PBRL: no transitions for task ${t.task} (${t.datasets.join(', ')})`));
    buffers.push(ReplayBuffer.fromDataset(batches));
  }
  const { obsDim, actDim, discreteActions } = buffers[0].shape;
  for (const [i, b] of buffers.entries()) {
    if (b.shape.discreteActions || discreteActions)
      throw new DistilleryFailure(distilleryError('invalid-input', `naive multi-task PBRL needs continuous actions; task ${input.tasks[i].task} has discrete ones`));
    if (b.shape.obsDim !== obsDim || b.shape.actDim !== actDim)
      throw new DistilleryFailure(
        distilleryError('invalid-input', `naive multi-task PBRL: task ${input.tasks[i].task} has observations ${b.shape.obsDim} and actions ${b.shape.actDim}, task ${input.tasks[0].task} ${obsDim} and ${actDim}`),
      );
  }
  const rng = Rng.fromSeed(input.seed);
  const algo = new NaiveMtPbrl({ obsDim, actDim, tasks: input.tasks.length }, input.hyper, rng.split('init'), input.encoding ?? 'onehot');
  const learner = new NaiveMtLearner(algo, buffers);
  const updates = rng.split('updates');
  // On ORT when the backend uses it: same draws in the same order, the tfjs run to float rounding.
  const ort = ortNaiveMtUpdater(algo, buffers, backend);
  const started = Date.now();
  const final: Record<string, Record<string, number>> = {};
  const actorDir = join(input.checkpointDir, 'actor');
  const criticsDir = join(input.checkpointDir, 'critics');
  try {
    await trainingLoop({
      steps: input.steps,
      metricsEvery: input.metricsEvery,
      ctx,
      what: 'naive multi-task PBRL',
      update: () => {
        const metrics: StepMetric[] = [];
        for (let k = 0; k < input.tasks.length; k++) {
          const m = ort ? ort.update(updates) : learner.update(updates);
          const task = input.tasks[m.task].task;
          for (const [name, value] of Object.entries(m)) if (name !== 'task') metrics.push({ name: `naive-mt/${name}`, value, tags: { task } });
          final[task] = { ...final[task], ...m };
        }
        return metrics;
      },
    });
    ort?.sync();
    const savedActor = await saveNetwork(actorDir, algo.actor)();
    if (E.isLeft(savedActor)) throw new DistilleryFailure(savedActor.left);
    const savedCritics = await saveCheckpoint(criticsDir, {
      architecture: {
        kind: 'naive-mt-critics',
        tasks: input.tasks.map((t) => t.task),
        obsDim,
        actDim,
        hidden: [...algo.hyper.hidden],
        ensembleSize: algo.hyper.ensembleSize,
      },
      weights: algo.weights().filter((w) => w.name.startsWith('critic/')),
    })();
    if (E.isLeft(savedCritics)) throw new DistilleryFailure(savedCritics.left);
  } finally {
    ort?.dispose();
    learner.dispose();
  }
  return {
    actorDir,
    criticsDir,
    tasks: input.tasks.map((t) => t.task),
    final,
    transitions: Object.fromEntries(input.tasks.map((t, i) => [t.task, buffers[i].size])),
    backend: ort ? 'ort' : tfjsBackendOf(backend),
    seconds: (Date.now() - started) / 1000,
  };
};

export default trainNaiveMtJob;
