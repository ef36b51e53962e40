/**
 * HDF5 through h5wasm (npm; libhdf5 compiled to WebAssembly, the host file system reached through
 * Emscripten's NODERAWFS, nothing downloaded or compiled at install time). Loaded on first use.
 *
 * libhdf5 prints its error stack ("HDF5-DIAG: …", a dozen lines) straight to file descriptor 2.
 * Every call into it here runs inside `quietly`, which holds those writes back (h5wasm's calls are
 * synchronous, so nothing else writes meanwhile) and keeps the last "minor:" line: the one-line
 * reason a bad file gets ("file signature not found", "Not an HDF5 file").
 */
import fs, { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { distilleryError, DistilleryFailure, type DistilleryError } from '../core/errors.ts';
import { notRegular } from '../core/files.ts';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let loaded: Promise<H5> | undefined;
const h5 = (): Promise<H5> =>
  (loaded ??= import('h5wasm/node').then(async (m) => {
    const mod = ((m as unknown as { default?: H5 }).default ?? m) as H5;
    await mod.ready;
    return mod;
  }));

/** Runs `f` with fd-2 writes held back; returns its value and what libhdf5 said. */
const quietly = <A>(f: () => A): { value?: A; error?: unknown; said: string } => {
  const original = fs.writeSync;
  let said = '';
  (fs as { writeSync: unknown }).writeSync = function (fd: number, buffer: unknown, ...rest: unknown[]) {
    if (fd === 2 && ArrayBuffer.isView(buffer)) {
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const length = typeof rest[1] === 'number' ? rest[1] : buffer.byteLength - offset;
      said += Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString('utf8');
      return length;
    }
    return (original as (...a: unknown[]) => number).call(fs, fd, buffer, ...rest);
  };
  try {
    return { value: f(), said };
  } catch (error) {
    return { error, said };
  } finally {
    fs.writeSync = original;
  }
};

const reasonOf = (said: string, error?: unknown): string => {
  const minors = [...said.matchAll(/minor: (.+)/g)].map((m) => m[1].trim());
  const detail = minors.length ? minors[minors.length - 1] : error instanceof Error ? error.message : error !== undefined ? String(error) : 'unknown HDF5 error';
  return detail.split('\n')[0];
};

/** Calls into h5wasm; a failure (thrown, or only printed by libhdf5) becomes a bad-file failure about `file`. */
export const h5call = <A>(file: string, what: string, f: () => A): A => {
  const r = quietly(f);
  if ('error' in r && r.error !== undefined) throw new DistilleryFailure(distilleryError('bad-file', `${file}: ${what}: ${reasonOf(r.said, r.error)}`));
  if (/HDF5-DIAG/.test(r.said)) throw new DistilleryFailure(distilleryError('bad-file', `${file}: ${what}: ${reasonOf(r.said)}`));
  return r.value as A;
};

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks that `path` is a regular file with the HDF5 signature (at 0, 512, 1024, 2048…). */
const checkSignature = (path: string): E.Either<DistilleryError, void> => {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return E.left(distilleryError('invalid-input', `${path}: ${notRegular(st)}, not an HDF5 file`));
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left(code === 'ENOENT' || code === 'ENOTDIR' ? distilleryError('not-found', `${path}: no such file`) : distilleryError('io', `${path}: cannot read (${code})`));
  }
  const fd = openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = new Uint8Array(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at);
      if (buf.every((b, i) => b === HDF5_SIGNATURE[i])) return E.right(undefined);
    }
  } finally {
    closeSync(fd);
  }
  return E.left(distilleryError('bad-file', `${path}: not an HDF5 file (no HDF5 signature)`));
};

/** What an HDF5 dataset holds, as a plain value for io-ts codecs to decode. */
export interface DatasetInfo {
  readonly kind: 'dataset';
  readonly shape: readonly number[];
  /** float (f4/f8), int (any integer width), bool (h5py's FALSE/TRUE enum), other. */
  readonly type: 'float' | 'int' | 'bool' | 'other';
}
export interface GroupInfo {
  readonly kind: 'group';
  readonly keys: readonly string[];
}

