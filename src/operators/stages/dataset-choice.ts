import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { NonEmptyString } from '../../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';

/**
 * Which dataset each task learns from: one kind for every task (`"expert"`), or one per task
 * (`{"stand": "expert", "walk": "medium"}`, the thesis' mixed combinations in its Appendix E).
 */
export type DatasetChoice = string | Readonly<Record<string, string>>;

/** A `DatasetChoice` codec over the given kinds. */
export const datasetChoiceCodec = <K extends string>(kind: t.Type<K, K, unknown>): t.Type<K | Record<string, K>, K | Record<string, K>, unknown> =>
  t.union([kind, t.record(NonEmptyString, kind)], `${kind.name} | {<task>: ${kind.name}}`);

/** The kind `task` learns from (a per-task map must name every task: see `checkDatasetChoice`). */
export const datasetKindOf = (choice: DatasetChoice, task: string): string => {
  if (typeof choice === 'string') return choice;
  if (!Object.hasOwn(choice, task)) throw new Error(`dataset choice names no kind for task ${task}`);
  return choice[task];
};

/** `expert`, or `stand: expert, walk: medium` (for tables and labels). */
export const describeDatasetChoice = (choice: DatasetChoice): string =>
  typeof choice === 'string' ? choice : Object.entries(choice).map(([task, kind]) => `${task}: ${kind}`).join(', ');

/** A per-task map must name exactly the run's tasks. */
export const checkDatasetChoice = (choice: DatasetChoice, tasks: readonly string[]): E.Either<DistilleryError, void> => {
  if (typeof choice === 'string') return E.right(undefined);
  const missing = tasks.filter((task) => !Object.hasOwn(choice, task));
  if (missing.length > 0) return E.left(distilleryError('invalid-input', `dataset: no kind for task ${missing.join(', ')} (give one per task, or one kind for all)`));
  const extra = Object.keys(choice).filter((task) => !tasks.includes(task));
  if (extra.length > 0) return E.left(distilleryError('invalid-input', `dataset: ${extra.join(', ')} is not a task of this run (tasks: ${tasks.join(', ')})`));
  return E.right(undefined);
};
