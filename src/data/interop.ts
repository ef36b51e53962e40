/**
 * What D4RL and Minari files share with ours: one task's transitions as flat columns in episode
 * order. `readFlatTask` gathers them from a Distillery dataset, `writeFlatDataset` writes them as
 * one (the usual validated, checksummed, atomic Arrow file).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../core/batch.ts';
import { distilleryError, errorOf, type DistilleryError } from '../core/errors.ts';
import type { Space } from '../core/spaces.ts';
import { newDatasetMetadata, type DatasetMetadata } from './metadata.ts';
import { openDatasetReader } from './reader.ts';
import { openDatasetWriter } from './writer.ts';

/** A batch's columns without its task name (one file may hold one task's transitions). */
export type FlatTransitions = Omit<TransitionBatch, 'task'>;

/** Where episodes start: row indices, plus `size` at the end. Rows of one episode are contiguous. */
export const episodeStarts = (f: Pick<FlatTransitions, 'size' | 'episode'>): number[] => {
  const starts: number[] = [];
  for (let i = 0; i < f.size; i++) if (i === 0 || f.episode[i] !== f.episode[i - 1]) starts.push(i);
  starts.push(f.size);
  return starts;
};

/**
 * The rows in file order when that order already has each episode's rows together with steps
 * increasing (how our writers write): no reordering needed. Undefined otherwise.
 */
const inEpisodeOrder = (batches: readonly TransitionBatch[]): { b: number; r: number }[] | undefined => {
  const seen = new Set<number>();
  let prevEpisode: number | undefined;
  let prevStep = -1;
  const order: { b: number; r: number }[] = [];
  for (let bi = 0; bi < batches.length; bi++) {
    const b = batches[bi];
    for (let r = 0; r < b.size; r++) {
      const e = b.episode[r];
      if (e !== prevEpisode) {
        if (seen.has(e)) return undefined;
        seen.add(e);
        prevEpisode = e;
        prevStep = -1;
      }
      if (b.step[r] <= prevStep) return undefined;
      prevStep = b.step[r];
      order.push({ b: bi, r });
    }
  }
  return order;
};

/** One task's rows of a dataset, grouped by episode (in first-seen order) and in step order within one. */
export const readFlatTask = async (path: string, task: string | undefined): Promise<E.Either<DistilleryError, { flat: FlatTransitions; metadata: DatasetMetadata; task: string }>> => {
  const opened = await openDatasetReader(path)();
  if (E.isLeft(opened)) return opened;
  const reader = opened.right;
  try {
    const tasks = reader.metadata.tasks;
    if (task === undefined && tasks.length > 1)
      return E.left(distilleryError('invalid-input', `${path} holds ${tasks.length} tasks (${tasks.join(', ')}); choose one with --task`));
    const chosen = task ?? tasks[0];
    if (!tasks.includes(chosen)) return E.left(distilleryError('not-found', `${path}: no task "${chosen}" (tasks: ${tasks.join(', ')})`));
    const batches: TransitionBatch[] = [];
    for await (const b of reader.batches()) if (b.task === chosen) batches.push(b);
    const s = reader.shape;
    const n = batches.reduce((a, b) => a + b.size, 0);
    // rows of each episode, in step order
    const direct = inEpisodeOrder(batches);
    const rowsOf = new Map<number, { b: number; r: number; step: number }[]>();
    if (!direct) batches.forEach((b, bi) => {
      for (let r = 0; r < b.size; r++) {
        const e = b.episode[r];
        let list = rowsOf.get(e);
        if (!list) rowsOf.set(e, (list = []));
        list.push({ b: bi, r, step: b.step[r] });
      }
    });
    const order = direct ?? [...rowsOf.values()].flatMap((rows) => rows.sort((x, y) => x.step - y.step));
    const o = s.obsDim;
    const a = s.actDim;
    const pd = s.physicsDim;
    const flat = {
      size: n,
      obsDim: o,
      actDim: a,
      discreteActions: s.discreteActions,
      episode: new Int32Array(n),
      step: new Int32Array(n),
      observation: new Float32Array(n * o),
      nextObservation: new Float32Array(n * o),
      action: s.discreteActions ? new Int32Array(n) : new Float32Array(n * a),
      reward: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      ...(pd !== undefined ? { physics: { dim: pd, state: new Float64Array(n * pd), nextState: new Float64Array(n * pd) } } : {}),
      ...(s.rewardTasks.length ? { rewards: Object.fromEntries(s.rewardTasks.map((t) => [t, new Float32Array(n)])) } : {}),
    } satisfies FlatTransitions;
    order.forEach(({ b, r }, i) => {
      const src = batches[b];
      flat.episode[i] = src.episode[r];
      flat.step[i] = src.step[r];
      flat.observation.set(src.observation.subarray(r * o, (r + 1) * o), i * o);
      flat.nextObservation.set(src.nextObservation.subarray(r * o, (r + 1) * o), i * o);
      flat.action.set(src.action.subarray(r * a, (r + 1) * a), i * a);
      flat.reward[i] = src.reward[r];
      flat.terminated[i] = src.terminated[r];
      flat.truncated[i] = src.truncated[r];
      if (flat.physics && src.physics) {
        flat.physics.state.set(src.physics.state.subarray(r * pd!, (r + 1) * pd!), i * pd!);
        flat.physics.nextState.set(src.physics.nextState.subarray(r * pd!, (r + 1) * pd!), i * pd!);
      }
      if (flat.rewards) for (const t of s.rewardTasks) flat.rewards[t][i] = src.rewards![t][r];
    });
    return E.right({ flat, metadata: reader.metadata, task: chosen });
  } catch (e) {
    return E.left(errorOf(e));
  } finally {
    await reader.close();
  }
};

