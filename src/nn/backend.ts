import type * as Tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import { distilleryError, toDistilleryError, type DistilleryError } from '../core/errors.ts';
import { ortAvailable, ortInstalled, ortLoadError } from './ort-runtime.ts';

/**
 * Backend choice. `auto` takes the fastest that loads: ONNX Runtime (onnxruntime-node, for the
 * training steps the ORT engine covers, see ort-student.ts) with the fastest tfjs backend for the
 * rest: native TensorFlow (`@tensorflow/tfjs-node`, an optional dependency that often cannot
 * install), then WASM (XNNPACK, SIMD), then plain JS. `ort` insists on ONNX Runtime; the tfjs
 * names pick that tfjs backend alone.
 */
export type BackendPreference = 'auto' | 'ort' | 'tensorflow' | 'wasm' | 'cpu';
/** tfjs' own names for the backends. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What a run uses: a tfjs backend, or `ort+<tfjs backend>` (ORT for the steps it covers). */
export type SelectedBackend = BackendName | `ort+${BackendName}`;

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'ort', 'tensorflow', 'wasm', 'cpu'];

/** Whether the selected backend runs the ORT engine's training steps (and ORT loads in this thread). */
export const usesOrt = (selected: string): boolean => selected.startsWith('ort+') && ortAvailable();

/** The tfjs part of a selected backend (`ort+wasm` → `wasm`). */
export const tfjsBackendOf = (selected: string): string => selected.replace(/^ort\+/, '');

export interface BackendOptions {
  /** WASM threads; only honoured where the threaded WASM build can run (not in Node today). */
  readonly threads?: number;
}

const moduleRequire = createRequire(import.meta.url);

/**
 * tfjs, loaded on first use (~0.5 s): the CLI's commands that neither train nor evaluate never
 * pay for it. Its package is CommonJS, so require() gives the same instance as `import`.
 */
let tfModule: typeof Tf | undefined;
const tfjs = (): typeof Tf => (tfModule ??= moduleRequire('@tensorflow/tfjs') as typeof Tf);

/**
 * Where the `.wasm` binaries live. In Node the Emscripten loader reads them with `fs`, so a plain
 * directory path with a trailing separator works (a `file://` URL does not).
 */
export const wasmDistDirectory = (): string =>
  path.join(path.dirname(moduleRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;

const tryTensorflow = async (): Promise<boolean> => {
  try {
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
  } catch {
    return false;
  }
  return tfjs().findBackend('tensorflow') !== null && (await tfjs().setBackend('tensorflow'));
};

const tryWasm = async (options: BackendOptions): Promise<boolean> => {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (tfjs().getBackend() !== 'wasm') wasm.setWasmPaths(wasmDistDirectory());
    if (options.threads !== undefined && tfjs().env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) wasm.setThreadsCount(options.threads);
    return await tfjs().setBackend('wasm');
  } catch {
    return false;
  }
};

const tryCpu = async (): Promise<boolean> => {
  try {
    return await tfjs().setBackend('cpu');
  } catch {
    return false;
  }
};

const attempt = async (name: BackendName, options: BackendOptions): Promise<boolean> => {
  // tfjs logs the stack of a failed backend initialisation; the caller gets a value instead.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    const ok = name === 'tensorflow' ? await tryTensorflow() : name === 'wasm' ? await tryWasm(options) : await tryCpu();
    if (ok) await tfjs().ready();
    return ok && tfjs().getBackend() === name;
  } finally {
    console.warn = warn;
  }
};

const unavailable: Record<BackendName, string> = {
  tensorflow: 'backend "tensorflow" is not available: @tensorflow/tfjs-node is not installed or failed to load (it needs libtensorflow); use --backend wasm or auto',
  wasm: 'backend "wasm" is not available: @tensorflow/tfjs-backend-wasm failed to load its .wasm binary',
  cpu: 'backend "cpu" is not available',
};

/**
 * Makes one tfjs backend the active one and returns what the run uses. Forcing an unavailable
 * backend is an `unsupported` error; `auto` takes ORT when it loads, and falls through
 * tensorflow → wasm → cpu for tfjs.
 */
export const selectBackend = (
  preference: BackendPreference = 'auto',
  options: BackendOptions = {},
): TE.TaskEither<DistilleryError, SelectedBackend> =>
  async (): Promise<E.Either<DistilleryError, SelectedBackend>> => {
    try {
      if (!BACKEND_PREFERENCES.includes(preference))
        return E.left(distilleryError('invalid-input', `backend: expected one of ${BACKEND_PREFERENCES.join(', ')}, got ${JSON.stringify(preference)}`));
      // auto only checks that the binary is installed (loading it costs ~0.5 s of startup); a job
      // that then fails to load it falls back to tfjs and records that (ortStudentTrainer callers).
      const ort = preference === 'ort' || (preference === 'auto' && ortInstalled());
      if (preference === 'ort' && !ortAvailable())
        return E.left(distilleryError('unsupported', `backend "ort" is not available: onnxruntime-node failed to load (${ortLoadError()}); use --backend auto or wasm`));
      const order: BackendName[] = preference === 'auto' || preference === 'ort' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
      for (const name of order) if (await attempt(name, options)) return E.right<DistilleryError, SelectedBackend>(ort ? `ort+${name}` : name);
      const name = order[order.length - 1];
      return E.left(distilleryError('unsupported', unavailable[name]));
    } catch (e) {
      return E.left(toDistilleryError(e, 'unsupported', 'selecting the tfjs backend'));
    }
  };

/** The active backend's name (after selectBackend). */
export const currentBackend = (): string => tfjs().getBackend();
