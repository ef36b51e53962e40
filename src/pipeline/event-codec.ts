import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { formatValidationErrors } from '../core/codecs.ts';
import { distilleryError, DistilleryFailure } from '../core/errors.ts';
import type { PipelineEvent } from './events.ts';

const Tags = t.record(t.string, t.string);
const Cell = t.union([t.string, t.number, t.null]);

/**
 * What a graph may emit through `ctx.emit`. A user's pipeline is checked where it emits, so a bad
 * value fails the run at once with the field's path, not later while printing the tables.
 */
export const PipelineEventCodec = t.union([
  t.intersection([t.type({ type: t.literal('progress'), id: t.string, label: t.string, done: t.number, total: t.number }), t.partial({ unit: t.string })]),
  t.intersection([t.type({ type: t.literal('metric'), name: t.string, step: t.number, value: t.number }), t.partial({ tags: Tags })]),
  t.intersection([t.type({ type: t.literal('artifact'), path: t.string, kind: t.keyof({ dataset: null, checkpoint: null, figure: null, report: null, other: null }) }), t.partial({ description: t.string })]),
  t.type({ type: t.literal('log'), level: t.keyof({ info: null, warn: null }), message: t.string }),
  t.type({ type: t.literal('result'), key: t.string, value: t.unknown }),
  t.type({ type: t.literal('table'), title: t.string, columns: t.array(t.string), rows: t.array(t.array(Cell)) }),
]);

/** Throws a one-line DistilleryFailure naming what is wrong with an emitted event. */
export const checkEvent = (e: unknown): PipelineEvent => {
  const r = PipelineEventCodec.decode(e);
  if (E.isLeft(r)) {
    const kind = typeof e === 'object' && e !== null && 'type' in e ? String((e as { type: unknown }).type) : 'unknown';
    throw new DistilleryFailure(distilleryError('invalid-input', `the pipeline emitted a bad ${kind} event: ${formatValidationErrors(r.left)}`));
  }
  return e as PipelineEvent;
};
