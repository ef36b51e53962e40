import { dirname, isAbsolute, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { compileModel, includedFiles, mujocoModule, writeMemfs } from './mujoco.ts';
import { WALKER_XML } from './model.ts';
import { describeWalkerModel, type WalkerModel } from './physics.ts';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { formatBytes, readSmallTextFile } from '../../core/files.ts';

/** Compiled models by source: the built-in one, and user files keyed by their full text (an edited file recompiles). */
const cache = new Map<string, WalkerModel>();

/** Where the built-in model lives in the module's in-memory file system. */
const BUILTIN_PATH = '/distillery/walker/walker.xml';

/**
 * The walker model: the built-in one (`path` null) or a user's DeepMind-Control-compatible
 * walker.xml. A user file and every file it includes are copied into the module's in-memory file
 * system at their own absolute paths, so relative includes (`./common/skybox.xml`) resolve as
 * they do on disk. Files referenced by other elements (meshes, textures) are not copied: the
 * walker uses none. Needs the WebAssembly module loaded (walkerEnv.prepare()).
 */
export const loadWalkerModel = (path: string | null): E.Either<DistilleryError, WalkerModel> => {
  const mujoco = mujocoModule();
  if (path === null) {
    const hit = cache.get('built-in');
    if (hit) return E.right(hit);
    writeMemfs(mujoco, BUILTIN_PATH, WALKER_XML);
    return pipe(
      compileModel(mujoco, BUILTIN_PATH, 'built-in walker model'),
      E.chain((model) => describeWalkerModel(mujoco, model, 'built-in')),
      E.map((w) => (cache.set('built-in', w), w)),
    );
  }
  return pipe(
    readModelFiles(path),
    E.chain(({ main, files }) => {
      const key = [...files].map(([p, text]) => `${p}\u0000${text}`).join('\u0001');
      const hit = cache.get(key);
      if (hit) return E.right(hit);
      for (const [p, text] of files) writeMemfs(mujoco, p, text);
      return pipe(
        compileModel(mujoco, main, `walker model ${path}`),
        E.chain((model) => describeWalkerModel(mujoco, model, path)),
        E.map((w) => (cache.set(key, w), w)),
      );
    }),
  );
};

/** Limits on a user's model: a walker.xml and its includes are a few KB each. */
export const MAX_MODEL_BYTES = 16 * 1024 * 1024;
const MAX_MODEL_FILES = 256;

export interface ModelFiles {
  /** Absolute path of the main file. */
  readonly main: string;
  /** Every file read (main first), absolute path → text. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Reads an MJCF file and, recursively, every file it <include>s. MuJoCo looks an include up
 * relative to the including file and relative to the main model's folder, so both candidates are
 * read when they exist; an include that is in neither place is an error naming it. Only regular
 * files are read (a FIFO or /dev/zero is refused, not waited on), at most MAX_MODEL_BYTES in all.
 */
export const readModelFiles = (path: string): E.Either<DistilleryError, ModelFiles> => {
  const main = resolve(path);
  const files = new Map<string, string>();
  let total = 0;
  /** The file's text; undefined when it does not exist; Left when it exists but is refused. */
  const read = (file: string, what: string): E.Either<DistilleryError, string | undefined> => {
    const r = readSmallTextFile(file, what, MAX_MODEL_BYTES - total);
    if (E.isLeft(r)) return r.left.code === 'not-found' ? E.right(undefined) : r;
    total += r.right.length;
    return r;
  };
  const mainText = read(main, `walker model ${path}`);
  if (E.isLeft(mainText)) return mainText;
  if (mainText.right === undefined) return E.left(distilleryError('not-found', `walker model ${path}: file not found`));
  files.set(main, mainText.right);
  const queue: string[] = [main];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const inc of includedFiles(files.get(file)!)) {
      const candidates = isAbsolute(inc) ? [inc] : [...new Set([resolve(dirname(file), inc), resolve(dirname(main), inc)])];
      let found = false;
      for (const c of candidates) {
        if (files.has(c)) {
          found = true;
          continue;
        }
        if (files.size >= MAX_MODEL_FILES) return E.left(distilleryError('invalid-input', `walker model ${path}: more than ${MAX_MODEL_FILES} included files`));
        const text = read(c, `walker model ${path}: included file ${c}`);
        if (E.isLeft(text)) {
          const m = text.left.message;
          return E.left(/more than the/.test(m) ? distilleryError('invalid-input', `walker model ${path}: more than ${formatBytes(MAX_MODEL_BYTES)} with its includes`) : text.left);
        }
        if (text.right === undefined) continue;
        found = true;
        files.set(c, text.right);
        queue.push(c);
      }
      if (!found)
        return E.left(distilleryError('not-found', `walker model ${path}: included file "${inc}" (from ${file}) not found at ${candidates.join(' or ')}`));
    }
  }
  return E.right({ main, files });
};
