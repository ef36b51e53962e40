import * as E from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../../core/errors.ts';
import { verifyDataset, type VerifyReport } from '../../data/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/**
 * Checks a dataset end to end (structure, counts, checksums, tasks against the metadata, finite
 * values, episode continuity) and prints what is wrong: exit 0 when nothing is, 1 otherwise.
 */
export const verifyCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('verify', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: '<file.arrow> [--json]' });
  if (E.isLeft(args)) return args;
  const report = await verifyDataset(args.right.positionals[0]);
  if (E.isLeft(report)) return report;
  io.stdout.write((args.right.values.json ? JSON.stringify(report.right) : formatReport(report.right)) + '\n');
  return E.right(report.right.ok ? 0 : 1);
};

const CHECKSUMS: Record<VerifyReport['checksums'], string> = {
  verified: 'every record batch matches its checksum',
  mismatch: 'MISMATCH',
  absent: 'none in the file',
  stale: 'not for this layout (rewritten by another tool), not checked',
  unchecked: 'not checked',
};

export const formatReport = (r: VerifyReport): string => {
  const lines = [
    r.rows === null
      ? `${r.path}: cannot be read`
      : `${r.path}: ${r.rows} rows in ${r.recordBatches} record batch${r.recordBatches === 1 ? '' : 'es'}`,
  ];
  for (const [task, t] of Object.entries(r.tasks))
    lines.push(`  task ${task}: ${t.transitions} transitions, ${t.episodes} episodes${t.unfinishedEpisodes ? ` (${t.unfinishedEpisodes} without a terminal row)` : ''}`);
  lines.push(`  checksums: ${CHECKSUMS[r.checksums]}`);
  const bad = Object.entries(r.nonFinite);
  if (bad.length > 0) lines.push(`  non-finite values: ${bad.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (r.ok) lines.push('OK: structure, counts, tasks, finite values and episode continuity checked');
  else {
    lines.push(`${r.problems.length === 1 ? '1 problem' : `problems (${r.problems.length} lines)`}:`);
    for (const p of r.problems) lines.push(`  ${p}`);
  }
  return lines.join('\n');
};
