import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import { defer, from, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { NonEmptyString } from '../../core/codecs.ts';
import { DistilleryFailure, distilleryError, type DistilleryError } from '../../core/errors.ts';
import { result } from '../../core/events.ts';
import { openDatasetReader } from '../../data/index.ts';
import type { RunContext } from '../context.ts';
import type { TaskEnv } from '../with-env.ts';
import { datasetKindOf, type DatasetChoice } from './dataset-choice.ts';

/**
 * Where offline datasets come from instead of behavior training: a previous run directory (its
 * `datasets/<task>-<kind>.arrow` and `behavior/<task>/<task>-medium-replay.arrow`; in a run of
 * several seeds, seed s reads the same files under `seed-<s>/`), or one file per task
 * (`{"left": "a.arrow", "right": "b.arrow"}`, used as the chosen dataset kind, by every seed).
 */
export const DatasetSource = t.union([NonEmptyString, t.record(t.string, NonEmptyString)], 'DatasetSource');
export type DatasetSource = t.TypeOf<typeof DatasetSource>;

const KINDS = ['medium', 'expert', 'medium-replay'] as const;

/** The folder of a previous run that holds seed `seed`'s datasets: `seed-<seed>/` when the run had seeds. */
export const seedFolderOf = (runDir: string, seed: number | undefined): string => {
  if (seed === undefined) return runDir;
  const folder = join(runDir, `seed-${seed}`);
  return existsSync(folder) ? folder : runDir;
};

/** The files `source` gives for `task` (kind → path) for seed `seed`, without opening them. */
export const datasetFiles = (source: DatasetSource, task: string, kind: string, seed?: number): E.Either<DistilleryError, Record<string, string>> => {
  if (typeof source === 'string') {
    const files: Record<string, string> = {};
    const root = seedFolderOf(source, seed);
    for (const k of KINDS) {
      const path = k === 'medium-replay' ? join(root, 'behavior', task, `${task}-medium-replay.arrow`) : join(root, 'datasets', `${task}-${k}.arrow`);
      if (existsSync(path)) files[k] = path;
    }
    return kind in files ? E.right(files) : E.left(distilleryError('not-found', `data.from ${root}: no ${kind} dataset of task ${task} in that run`));
  }
  const path = Object.hasOwn(source, task) ? source[task] : undefined;
  if (path === undefined) return E.left(distilleryError('invalid-input', `data.from: no file for task ${task} (give one per task)`));
  if (!existsSync(path)) return E.left(distilleryError('not-found', `data.from.${task}: ${path} does not exist`));
  return E.right({ [kind]: path });
};

/**
 * Checks every task has its file (before anything is written). A run directory with seed folders
 * is checked in its first seed folder; each seed's own files are checked when it starts.
 */
export const checkDatasetSource = (source: DatasetSource, tasks: readonly string[], kind: DatasetChoice): E.Either<DistilleryError, void> => {
  const firstSeed = typeof source === 'string' ? firstSeedFolder(source) : undefined;
  for (const task of tasks) {
    const files = datasetFiles(source, task, datasetKindOf(kind, task), firstSeed);
    if (E.isLeft(files)) return files;
  }
  return E.right(undefined);
};

const firstSeedFolder = (runDir: string): number | undefined => {
  try {
    const seeds = readdirSync(runDir)
      .map((name) => /^seed-(\d+)$/.exec(name)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    return seeds[0];
  } catch {
    return undefined;
  }
};

const sha256 = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(typeof d === 'string' ? d : new Uint8Array(d)))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });

/**
 * Offline first: each task's datasets from existing files. Each file is opened (schema, metadata
 * and checksums validated), must hold the task and come from the run's env; the run records what it
 * used as `inputs.<task>.<kind>` {path, sha256, transitions}.
 *
 *   {task} ──datasetsFrom──▶ {task, datasets: {<kind>: path, …}}
 */
export const datasetsFrom = <V extends { readonly task: string }>(
  source: DatasetSource,
  kind: DatasetChoice,
  env: TaskEnv,
  ctx: RunContext,
): OperatorFunction<V, V & { readonly datasets: Readonly<Record<string, string>> }> =>
  mergeMap((v: V) => {
    const files = datasetFiles(source, v.task, datasetKindOf(kind, v.task), ctx.seed);
    if (E.isLeft(files)) throw new DistilleryFailure(files.left);
    return from(Object.entries(files.right)).pipe(
      mergeMap(([k, path]) =>
        defer(async () => {
          const reader = await openDatasetReader(path)();
          if (E.isLeft(reader)) throw new DistilleryFailure(reader.left);
          const { metadata, numRows } = reader.right;
          await reader.right.close();
          if (!metadata.tasks.includes(v.task)) throw new DistilleryFailure(distilleryError('invalid-input', `${path}: holds tasks ${metadata.tasks.join(', ')}, not ${v.task}`));
          if (metadata.envId !== env.id) throw new DistilleryFailure(distilleryError('invalid-input', `${path}: collected on ${metadata.envId}, this run is on ${env.id}`));
          ctx.emit(result(`inputs.${v.task}.${k}`, { path, sha256: await sha256(path), transitions: numRows }));
          return [k, path] as const;
        }),
      ),
      toArray(),
      map((entries) => ({ ...v, datasets: Object.fromEntries(entries) })),
    );
  });
