import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom } from 'rxjs';
import { errorOf, type DistilleryError } from '../../core/errors.ts';
import type { DatasetSummary } from '../../data/index.ts';
import { summarizeDatasets } from '../../operators/summarize.ts';
import { formatTable } from '../../pipeline/progress-renderer.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** Streams a dataset once and prints per-task transitions, episodes and return statistics. */
export const replayCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('replay', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: '<file.arrow> [--json]' });
  if (E.isLeft(args)) return args;
  const summary = await summarizeDataset(args.right.positionals[0]);
  if (E.isLeft(summary)) return summary;
  if (args.right.values.json) io.stdout.write(JSON.stringify(summary.right) + '\n');
  else io.stdout.write(formatSummary(args.right.positionals[0], summary.right) + '\n');
  return E.right(0);
};

export const summarizeDataset = async (path: string): Promise<E.Either<DistilleryError, DatasetSummary>> => {
  try {
    return E.right(await lastValueFrom(summarizeDatasets([path])));
  } catch (e) {
    return E.left(errorOf(e));
  }
};

export const formatSummary = (title: string, s: DatasetSummary): string => {
  const table = formatTable(
    `${title}: ${s.transitions} transitions, ${s.episodes} episodes`,
    ['task', 'transitions', 'episodes', 'return mean', 'std', 'min', 'max'],
    Object.entries(s.tasks).map(([task, t]) => [task, t.transitions, t.episodes, t.return.mean, t.return.std, t.return.min, t.return.max]),
  );
  return [table, ...nonFiniteLines(s)].join('\n');
};

/** Warnings for non-finite values: never folded silently into the table. */
const nonFiniteLines = (s: DatasetSummary): string[] => {
  const lines: string[] = [];
  if (s.nonFinite)
    lines.push(
      `warning: non-finite values (NaN or ±Infinity): ${Object.entries(s.nonFinite)
        .map(([column, n]) => `${column} ${n}`)
        .join(', ')} (learners refuse such files; distillery verify shows where)`,
    );
  for (const [task, t] of Object.entries(s.tasks))
    if (t.nonFiniteReturns)
      lines.push(`warning: ${t.nonFiniteReturns} of the ${t.episodes} episodes of task ${task} have a non-finite return, left out of its return statistics`);
  return lines;
};
