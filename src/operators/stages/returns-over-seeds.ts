import { result, table } from '../../core/events.ts';
import type { RunContext } from '../context.ts';
import { seedsEntry, type SeedRun, type SeedsEntry } from '../seeds.ts';
import { findEvaluation, type EvaluationResult } from './evaluate.ts';

export interface ReturnsOverSeedsOptions {
  readonly tasks: readonly string[];
  /** Evaluated roles in column order: `role` as recorded by `evaluate`, `label` in the table and results.json. */
  readonly roles: readonly { readonly role: string; readonly label: string }[];
  /** The table's title; the text about seeds and the interval is appended. */
  readonly title: string;
  /** Evaluation episodes per seed (said in the title). */
  readonly episodes: number;
}

/**
 * The returns of every task and role over seeds — each seed contributes its mean over evaluation
 * episodes; results.json gets `returns.<task>.<label>` {mean, std, ci95, seeds, perSeed} — and a table
 * with the 95% CI over seeds (empty below two seeds).
 */
export const reportReturnsOverSeeds = <R extends { readonly evaluations: readonly EvaluationResult[] }>(
  runs: readonly SeedRun<R>[],
  o: ReturnsOverSeedsOptions,
  ctx: Pick<RunContext, 'emit'>,
): Readonly<Record<string, Readonly<Record<string, SeedsEntry>>>> => {
  const out: Record<string, Record<string, SeedsEntry>> = {};
  const rows = o.tasks.map((task) => {
    const entries = o.roles.map(({ role }) => seedsEntry(runs.map(({ seed, value }) => ({ seed, value: findEvaluation(value.evaluations, task, role).mean }))));
    out[task] = Object.fromEntries(o.roles.map(({ label }, i) => [label, entries[i]]));
    ctx.emit(result(`returns.${task}`, out[task]));
    return [task, ...entries.flatMap((e) => [e.mean, e.ci95])];
  });
  const seeds = runs.map((r) => r.seed);
  ctx.emit(
    table(
      `${o.title}: mean return over ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')}), each seed's value its mean over ${o.episodes} evaluation episodes; ± is the 95% CI over seeds${seeds.length < 2 ? ' (needs 2 seeds)' : ''}`,
      ['task', ...o.roles.flatMap(({ label }) => [label, '±'])],
      rows,
    ),
  );
  return out;
};
