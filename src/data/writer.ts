/**
 * Streaming, atomic writer of transition datasets (Arrow IPC files).
 *
 * Rows go to `<path>.tmp` as record batches while they arrive; `close()` writes the footer,
 * fsyncs and renames to `<path>`. Nothing ever has the final name until the file is complete,
 * so a crash or `abort()` cannot leave a half-written dataset that looks finished.
 *
 * Memory stays bounded: small batches are copied into one staging record batch of
 * `recordBatchRows` rows; large ones are written straight from the caller's typed arrays
 * (apache-arrow only wraps them, no copy) in slices of `recordBatchRows`, which also bounds
 * what a reader must hold at once.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import {
  AsyncByteQueue,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
  type FixedSizeList,
  type Schema,
  type Vector,
} from 'apache-arrow';
import { distilleryError, DistilleryFailure, errorOf, type DistilleryError, type ErrorCode } from '../core/errors.ts';
import { sliceBatch, type TransitionBatch } from '../core/batch.ts';
import { packBits } from './bits.ts';
import { checkShape, datasetSchema, type DatasetShape } from './schema.ts';
import { checkMetadataAgainstShape, decodeMetadata, encodeMetadata, type DatasetMetadata } from './metadata.ts';
import { CHECKSUM_KEY, crc32Of, encodeChecksums, schemaChecksum } from './checksum.ts';

export interface DatasetWriterOptions {
  readonly metadata: DatasetMetadata;
  readonly shape: DatasetShape;
  /** Rows per record batch (small batches are coalesced up to it, big ones cut to it). Default 65536. */
  readonly recordBatchRows?: number;
}

export interface WrittenDataset {
  readonly path: string;
  readonly rows: number;
  /** Size of the finished file. */
  readonly bytes: number;
}

export interface DatasetWriter {
  readonly path: string;
  /** Rows accepted so far. */
  readonly rows: number;
  /**
   * Appends a batch. Rejects with a DistilleryFailure when the batch does not fit the dataset
   * (unknown task, other dims, missing physics, other reward columns…); the writer stays usable
   * after such a rejection. The batch's arrays must not change until the promise settles.
   */
  write(batch: TransitionBatch): Promise<void>;
  /** Finishes the file (footer, fsync, rename to `path`). */
  close(): Promise<WrittenDataset>;
  /** Stops and removes the temporary file; `path` is never created. */
  abort(): Promise<void>;
}

export const DEFAULT_RECORD_BATCH_ROWS = 65536;

export const temporaryPath = (path: string): string => `${path}.tmp`;

export const openDatasetWriter =
  (path: string, options: DatasetWriterOptions): TE.TaskEither<DistilleryError, DatasetWriter> =>
  async () => {
    const checked = checkShape(options.shape, path);
    if (E.isLeft(checked)) return checked;
    const recordBatchRows = options.recordBatchRows ?? DEFAULT_RECORD_BATCH_ROWS;
    if (!Number.isInteger(recordBatchRows) || recordBatchRows < 1)
      return E.left(distilleryError('invalid-input', `${path}: recordBatchRows must be a positive integer, got ${recordBatchRows}`));
    // Round-tripping the metadata through its own decoder guarantees the reader will accept it.
    let entries: Map<string, string>;
    try {
      entries = encodeMetadata(options.metadata);
    } catch (e) {
      return E.left(distilleryError('invalid-input', `${path}: metadata cannot be encoded: ${errorOf(e).message}`));
    }
    const decoded = decodeMetadata(entries, path);
    if (E.isLeft(decoded)) return E.left({ ...decoded.left, code: 'invalid-input' });
    const disagreement = checkMetadataAgainstShape(decoded.right, options.shape, path, 'invalid-input');
    if (disagreement) return E.left(disagreement);

    const tmp = temporaryPath(path);
    let fh: FileHandle;
    try {
      await mkdir(dirname(path), { recursive: true });
      fh = await open(tmp, 'w');
    } catch (e) {
      return E.left(ioError(e, `${tmp}: cannot create`));
    }
    return E.right(new ArrowDatasetWriter(path, tmp, fh, datasetSchema(options.shape, entries), options.shape, decoded.right.tasks, recordBatchRows));
  };