export interface ImportedMetadata {
  readonly envId: string;
  readonly task: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly behaviorPolicy: string;
  readonly pipeline: string;
  readonly envConfig?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  /** When the data was made (kept from the file's Distillery metadata; else now). */
  readonly createdAt?: string;
  readonly extra?: unknown;
}

/** Writes one task's transitions as a Distillery dataset. */
export const writeFlatDataset = async (path: string, flat: FlatTransitions, m: ImportedMetadata): Promise<E.Either<DistilleryError, { rows: number; bytes: number }>> => {
  const metadata = newDatasetMetadata({
    envId: m.envId,
    envConfig: { ...(m.envConfig ?? {}) },
    tasks: [m.task],
    behaviorPolicy: m.behaviorPolicy,
    seed: m.seed ?? 0,
    observationSpace: m.observationSpace,
    actionSpace: m.actionSpace,
    pipeline: m.pipeline,
    ...(m.createdAt !== undefined ? { createdAt: m.createdAt } : {}),
    ...(m.extra !== undefined ? { extra: m.extra } : {}),
  });
  const rewardTasks = Object.keys(flat.rewards ?? {});
  const opened = await openDatasetWriter(path, {
    metadata,
    shape: { obsDim: flat.obsDim, actDim: flat.actDim, discreteActions: flat.discreteActions, rewardTasks, ...(flat.physics ? { physicsDim: flat.physics.dim } : {}) },
  })();
  if (E.isLeft(opened)) return opened;
  const w = opened.right;
  try {
    const batch: TransitionBatch = {
      task: m.task,
      size: flat.size,
      obsDim: flat.obsDim,
      actDim: flat.actDim,
      discreteActions: flat.discreteActions,
      episode: flat.episode,
      step: flat.step,
      observation: flat.observation,
      nextObservation: flat.nextObservation,
      action: flat.action,
      reward: flat.reward,
      terminated: flat.terminated,
      truncated: flat.truncated,
      ...(flat.physics ? { physics: flat.physics } : {}),
      ...(flat.rewards ? { rewards: flat.rewards } : {}),
    };
    if (flat.size > 0) await w.write(batch);
    const done = await w.close();
    return E.right({ rows: done.rows, bytes: done.bytes });
  } catch (e) {
    await w.abort();
    return E.left(errorOf(e));
  }
};
