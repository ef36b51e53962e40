/**
 * The Arrow schema of a transition dataset (ARCHITECTURE.md, "Data model"), and its validation.
 * Column names are the on-disk contract read by pyarrow/Polars/DuckDB users too: change them
 * only with a format version bump.
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  Bool,
  DataType,
  Dictionary,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Precision,
  Schema,
  Type,
  Utf8,
} from 'apache-arrow';
import { distilleryError, type DistilleryError } from '../core/errors.ts';

export const COLUMN = {
  task: 'task',
  episode: 'episode',
  step: 'step',
  observation: 'observation',
  action: 'action',
  reward: 'reward',
  nextObservation: 'next_observation',
  terminated: 'terminated',
  truncated: 'truncated',
  physics: 'physics',
  nextPhysics: 'next_physics',
} as const;

/** Relabeled rewards live in `reward/<task>` columns. */
export const REWARD_COLUMN_PREFIX = 'reward/';
export const rewardColumnName = (task: string): string => `${REWARD_COLUMN_PREFIX}${task}`;

/** Fixed so that the same data gives the same bytes (apache-arrow would otherwise number dictionaries globally). */
export const TASK_DICTIONARY_ID = 0;

/** What the columns of a dataset look like; everything else (tasks, spaces…) is in the metadata. */
export interface DatasetShape {
  readonly obsDim: number;
  /** Values per action: the box dimension, or 1 for discrete actions. */
  readonly actDim: number;
  readonly discreteActions: boolean;
  /** Length of the simulator state in `physics`/`next_physics`; absent when not stored. */
  readonly physicsDim?: number;
  /** Tasks with a `reward/<task>` column, in column order. */
  readonly rewardTasks: readonly string[];
}

export const taskType = (): Dictionary<Utf8, Int32> => new Dictionary(new Utf8(), new Int32(), TASK_DICTIONARY_ID, false);

const listOf = (dim: number, item: Float32 | Float64): FixedSizeList =>
  new FixedSizeList(dim, new Field('item', item, false));

/** The fields of a dataset with this shape, in on-disk order. */
export const datasetFields = (shape: DatasetShape): Field[] => {
  const fields: Field[] = [
    new Field(COLUMN.task, taskType(), false),
    new Field(COLUMN.episode, new Int32(), false),
    new Field(COLUMN.step, new Int32(), false),
    new Field(COLUMN.observation, listOf(shape.obsDim, new Float32()), false),
    new Field(COLUMN.action, shape.discreteActions ? new Int32() : listOf(shape.actDim, new Float32()), false),
    new Field(COLUMN.reward, new Float32(), false),
    new Field(COLUMN.nextObservation, listOf(shape.obsDim, new Float32()), false),
    new Field(COLUMN.terminated, new Bool(), false),
    new Field(COLUMN.truncated, new Bool(), false),
  ];
  if (shape.physicsDim !== undefined) {
    fields.push(new Field(COLUMN.physics, listOf(shape.physicsDim, new Float64()), false));
    fields.push(new Field(COLUMN.nextPhysics, listOf(shape.physicsDim, new Float64()), false));
  }
  for (const task of shape.rewardTasks) fields.push(new Field(rewardColumnName(task), new Float32(), false));
  return fields;
};

export const datasetSchema = (shape: DatasetShape, metadata: ReadonlyMap<string, string>): Schema =>
  new Schema(datasetFields(shape), new Map(metadata));

/** Checks a shape given by a caller (writer options); `what` prefixes the message. */
export const checkShape = (shape: DatasetShape, what: string): E.Either<DistilleryError, DatasetShape> => {
  const bad = (m: string) => E.left(distilleryError('invalid-input', `${what}: ${m}`));
  const posInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!posInt(shape.obsDim)) return bad(`obsDim must be a positive integer, got ${shape.obsDim}`);
  if (!posInt(shape.actDim)) return bad(`actDim must be a positive integer, got ${shape.actDim}`);
  if (shape.discreteActions && shape.actDim !== 1) return bad(`actDim must be 1 for discrete actions, got ${shape.actDim}`);
  if (shape.physicsDim !== undefined && !posInt(shape.physicsDim))
    return bad(`physicsDim must be a positive integer, got ${shape.physicsDim}`);
  const seen = new Set<string>();
  for (const t of shape.rewardTasks) {
    if (t.length === 0) return bad('a reward task name is empty');
    if (seen.has(t)) return bad(`reward task '${t}' is listed twice`);
    seen.add(t);
  }
  return E.right(shape);
};

// ---- validation of a schema read from a file ----

/** Type names as this project writes them (apache-arrow prints Dictionary<indices, values>). */
export const describeType = (t: DataType | undefined): string => {
  if (t === undefined || t === null) return 'nothing';
  if (DataType.isDictionary(t)) return `Dictionary<${describeType(t.dictionary)}, ${describeType(t.indices)}>`;
  if (DataType.isFixedSizeList(t)) return `FixedSizeList<${describeType(t.children[0]?.type)}>[${t.listSize}]`;
  // apache-arrow prints a corrupt type's missing parts as "undefined", or throws: the type's name says enough.
  const name = Type[t.typeId] ?? `type ${t.typeId}`;
  try {
    const s = String(t);
    return /undefined|NaN/.test(s) ? name : s;
  } catch {
    return name;
  }
};