// instanceof, not constructor names: a bundler may rename the classes (esbuild: Group → Group2).
const infoOf = (mod: H5, file: string, name: string, node: unknown): DatasetInfo | GroupInfo | undefined => {
  if (node === null || node === undefined) return undefined;
  name = name === '/' ? 'the root group' : name;
  if (node instanceof mod.Group) return { kind: 'group', keys: h5call(file, name, () => node.keys()) };
  if (!(node instanceof mod.Dataset)) return undefined;
  const d = node;
  const meta = h5call(file, name, () => d.metadata);
  const shape = (h5call(file, name, () => d.shape) ?? []).map(Number);
  const enumMembers = (meta as { enum_type?: { members?: Record<string, number> } }).enum_type?.members;
  const type =
    enumMembers && Object.keys(enumMembers).length === 2 && enumMembers.FALSE === 0 && enumMembers.TRUE === 1
      ? 'bool'
      : meta.type === 1 // H5T_FLOAT
        ? 'float'
        : meta.type === 0 // H5T_INTEGER
          ? 'int'
          : 'other';
  return { kind: 'dataset', shape, type };
};

/** An HDF5 file open for reading. */
export interface Hdf5Reader {
  readonly path: string;
  /** The node at `name` described (undefined when there is none). */
  info(name: string): DatasetInfo | GroupInfo | undefined;
  /** The values of a numeric dataset as float64, row-major. */
  numbers(name: string): Float64Array;
  /** A string or JSON attribute of the root or of `name` (undefined when absent). */
  attr(name: string, key: string): unknown;
  close(): void;
}

export const openHdf5Reader = async (path: string): Promise<E.Either<DistilleryError, Hdf5Reader>> => {
  const sig = checkSignature(path);
  if (E.isLeft(sig)) return sig;
  const mod = await h5();
  try {
    const f = h5call(path, 'cannot open', () => new mod.File(path, 'r'));
    if (Number((f as unknown as { file_id: bigint | number }).file_id) < 0) return E.left(distilleryError('bad-file', `${path}: cannot open as HDF5`));
    const get = (name: string) => h5call(path, name === '/' ? 'the root group' : name, () => (name === '/' ? f : f.get(name)));
    return E.right({
      path,
      info: (name) => {
        const node = get(name);
        return infoOf(mod, path, name, node);
      },
      numbers: (name) => {
        const d = get(name) as H5Dataset;
        const v = h5call(path, name, () => d.value) as unknown;
        if (!ArrayBuffer.isView(v) || v instanceof DataView) throw new DistilleryFailure(distilleryError('bad-file', `${path}: ${name}: not a numeric array`));
        if (v instanceof Float64Array) return v;
        if (!(v instanceof BigInt64Array || v instanceof BigUint64Array)) return Float64Array.from(v as unknown as ArrayLike<number>);
        const arr = v as unknown as ArrayLike<bigint>;
        const out = new Float64Array(arr.length);
        for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]);
        return out;
      },
      attr: (name, key) => {
        const node = get(name) as H5Group | H5Dataset | null;
        if (!node) return undefined;
        const attrs = h5call(path, `${name} attributes`, () => node.attrs) as Record<string, { value: unknown }>;
        if (!Object.hasOwn(attrs, key)) return undefined;
        const v = h5call(path, `${name} attribute ${key}`, () => attrs[key].value);
        return typeof v === 'bigint' ? Number(v) : ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 1 ? Number((v as unknown as ArrayLike<number>)[0]) : v;
      },
      close: () => void h5call(path, 'close', () => f.close()),
    });
  } catch (e) {
    if (e instanceof DistilleryFailure) return E.left(e.error);
    throw e;
  }
};

export type Hdf5Array = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

/** An HDF5 file being written (to `path.tmp`, renamed over `path` on close). */
export interface Hdf5Writer {
  dataset(name: string, data: Hdf5Array, shape: readonly number[], bool?: boolean): void;
  group(name: string): void;
  attr(name: string, key: string, value: string | number): void;
  close(): void;
  abort(): void;
}

