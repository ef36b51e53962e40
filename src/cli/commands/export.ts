import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { exportD4rl } from '../../data/d4rl.ts';
import { exportMinari } from '../../data/minari.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

const USAGE = '<file.arrow> --format d4rl|minari --out file.hdf5 [--task T] [--json]';

/** Exports one task of a Distillery dataset as a D4RL or Minari HDF5 file. */
export const exportCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('export', argv, { format: { type: 'string' }, out: { type: 'string' }, task: { type: 'string' }, json: { type: 'boolean' } }, { min: 1, max: 1, usage: USAGE });
  if (E.isLeft(args)) return args;
  const v = args.right.values as { format?: string; out?: string; task?: string; json?: boolean };
  if (v.format !== 'd4rl' && v.format !== 'minari') return E.left(distilleryError('invalid-input', `export: --format must be d4rl or minari${v.format === undefined ? '' : `, got "${v.format}"`} (usage: distillery export ${USAGE})`));
  if (!v.out) return E.left(distilleryError('invalid-input', `export: --out file.hdf5 is required (usage: distillery export ${USAGE})`));
  const file = args.right.positionals[0];
  const r = v.format === 'd4rl' ? await exportD4rl(file, v.out, v.task) : await exportMinari(file, v.out, v.task);
  if (E.isLeft(r)) return r;
  if (v.json) io.stdout.write(JSON.stringify({ out: v.out, ...r.right }) + '\n');
  else io.stdout.write(`${v.out}: task ${r.right.task}, ${r.right.rows} transitions in ${r.right.episodes} episodes (return total ${r.right.returnTotal.toFixed(4)})\n`);
  return E.right(0);
};
