import * as E from 'fp-ts/lib/Either.js';
import type { MainModule, MjData, MjModel } from 'mujoco-js';
import { distilleryError, fail, type DistilleryError } from '../../core/errors.ts';

/**
 * The MuJoCo WebAssembly module, loaded once per process. Loading is asynchronous (WebAssembly
 * instantiation), everything after it is synchronous: `loadMujoco()` must have resolved before
 * `mujocoModule()` is called.
 */
let modulePromise: Promise<MainModule> | undefined;
let loaded: MainModule | undefined;
/** What the module printed (MuJoCo reports some load errors with printf only). */
const printed: string[] = [];

export const loadMujoco = (): Promise<MainModule> => {
  if (!modulePromise) {
    modulePromise = import('mujoco-js')
      .then((m) =>
        m.default({
          print: (s: string) => keepPrinted(s),
          printErr: (s: string) => keepPrinted(s),
        }),
      )
      .then((m) => {
        loaded = m;
        return m;
      });
    // A failed load may be retried by the next caller.
    modulePromise.catch(() => (modulePromise = undefined));
  }
  return modulePromise;
};

const keepPrinted = (s: string): void => {
  printed.push(s);
  if (printed.length > 50) printed.splice(0, printed.length - 50);
};

export const mujocoModule = (): MainModule =>
  loaded ??
  fail('unsupported', 'the MuJoCo WebAssembly module is not loaded yet: await prepareEnv(<the env>) (walker, mujoco/* pendulums) before make() or reward()');

export const isMujocoLoaded = (): boolean => loaded !== undefined;

/** mjtObj values used with mj_name2id. */
export const OBJ_BODY = 1;
export const OBJ_JOINT = 3;
export const OBJ_ACTUATOR = 19;

/**
 * Reads the message of a C++ exception thrown out of the WebAssembly module. The build does not
 * export the message (getExceptionMessage gives only the type), but MuJoCo's mjXError and mjCError
 * both start with their message as a NUL-terminated char array, so it is read from linear memory
 * through any typed-array view onto the heap.
 */
const cppExceptionMessage = (mujoco: MainModule, u: unknown, heap: ArrayBuffer | undefined): string | undefined => {
  const e = u as { excPtr?: unknown; name?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.excPtr !== 'number') return undefined;
  let text: string | undefined;
  if (heap && e.excPtr > 0 && e.excPtr < heap.byteLength) {
    const bytes = new Uint8Array(heap, e.excPtr, Math.min(1000, heap.byteLength - e.excPtr));
    const end = bytes.indexOf(0);
    const raw = new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
    // Only trust it if it looks like text.
    if (raw.length > 0 && /^[\x09\x0a\x0d\x20-\x7e]+$/.test(raw)) text = raw;
  }
  try {
    (mujoco as unknown as { decrementExceptionRefcount?: (x: unknown) => void }).decrementExceptionRefcount?.(u);
  } catch {
    // Freeing the exception is best effort.
  }
  return text ?? (typeof e.name === 'string' ? `MuJoCo raised ${e.name}` : undefined);
};

/** One line out of MuJoCo's multi-line messages ("XML Error: …\nElement 'bad', line 1"). */
const oneLine = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('; ');

let scratchData: MjData | undefined;

/**
 * Any live view onto the module's linear memory, for reading exception messages: a small MjData
 * kept for the purpose (views must be re-taken after the heap grows).
 */
const heapBuffer = (mujoco: MainModule, model: MjModel | undefined): ArrayBuffer | undefined => {
  try {
    if (!scratchData && model) scratchData = new mujoco.MjData(model);
    return scratchData ? ((scratchData.qpos as Float64Array).buffer as ArrayBuffer) : undefined;
  } catch {
    return undefined;
  }
};

let heapModel: MjModel | undefined;

/** Compiles an MJCF file already in the module's file system. */
export const compileModel = (mujoco: MainModule, memfsPath: string, what: string): E.Either<DistilleryError, MjModel> => {
  printed.length = 0;
  try {
    const model = mujoco.MjModel.loadFromXML(memfsPath) as MjModel | null | undefined;
    if (!model) {
      const line = printed.find((l) => l.startsWith('Loading error:'));
      const detail = line ? oneLine(printed.slice(printed.indexOf(line)).join('\n').replace(/^Loading error:\s*/, '')) : 'MuJoCo could not load it';
      return E.left(distilleryError('bad-file', `${what}: MuJoCo rejected the model: ${detail}`));
    }
    heapModel ??= model;
    return E.right(model);
  } catch (u) {
    const msg = cppExceptionMessage(mujoco, u, heapBuffer(mujoco, heapModel));
    return E.left(distilleryError('bad-file', `${what}: MuJoCo rejected the model: ${oneLine(msg ?? String(u))}`));
  }
};

/** Writes `text` at `path` in the module's in-memory file system, creating folders. */
export const writeMemfs = (mujoco: MainModule, path: string, text: string): void => {
  const fs = mujoco.FS as unknown as { mkdirTree(p: string): void; writeFile(p: string, data: string): void };
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  try {
    fs.mkdirTree(dir);
  } catch {
    // mkdirTree throws when the folder exists.
  }
  fs.writeFile(path, text);
};

const INCLUDE = /<include\b[^>]*?\bfile\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const COMMENT = /<!--[\s\S]*?-->/g;

/** The `file` attributes of the <include> elements of an MJCF text (comments ignored). */
export const includedFiles = (xml: string): string[] => {
  const out: string[] = [];
  for (const m of xml.replace(COMMENT, '').matchAll(INCLUDE)) out.push(m[1] ?? m[2]);
  return out;
};

