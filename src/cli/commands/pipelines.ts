import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../../core/errors.ts';
import { builtinPipelineExt, builtinPipelinesDir, listBuiltinPipelines } from '../../pipeline/load.ts';
import { formatTable } from '../../pipeline/progress-renderer.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/**
 * The `description: '…'` string literal of a pipeline file's definePipeline call, read from its
 * text: importing every pipeline (and with it tfjs, Arrow, MuJoCo…) would take seconds.
 */
export const staticDescription = (source: string): string | undefined => {
  const at = source.indexOf('definePipeline(');
  if (at < 0) return undefined;
  const m = /\bdescription\s*:\s*(?:'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\$])*)`)\s*[,}\n]/.exec(source.slice(at));
  if (!m) return undefined;
  const raw = m[1] ?? m[2] ?? m[3] ?? '';
  return raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? ' ' : c));
};

const describe = async (name: string): Promise<string> => {
  const file = join(builtinPipelinesDir, `${name}${builtinPipelineExt}`);
  const fromText = staticDescription(await readFile(file, 'utf8'));
  if (fromText !== undefined) return fromText;
  // A description that is not a plain literal: load the pipeline to read it.
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: { description?: unknown }; pipeline?: { description?: unknown } };
    const d = (mod.default ?? mod.pipeline)?.description;
    return typeof d === 'string' ? d : '';
  } catch {
    return '';
  }
};

/** Lists the built-in pipelines (the files of pipelines/) with their one-line descriptions. */
export const pipelinesCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('pipelines', argv, { json: { type: 'boolean' } }, { min: 0, max: 0, usage: '[--json]' });
  if (E.isLeft(args)) return args;
  const rows = await Promise.all(listBuiltinPipelines().map(async (name) => ({ name, description: await describe(name) })));
  if (args.right.values.json) io.stdout.write(JSON.stringify(rows) + '\n');
  else
    io.stdout.write(
      formatTable('pipelines (distillery run <name>; run <name> --help for its parameters)', ['name', 'description'], rows.map((r) => [r.name, r.description])) + '\n',
    );
  return E.right(0);
};
