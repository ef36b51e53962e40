import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve, extname, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { distilleryError, type DistilleryError } from '../core/errors.ts';
import { isPipeline, type Pipeline } from './define.ts';

/** The pipelines shipped with the package (the `pipelines/` folder). */
export const builtinPipelinesDir = fileURLToPath(new URL('../../pipelines/', import.meta.url));
/** `.ts` when running from the sources, `.js` from the compiled dist/ (whose pipelines/ holds .js and .d.ts). */
export const builtinPipelineExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export const listBuiltinPipelines = (): string[] =>
  existsSync(builtinPipelinesDir)
    ? readdirSync(builtinPipelinesDir)
        .filter((f) => f.endsWith(builtinPipelineExt) && !f.endsWith('.d.ts') && !f.startsWith('_'))
        .map((f) => basename(f, builtinPipelineExt))
        .sort()
    : [];

/** Compiled code (dist/) loading a user's .ts pipeline: register tsx first (the sources run under it already). */
let tsLoader: Promise<void> | undefined;
const ensureTypeScriptLoader = (file: string): Promise<void> =>
  builtinPipelineExt === '.ts' || !/\.[cm]?ts$/.test(file)
    ? Promise.resolve()
    : (tsLoader ??= import('tsx/esm/api').then((tsx) => void tsx.register()));

/**
 * Finds a pipeline by name (a file of pipelines/) or by path to a .ts/.js/.mjs file whose default
 * export (or an export named `pipeline`) is a value made by definePipeline.
 */
export const loadPipeline = (nameOrFile: string): TE.TaskEither<DistilleryError, Pipeline> => async () => {
  const isPath = /[\\/]/.test(nameOrFile) || ['.ts', '.js', '.mjs'].includes(extname(nameOrFile));
  const file = isPath ? resolve(nameOrFile) : resolve(builtinPipelinesDir, `${nameOrFile}${builtinPipelineExt}`);
  if (!existsSync(file) || !statSync(file).isFile()) {
    const known = listBuiltinPipelines();
    return {
      _tag: 'Left',
      left: distilleryError(
        'not-found',
        isPath
          ? `pipeline file ${nameOrFile} does not exist`
          : `unknown pipeline "${nameOrFile}" (known: ${known.join(', ') || 'none'}; or give a path to a pipeline file)`,
      ),
    };
  }
  let mod: Record<string, unknown>;
  try {
    await ensureTypeScriptLoader(file);
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { _tag: 'Left', left: distilleryError('bad-file', `pipeline file ${nameOrFile} failed to load: ${detail}`, e) };
  }
  const p = mod.default ?? mod.pipeline;
  return isPipeline(p)
    ? { _tag: 'Right', right: p }
    : {
        _tag: 'Left',
        left: distilleryError('bad-file', `${nameOrFile} does not export a pipeline (export default definePipeline({...}))`),
      };
};