const isFloat32 = (t: DataType): boolean => t.typeId === Type.Float && (t as Float32).precision === Precision.SINGLE;
const isFloat64 = (t: DataType): boolean => t.typeId === Type.Float && (t as Float64).precision === Precision.DOUBLE;
const isInt32 = (t: DataType): boolean => DataType.isInt(t) && t.bitWidth === 32 && t.isSigned;
const isBool = (t: DataType): boolean => t.typeId === Type.Bool;
/** Dimension of a FixedSizeList whose items satisfy `item`, or undefined. */
const listDim = (t: DataType, item: (t: DataType) => boolean): number | undefined =>
  DataType.isFixedSizeList(t) && t.children[0] !== undefined && item(t.children[0].type) && Number.isInteger(t.listSize) && t.listSize > 0
    ? t.listSize
    : undefined;
/** Writers in other languages pick narrower or unsigned indices (Polars: UInt32); all read the same. */
const isTaskType = (t: DataType): boolean =>
  DataType.isDictionary(t) && t.dictionary?.typeId === Type.Utf8 && DataType.isInt(t.indices) && t.indices.bitWidth <= 32;

/**
 * Checks the columns of an opened dataset and returns its shape, or an error naming the file and
 * the column: `runs/x.arrow: column 'reward' has type Int32, expected Float32`.
 */
export const validateDatasetSchema = (schema: Schema, file: string): E.Either<DistilleryError, DatasetShape> => {
  const byName = new Map<string, Field>();
  for (const f of schema.fields) byName.set(f.name, f);
  const bad = (m: string) => E.left(distilleryError('bad-file', `${file}: ${m}`));
  const wrongType = (name: string, expected: string) =>
    bad(`column '${name}' has type ${describeType(byName.get(name)!.type)}, expected ${expected}`);
  const need = (name: string): Field | undefined => byName.get(name);
  if (byName.size !== schema.fields.length) {
    const dup = schema.fields.find((f, i) => schema.fields.findIndex((g) => g.name === f.name) !== i)!;
    return bad(`column '${dup.name}' appears twice`);
  }

  for (const name of Object.values(COLUMN)) {
    if (name === COLUMN.physics || name === COLUMN.nextPhysics) continue;
    if (!need(name)) return bad(`column '${name}' is missing`);
  }
  if (!isTaskType(need(COLUMN.task)!.type)) return wrongType(COLUMN.task, 'Dictionary<Utf8, Int32>');
  for (const name of [COLUMN.episode, COLUMN.step]) if (!isInt32(need(name)!.type)) return wrongType(name, 'Int32');
  if (!isFloat32(need(COLUMN.reward)!.type)) return wrongType(COLUMN.reward, 'Float32');
  for (const name of [COLUMN.terminated, COLUMN.truncated]) if (!isBool(need(name)!.type)) return wrongType(name, 'Bool');

  const obsDim = listDim(need(COLUMN.observation)!.type, isFloat32);
  if (obsDim === undefined) return wrongType(COLUMN.observation, 'FixedSizeList<Float32>[obs_dim]');
  const nextDim = listDim(need(COLUMN.nextObservation)!.type, isFloat32);
  if (nextDim !== obsDim) return wrongType(COLUMN.nextObservation, `FixedSizeList<Float32>[${obsDim}] (as 'observation')`);

  const actionType = need(COLUMN.action)!.type;
  const discreteActions = isInt32(actionType);
  const actDim = discreteActions ? 1 : listDim(actionType, isFloat32);
  if (actDim === undefined) return wrongType(COLUMN.action, 'FixedSizeList<Float32>[act_dim] or Int32');

  const physics = need(COLUMN.physics);
  const nextPhysics = need(COLUMN.nextPhysics);
  let physicsDim: number | undefined;
  if (physics || nextPhysics) {
    if (!physics) return bad(`column '${COLUMN.physics}' is missing (the file has '${COLUMN.nextPhysics}')`);
    if (!nextPhysics) return bad(`column '${COLUMN.nextPhysics}' is missing (the file has '${COLUMN.physics}')`);
    physicsDim = listDim(physics.type, isFloat64);
    if (physicsDim === undefined) return wrongType(COLUMN.physics, 'FixedSizeList<Float64>[state_dim]');
    if (listDim(nextPhysics.type, isFloat64) !== physicsDim)
      return wrongType(COLUMN.nextPhysics, `FixedSizeList<Float64>[${physicsDim}] (as 'physics')`);
  }

  const rewardTasks: string[] = [];
  for (const f of schema.fields) {
    if (!f.name.startsWith(REWARD_COLUMN_PREFIX)) continue;
    const task = f.name.slice(REWARD_COLUMN_PREFIX.length);
    if (task.length === 0) return bad(`column '${f.name}' names no task`);
    if (!isFloat32(f.type)) return wrongType(f.name, 'Float32');
    rewardTasks.push(task);
  }
  return E.right({ obsDim, actDim, discreteActions, ...(physicsDim !== undefined ? { physicsDim } : {}), rewardTasks });
};

/** Same shape, column for column (reward task order included). */
export const sameShape = (a: DatasetShape, b: DatasetShape): boolean =>
  a.obsDim === b.obsDim &&
  a.actDim === b.actDim &&
  a.discreteActions === b.discreteActions &&
  a.physicsDim === b.physicsDim &&
  a.rewardTasks.length === b.rewardTasks.length &&
  a.rewardTasks.every((t, i) => t === b.rewardTasks[i]);
