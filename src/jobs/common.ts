import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../core/batch.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { openDatasetReader } from '../data/index.ts';
import { selectBackend, type BackendPreference } from '../nn/index.ts';

/** Makes the requested tfjs backend active in this thread (each worker has its own tfjs). */
export const useBackend = async (preference: BackendPreference): Promise<string> => {
  const r = await selectBackend(preference)();
  if (E.isLeft(r)) throw new DistilleryFailure(r.left);
  return r.right;
};

/** Every batch of the given datasets, in order (offline learning holds its dataset in memory). */
export const readAllBatches = async (paths: readonly string[]): Promise<TransitionBatch[]> => {
  const out: TransitionBatch[] = [];
  for (const p of paths) {
    const r = await openDatasetReader(p)();
    if (E.isLeft(r)) throw new DistilleryFailure(r.left);
    try {
      // A learner must not consume NaN or ±Infinity: a non-finite value fails naming file, column and row.
      for await (const b of r.right.batches({ requireFinite: true })) out.push(b);
    } finally {
      await r.right.close();
    }
  }
  return out;
};

/**
 * Lets the event loop run every `ms` milliseconds of compute, so a job in the main thread still
 * renders progress and reacts to Ctrl-C (in a worker this is cheap and harmless).
 */
export const ticker = (ms = 100): (() => Promise<void>) => {
  let last = Date.now();
  return async () => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      await yieldToEventLoop();
    }
  };
};

/** Reports progress about `points` times over `total` steps. */
export const progressEvery = (total: number, points = 50): number => Math.max(1, Math.floor(total / points));

export interface TrainingLoopOptions {
  readonly steps: number;
  /** Report metrics every this many steps (and at the last one). */
  readonly metricsEvery: number;
  readonly ctx: JobContext;
  /** Names the job in a failure message (e.g. `teacher left`). */
  readonly what: string;
  /**
   * One training step; returns its metrics by full name (`teacher/criticLoss`), or as a list when
   * they need tags (`{ name: 'student/loss', value, tags: { task } }`: one name, a task tag).
   */
  readonly update: (step: number) => Record<string, number> | readonly StepMetric[];
}

export interface StepMetric {
  readonly name: string;
  readonly value: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The loop every offline training job shares: `steps` updates, metrics every `metricsEvery`
 * steps, progress about 50 times, a 'numeric' failure on the first non-finite metric of any step,
 * and a yield to the event loop every 100 ms (so a job in the main thread renders and stops).
 */
export const trainingLoop = async (o: TrainingLoopOptions): Promise<void> => {
  const tick = ticker();
  const every = progressEvery(o.steps);
  for (let step = 1; step <= o.steps; step++) {
    const metrics = o.update(step);
    const record = step % o.metricsEvery === 0 || step === o.steps;
    const list: readonly StepMetric[] = Array.isArray(metrics) ? metrics : Object.entries(metrics).map(([name, value]) => ({ name, value }));
    for (const { name, value, tags } of list) {
      if (!Number.isFinite(value)) throw new DistilleryFailure(distilleryError('numeric', `${o.what}: ${name}${tags?.task ? ` (${tags.task})` : ''} became ${value} at step ${step}`));
      if (record) o.ctx.report({ kind: 'metric', name, step, value, ...(tags ? { tags } : {}) });
    }
    if (step % every === 0 || step === o.steps) o.ctx.report({ kind: 'progress', done: step, total: o.steps });
    await tick();
  }
};