const ioError = (e: unknown, context: string): DistilleryError => {
  const detail = e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
  return distilleryError('io', `${context}: ${detail}`, e);
};
const failure = (code: ErrorCode, message: string): DistilleryFailure => new DistilleryFailure(distilleryError(code, message));

/** Collects what apache-arrow's writer emits so we decide when and how it reaches the disk. */
class ChunkSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];
  override write(value: Parameters<AsyncByteQueue['write']>[0]): void {
    const v = value as ArrayBufferView;
    if (v.byteLength > 0) this.chunks.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  take(): Uint8Array[] {
    const c = this.chunks;
    this.chunks = [];
    return c;
  }
}

/** The columns of one record batch, row-major vectors, exactly `n` rows each. */
interface Columns {
  readonly n: number;
  readonly task: Int32Array;
  readonly episode: Int32Array;
  readonly step: Int32Array;
  readonly observation: Float32Array;
  readonly action: Float32Array | Int32Array;
  readonly reward: Float32Array;
  readonly nextObservation: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly physics?: Float64Array;
  readonly nextPhysics?: Float64Array;
  /** In shape.rewardTasks order. */
  readonly rewards: readonly Float32Array[];
}

/** Preallocated rows where small batches accumulate into one record batch. */
class Staging {
  n = 0;
  readonly task: Int32Array;
  readonly episode: Int32Array;
  readonly step: Int32Array;
  readonly observation: Float32Array;
  readonly action: Float32Array | Int32Array;
  readonly reward: Float32Array;
  readonly nextObservation: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly physics?: Float64Array;
  readonly nextPhysics?: Float64Array;
  readonly rewards: Float32Array[];

  constructor(
    readonly capacity: number,
    private readonly shape: DatasetShape,
  ) {
    const { obsDim, actDim, physicsDim } = shape;
    this.task = new Int32Array(capacity);
    this.episode = new Int32Array(capacity);
    this.step = new Int32Array(capacity);
    this.observation = new Float32Array(capacity * obsDim);
    this.action = shape.discreteActions ? new Int32Array(capacity) : new Float32Array(capacity * actDim);
    this.reward = new Float32Array(capacity);
    this.nextObservation = new Float32Array(capacity * obsDim);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
    if (physicsDim !== undefined) {
      this.physics = new Float64Array(capacity * physicsDim);
      this.nextPhysics = new Float64Array(capacity * physicsDim);
    }
    this.rewards = shape.rewardTasks.map(() => new Float32Array(capacity));
  }

  /** Appends rows [from, from + count) of `b`. */
  append(b: TransitionBatch, taskIndex: number, from: number, count: number): void {
    const at = this.n;
    const { obsDim, actDim } = this.shape;
    const to = from + count;
    this.task.fill(taskIndex, at, at + count);
    this.episode.set(b.episode.subarray(from, to), at);
    this.step.set(b.step.subarray(from, to), at);
    this.observation.set(b.observation.subarray(from * obsDim, to * obsDim), at * obsDim);
    (this.action as Float32Array).set((b.action as Float32Array).subarray(from * actDim, to * actDim), at * actDim);
    this.reward.set(b.reward.subarray(from, to), at);
    this.nextObservation.set(b.nextObservation.subarray(from * obsDim, to * obsDim), at * obsDim);
    this.terminated.set(b.terminated.subarray(from, to), at);
    this.truncated.set(b.truncated.subarray(from, to), at);
    if (this.physics && this.nextPhysics && b.physics) {
      const d = b.physics.dim;
      this.physics.set(b.physics.state.subarray(from * d, to * d), at * d);
      this.nextPhysics.set(b.physics.nextState.subarray(from * d, to * d), at * d);
    }
    this.shape.rewardTasks.forEach((t, i) => this.rewards[i].set(b.rewards![t].subarray(from, to), at));
    this.n += count;
  }

