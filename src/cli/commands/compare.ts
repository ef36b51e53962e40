import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/atomic-file.ts';
import { formatTable } from '../../pipeline/progress-renderer.ts';
import { COMPARISON_COLUMNS, compareRuns, comparisonHtml, comparisonTableRows, DEFAULT_METRIC, readComparedRun, type ComparedRun } from '../../report/compare.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** Aggregates finished runs (seeds, settings) into one table: mean and 95% CI over seeds per group of equal parameters. */
export const compareCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs(
    'compare',
    argv,
    { metric: { type: 'string' }, json: { type: 'boolean' }, html: { type: 'string' } },
    { min: 1, max: Infinity, usage: `<run-dir>… [--metric ${DEFAULT_METRIC}] [--json] [--html out.html]` },
  );
  if (E.isLeft(args)) return args;
  const html = args.right.values.html as string | undefined;
  if (html !== undefined && html.trim() === '') return E.left(distilleryError('invalid-input', '--html: expected a file name, got an empty string'));
  const runs: ComparedRun[] = [];
  for (const dir of args.right.positionals) {
    const r = readComparedRun(dir);
    if (E.isLeft(r)) return r;
    runs.push(r.right);
  }
  const c = compareRuns(runs, (args.right.values.metric as string | undefined) ?? DEFAULT_METRIC);
  if (E.isLeft(c)) return c;
  if (html !== undefined) {
    const { packageVersion } = await import('../main.ts');
    const page = await comparisonHtml(c.right, { generator: `distillery ${await packageVersion()} (Node ${process.versions.node})` });
    try {
      writeFileAtomic(html, page);
    } catch (e) {
      return E.left(distilleryError('io', `--html ${html}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
    }
  }
  if (args.right.values.json) io.stdout.write(JSON.stringify({ ...c.right, ...(html !== undefined ? { html } : {}) }) + '\n');
  else {
    const runCount = runs.length;
    io.stdout.write(formatTable(`${c.right.metric}: ${runCount} runs in ${c.right.groups.length} groups (mean and 95% Student-t CI over seeds)`, [...COMPARISON_COLUMNS], comparisonTableRows(c.right)) + '\n');
    if (html !== undefined) io.stdout.write(`chart and table in ${html}\n`);
  }
  return E.right(0);
};
