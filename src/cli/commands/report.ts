import * as E from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../../core/errors.ts';
import { writeRunReport } from '../../report/run-report.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** Writes `<run-dir>/report.html`: run information, parameters, results tables, learning curves, artifacts. */
export const reportCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('report', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: '<run-dir> [--json]' });
  if (E.isLeft(args)) return args;
  const { packageVersion } = await import('../main.ts');
  const r = await writeRunReport(args.right.positionals[0], { generator: `distillery ${await packageVersion()} (Node ${process.versions.node})` });
  if (E.isLeft(r)) return r;
  if (args.right.values.json) io.stdout.write(JSON.stringify(r.right) + '\n');
  else io.stdout.write(`${r.right.path}: ${r.right.charts} charts from ${r.right.metrics} metric values, ${r.right.artifacts} artifacts\n`);
  return E.right(0);
};
