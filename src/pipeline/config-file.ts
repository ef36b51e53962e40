/**
 * `--config file.json|yaml`: parameters from a file, merged under `--set`. A run directory's
 * `params.json` ({pipeline, seed, params}) repeats that run: its parameters, and its seed unless
 * `--seed` is given.
 */
import { extname } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { parse as parseYaml } from 'yaml';
import { decode } from '../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../core/errors.ts';
import { readSmallTextFile } from '../core/files.ts';

export interface ConfigFile {
  readonly params: Record<string, unknown>;
  /** The seed of a repeated run (params.json). */
  readonly seed?: number;
  /** The pipeline a params.json belongs to. */
  readonly pipeline?: string;
}

const Params = t.record(t.string, t.unknown);
const RunParams = t.type({ pipeline: t.string, seed: t.number, params: Params });

export const readConfigFile = (path: string): E.Either<DistilleryError, ConfigFile> => {
  const text = readSmallTextFile(path, `--config ${path}`, 1 << 20);
  if (E.isLeft(text)) return text;
  let value: unknown;
  try {
    value = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text.right) : JSON.parse(text.right);
  } catch (e) {
    return E.left(distilleryError('invalid-input', `--config ${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${(e as Error).message.split('\n')[0]})`));
  }
  if (RunParams.is(value)) return E.right({ params: value.params, seed: value.seed, pipeline: value.pipeline });
  return E.map((params: Record<string, unknown>) => ({ params }))(decode(Params, value, `--config ${path}: expected an object of parameters`));
};
