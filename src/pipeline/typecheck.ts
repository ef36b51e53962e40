import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../core/errors.ts';

type Ts = typeof import('typescript');

/**
 * Type-checks a user's pipeline file with the TypeScript of its own project (and its tsconfig.json,
 * if any) before anything runs, so a type error is one message up front, not a crash at the end.
 * Right(false) when no TypeScript is installed where the file lives (nothing was checked).
 */
export const typecheckPipelineFile = async (file: string): Promise<E.Either<DistilleryError, boolean>> => {
  let ts: Ts;
  try {
    const path = createRequire(file).resolve('typescript');
    ts = ((await import(path)) as { default: Ts }).default;
  } catch {
    return E.right(false);
  }
  const configPath = ts.findConfigFile(dirname(file), ts.sys.fileExists);
  let options: import('typescript').CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
  };
  if (configPath) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (!read.error) options = { ...ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath)).options, noEmit: true };
  }
  const program = ts.createProgram([file], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error && d.file?.fileName === file.replace(/\\/g, '/'));
  if (diagnostics.length === 0) return E.right(true);
  const first = diagnostics[0];
  const where = first.file && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : undefined;
  const message = ts.flattenDiagnosticMessageText(first.messageText, ' ');
  return E.left(
    distilleryError(
      'invalid-input',
      `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: type error: ${message}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more; npx tsc --noEmit lists them)` : ''}`,
    ),
  );
};