  columns(): Columns {
    const { n } = this;
    const { obsDim, actDim, physicsDim = 0 } = this.shape;
    return {
      n,
      task: this.task.subarray(0, n),
      episode: this.episode.subarray(0, n),
      step: this.step.subarray(0, n),
      observation: this.observation.subarray(0, n * obsDim),
      action: this.action.subarray(0, n * actDim),
      reward: this.reward.subarray(0, n),
      nextObservation: this.nextObservation.subarray(0, n * obsDim),
      terminated: this.terminated.subarray(0, n),
      truncated: this.truncated.subarray(0, n),
      ...(this.physics && this.nextPhysics
        ? { physics: this.physics.subarray(0, n * physicsDim), nextPhysics: this.nextPhysics.subarray(0, n * physicsDim) }
        : {}),
      rewards: this.rewards.map((r) => r.subarray(0, n)),
    };
  }
}

/** Rows [from, to) of a batch as columns, without copying (the task column is filled in). */
const viewColumns = (b: TransitionBatch, shape: DatasetShape, taskIndex: number, from: number, to: number): Columns => {
  const v = sliceBatch(b, from, to);
  return {
    n: v.size,
    task: new Int32Array(v.size).fill(taskIndex),
    episode: v.episode,
    step: v.step,
    observation: v.observation,
    action: v.action,
    reward: v.reward,
    nextObservation: v.nextObservation,
    terminated: v.terminated,
    truncated: v.truncated,
    ...(v.physics && shape.physicsDim !== undefined ? { physics: v.physics.state, nextPhysics: v.physics.nextState } : {}),
    rewards: shape.rewardTasks.map((t) => v.rewards![t]),
  };
};

type State = 'open' | 'closing' | 'closed' | 'aborted' | 'failed';

class ArrowDatasetWriter implements DatasetWriter {
  private readonly arrow = new RecordBatchFileWriter();
  private readonly sink = new ChunkSink();
  private readonly taskIndex: ReadonlyMap<string, number>;
  private readonly dictionary: Vector<Utf8>;
  private readonly staging: Staging;
  private state: State = 'open';
  private failure?: DistilleryError;
  /** Operations run one after another even if the caller does not await. */
  private queue: Promise<unknown> = Promise.resolve();
  private written = 0;
  private rowCount = 0;
  /** CRC-32 of each record batch's bytes since the end of the one before (checksum.ts). */
  private readonly checksums: { end: number; crc32: number }[] = [];

  constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly schema: Schema,
    private readonly shape: DatasetShape,
    private readonly tasks: readonly string[],
    private readonly recordBatchRows: number,
  ) {
    this.taskIndex = new Map(tasks.map((t, i) => [t, i]));
    // One dictionary object shared by every record batch: apache-arrow then writes it once.
    this.dictionary = vectorFromArray([...tasks], new Utf8());
    this.staging = new Staging(recordBatchRows, shape);
    this.arrow.reset(this.sink, schema);
  }

  get rows(): number {
    return this.rowCount;
  }

  write(batch: TransitionBatch): Promise<void> {
    return this.enqueue(() => this.append(batch));
  }

  close(): Promise<WrittenDataset> {
    return this.enqueue(() => this.finish());
  }

  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    const wasOpen = this.state !== 'aborted';
    this.state = 'aborted';
    await this.queue.catch(() => undefined);
    if (wasOpen) await this.discard();
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.queue.then(op);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private ensureOpen(): void {
    if (this.state === 'open') return;
    if (this.state === 'failed' && this.failure) throw new DistilleryFailure(this.failure);
    throw failure('invalid-input', `${this.path}: the writer is ${this.state === 'aborted' ? 'aborted' : 'closed'}`);
  }

  private async append(b: TransitionBatch): Promise<void> {
    this.ensureOpen();
    const taskIndex = this.check(b);
    const R = this.recordBatchRows;
    let from = 0;
    while (from < b.size) {
      if (this.staging.n === 0 && b.size - from >= R) {
        await this.emit(viewColumns(b, this.shape, taskIndex, from, from + R));
        from += R;
        continue;
      }
      const count = Math.min(R - this.staging.n, b.size - from);
      this.staging.append(b, taskIndex, from, count);
      from += count;
      if (this.staging.n === R) await this.flushStaging();
    }
    this.rowCount += b.size;
  }

  private async flushStaging(): Promise<void> {
    if (this.staging.n === 0) return;
    await this.emit(this.staging.columns());
    this.staging.n = 0;
  }

  /**
   * Encodes one record batch and writes it; any I/O error fails the writer for good. What one
   * write emits ends exactly where the record batch ends (apache-arrow pads the body), so its
   * CRC is the record batch's checksum.
   */
  private async emit(c: Columns): Promise<void> {
    try {
      this.arrow.write(this.recordBatch(c));
    } catch (e) {
      throw this.fail(distilleryError('internal', `${this.path}: encoding a record batch failed: ${errorOf(e).message}`, e));
    }
    const crc = await this.flushChunks();
    this.checksums.push({ end: this.written, crc32: crc });
  }

  /** Writes what apache-arrow emitted; returns its CRC-32. */
  private async flushChunks(): Promise<number> {
    const chunks = this.sink.take();
    const crc = crc32Of(chunks);
    try {
      await writeFully(this.fh, chunks);
    } catch (e) {
      throw this.fail(ioError(e, `${this.tmp}: write failed`));
    }
    for (const c of chunks) this.written += c.byteLength;
    return crc;
  }

  private fail(error: DistilleryError): DistilleryFailure {
    this.state = 'failed';
    this.failure = error;
    return new DistilleryFailure(error);
  }

  private recordBatch(c: Columns): RecordBatch {
    const fields = this.schema.fields;
    const type = (name: string): DataType => fields.find((f) => f.name === name)!.type;
    const flat = (t: DataType, values: ArrayLike<number> & ArrayBufferView, length = c.n): Data =>
      makeData({ type: t, length, nullCount: 0, data: values } as never);
    const list = (name: string, values: Float32Array | Float64Array): Data => {
      const t = type(name) as FixedSizeList;
      return makeData({ type: t, length: c.n, nullCount: 0, child: flat(t.children[0].type, values, values.length) } as never);
    };
    const bools = (name: string, v: Uint8Array): Data => flat(type(name), packBits(v, c.n));
    const byName: Record<string, () => Data> = {
      task: () => makeData({ type: type('task'), length: c.n, nullCount: 0, data: c.task, dictionary: this.dictionary } as never),
      episode: () => flat(type('episode'), c.episode),
      step: () => flat(type('step'), c.step),
      observation: () => list('observation', c.observation),
      action: () => (this.shape.discreteActions ? flat(type('action'), c.action) : list('action', c.action as Float32Array)),
      reward: () => flat(type('reward'), c.reward),
      next_observation: () => list('next_observation', c.nextObservation),
      terminated: () => bools('terminated', c.terminated),
      truncated: () => bools('truncated', c.truncated),
      physics: () => list('physics', c.physics!),
      next_physics: () => list('next_physics', c.nextPhysics!),
    };
    this.shape.rewardTasks.forEach((t, i) => (byName[`reward/${t}`] = () => flat(type(`reward/${t}`), c.rewards[i])));
    const children = fields.map((f) => byName[f.name]());
    const struct = makeData({ type: new Struct(fields), length: c.n, nullCount: 0, children });
    return new RecordBatch(this.schema, struct);
  }

  /** Returns the batch's task index, or throws naming what does not fit. */
  private check(b: TransitionBatch): number {
    const what = `${this.path}: batch of task '${b.task}'`;
    const bad = (m: string): never => {
      throw failure('invalid-input', `${what} ${m}`);
    };
    const idx = this.taskIndex.get(b.task);
    if (idx === undefined) bad(`is not for one of the dataset's tasks (${this.tasks.join(', ')})`);
    const s = this.shape;
    if (b.discreteActions !== s.discreteActions)
      bad(`has ${b.discreteActions ? 'discrete' : 'continuous'} actions, the dataset ${s.discreteActions ? 'discrete' : 'continuous'} ones`);
    if (b.obsDim !== s.obsDim) bad(`has observations of ${b.obsDim} values, expected ${s.obsDim}`);
    if (b.actDim !== s.actDim) bad(`has actions of ${b.actDim} values, expected ${s.actDim}`);
    if (!Number.isInteger(b.size) || b.size < 0) bad(`has size ${b.size}`);
    const len = (name: string, a: ArrayLike<number>, per: number) => {
      if (a.length !== b.size * per) bad(`has ${a.length} values in '${name}', expected ${b.size * per} (${b.size} rows × ${per})`);
    };
    len('episode', b.episode, 1);
    len('step', b.step, 1);
    len('observation', b.observation, s.obsDim);
    len('next_observation', b.nextObservation, s.obsDim);
    len('reward', b.reward, 1);
    len('terminated', b.terminated, 1);
    len('truncated', b.truncated, 1);
    if (s.discreteActions ? !(b.action instanceof Int32Array) : !(b.action instanceof Float32Array))
      bad(`has a ${b.action.constructor.name} action column, expected ${s.discreteActions ? 'Int32Array' : 'Float32Array'}`);
    len('action', b.action, s.actDim);
    if (s.physicsDim !== undefined) {
      if (!b.physics) bad(`has no physics, but the dataset stores physics (${s.physicsDim} values)`);
      else {
        if (b.physics.dim !== s.physicsDim) bad(`has physics of ${b.physics.dim} values, expected ${s.physicsDim}`);
        len('physics', b.physics.state, s.physicsDim);
        len('next_physics', b.physics.nextState, s.physicsDim);
      }
    } else if (b.physics) bad('has physics, but the dataset was opened without physics (shape.physicsDim)');
    const have = Object.keys(b.rewards ?? {});
    for (const t of s.rewardTasks) {
      if (!b.rewards || !(t in b.rewards)) bad(`has no 'reward/${t}' column`);
      else len(`reward/${t}`, b.rewards[t], 1);
    }
    for (const t of have) if (!s.rewardTasks.includes(t)) bad(`has a 'reward/${t}' column the dataset does not have`);
    return idx!;
  }

  private async finish(): Promise<WrittenDataset> {
    this.ensureOpen();
    this.state = 'closing';
    try {
      await this.flushStaging();
      // A file with no rows still gets one (empty) record batch so that it carries the task dictionary.
      if (this.rowCount === 0) await this.emit(new Staging(1, this.shape).columns());
      // The file format has the schema only in the footer, written now: the checksums go there.
      this.schema.metadata.set(CHECKSUM_KEY, encodeChecksums(this.checksums, schemaChecksum(this.schema)));
      this.arrow.close();
      await this.flushChunks();
      await this.fh.sync();
      await this.fh.close();
      await rename(this.tmp, this.path);
    } catch (e) {
      const error = e instanceof DistilleryFailure ? e.error : ioError(e, `${this.path}: finishing the file failed`);
      this.state = 'failed';
      this.failure = error;
      await this.discard();
      throw new DistilleryFailure(error);
    }
    await syncDirectory(dirname(this.path));
    this.state = 'closed';
    return { path: this.path, rows: this.rowCount, bytes: this.written };
  }

  private async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

/** writev may write less than asked (disk full, signals); loop until everything is out. */
const writeFully = async (fh: FileHandle, chunks: Uint8Array[]): Promise<void> => {
  let rest = chunks;
  while (rest.length > 0) {
    const total = rest.reduce((s, c) => s + c.byteLength, 0);
    const { bytesWritten } = await fh.writev(rest);
    if (bytesWritten === total) return;
    if (bytesWritten === 0) throw new Error('no progress writing');
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const c of rest) {
      if (skip >= c.byteLength) skip -= c.byteLength;
      else {
        next.push(skip > 0 ? c.subarray(skip) : c);
        skip = 0;
      }
    }
    rest = next;
  }
};

/** Makes the rename durable; some filesystems refuse to fsync a directory, which is harmless here. */
const syncDirectory = async (dir: string): Promise<void> => {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
};
