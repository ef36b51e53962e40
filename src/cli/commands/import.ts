import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { importD4rl } from '../../data/d4rl.ts';
import { importMinari } from '../../data/minari.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

const USAGE = '<file.hdf5 | minari-dir> --format d4rl|minari --out file.arrow [--env ID] [--task T] [--json]';

/** Imports a D4RL or Minari HDF5 dataset as a Distillery Arrow dataset. */
export const importCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs(
    'import',
    argv,
    { format: { type: 'string' }, out: { type: 'string' }, env: { type: 'string' }, task: { type: 'string' }, json: { type: 'boolean' } },
    { min: 1, max: 1, usage: USAGE },
  );
  if (E.isLeft(args)) return args;
  const v = args.right.values as { format?: string; out?: string; env?: string; task?: string; json?: boolean };
  if (v.format !== 'd4rl' && v.format !== 'minari') return E.left(distilleryError('invalid-input', `import: --format must be d4rl or minari${v.format === undefined ? '' : `, got "${v.format}"`} (usage: distillery import ${USAGE})`));
  if (!v.out) return E.left(distilleryError('invalid-input', `import: --out file.arrow is required (usage: distillery import ${USAGE})`));
  for (const k of ['env', 'task'] as const) if (v[k] !== undefined && v[k]!.trim() === '') return E.left(distilleryError('invalid-input', `import: --${k} must not be empty`));
  const file = args.right.positionals[0];
  const options = { ...(v.env ? { envId: v.env } : {}), ...(v.task ? { task: v.task } : {}) };
  const r = v.format === 'd4rl' ? await importD4rl(file, v.out, options) : await importMinari(file, v.out, options);
  if (E.isLeft(r)) return r;
  if (v.json) io.stdout.write(JSON.stringify({ out: v.out, ...r.right }) + '\n');
  else
    io.stdout.write(
      `${v.out}: ${r.right.rows} transitions in ${r.right.episodes} episodes (return total ${r.right.returnTotal.toFixed(4)})` +
        (r.right.dropped ? `; ${r.right.dropped} last transitions of episodes left out (the file has no next_observations)` : '') +
        '\n',
    );
  return E.right(0);
};