export const openHdf5Writer = async (path: string): Promise<E.Either<DistilleryError, Hdf5Writer>> => {
  try {
    if (statSync(path).isDirectory()) return E.left(distilleryError('invalid-input', `${path}: is a directory (--out names the HDF5 file to write)`));
  } catch {
    // does not exist yet: fine
  }
  const tmp = `${path}.tmp`;
  try {
    fs.mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    return E.left(distilleryError('io', `${path}: cannot create its directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  const mod = await h5();
  try {
    const f = h5call(path, 'cannot create', () => new mod.File(tmp, 'w'));
    if (Number((f as unknown as { file_id: bigint | number }).file_id) < 0) return E.left(distilleryError('io', `${tmp}: cannot create`));
    const parent = (name: string) => {
      const i = name.lastIndexOf('/');
      return i <= 0 ? (f as H5Group) : (f.get(name.slice(0, i)) as H5Group);
    };
    const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
    let open = true;
    return E.right({
      dataset: (name, data, shape, bool) =>
        void h5call(path, `writing ${name}`, () =>
          // booleans as int8 (h5py reads them as int8; numpy treats them as truth values)
          parent(name).create_dataset({ name: base(name), data: bool ? Int8Array.from(data) : data, shape: [...shape] }),
        ),
      group: (name) => void h5call(path, `writing ${name}`, () => parent(name).create_group(base(name))),
      attr: (name, key, value) => void h5call(path, `writing ${name} attribute ${key}`, () => ((name === '/' ? f : f.get(name)) as H5Group).create_attribute(key, value)),
      close: () => {
        open = false;
        h5call(path, 'close', () => f.close());
        try {
          fs.renameSync(tmp, path);
        } catch (e) {
          fs.rmSync(tmp, { force: true });
          throw new DistilleryFailure(distilleryError('io', `${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
        }
      },
      abort: () => {
        if (open) quietly(() => f.close());
        open = false;
        fs.rmSync(tmp, { force: true });
      },
    });
  } catch (e) {
    if (e instanceof DistilleryFailure) return E.left(e.error);
    throw e;
  }
};

// ---- io-ts codecs over DatasetInfo: what a layout requires of each array ----

const info = (name: string, pred: (d: DatasetInfo) => boolean, expected: string): t.Type<DatasetInfo, DatasetInfo, unknown> =>
  new t.Type<DatasetInfo, DatasetInfo, unknown>(
    name,
    (u): u is DatasetInfo => typeof u === 'object' && u !== null && (u as { kind?: unknown }).kind === 'dataset',
    (u, c) => {
      // the value shown after "got" is a description (a group; a float array of shape [12, 3])
      if (u === undefined) return t.failure(u, c, `missing (expected ${expected})`);
      const d = u as DatasetInfo | GroupInfo;
      if (d.kind !== 'dataset') return t.failure('a group', c, `expected ${expected}`);
      const kind = d.type === 'other' ? 'a non-numeric' : d.type === 'int' ? 'an integer' : `a ${d.type}`;
      return pred(d) ? t.success(d) : t.failure(`${kind} array of shape [${d.shape.join(', ')}]`, c, `expected ${expected}`);
    },
    t.identity,
  );
const numeric = (d: DatasetInfo) => d.type === 'float' || d.type === 'int' || d.type === 'bool';
/** A (N, dim) float array. */
export const FloatMatrix = info('FloatMatrix', (d) => (d.type === 'float' || d.type === 'int') && d.shape.length === 2 && d.shape[1] > 0, 'a 2-d numeric array');
/** A (N, dim) float array or (N,) integers (discrete actions). */
export const ActionArray = info('ActionArray', (d) => (d.shape.length === 2 && d.shape[1] > 0 && numeric(d)) || (d.shape.length === 1 && d.type === 'int'), 'a 2-d numeric array or a 1-d integer array');
/** A (N,) numeric array. */
export const NumberVector = info('NumberVector', (d) => numeric(d) && d.shape.length === 1, 'a 1-d numeric array');
/** A (N,) array of booleans (or 0/1 integers). */
export const FlagVector = info('FlagVector', (d) => (d.type === 'bool' || d.type === 'int' || d.type === 'float') && d.shape.length === 1, 'a 1-d boolean array');
