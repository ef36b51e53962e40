/**
 * Lazy reader of transition datasets (Arrow IPC files).
 *
 * Opening reads only the footer (schema, metadata, where each record batch lies) and each record
 * batch's small header (its row count); `batches()` then reads one record batch at a time with
 * positioned reads, so memory is bounded by one record batch whatever the file size. Vector
 * columns are typed-array views into the bytes read (no copy); booleans are unpacked.
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import {
  AsyncRecordBatchFileReader,
  DataType,
  Field,
  RecordBatchReader,
  type Data,
  type Dictionary,
  type RecordBatch,
  type Schema,
  type Vector,
} from 'apache-arrow';
import { distilleryError, DistilleryFailure, type DistilleryError } from '../core/errors.ts';
import { notRegular } from '../core/files.ts';
import { concatBatches, sliceBatch, type TransitionBatch } from '../core/batch.ts';
import { unpackBits } from './bits.ts';
import { COLUMN, REWARD_COLUMN_PREFIX, rewardColumnName, validateDatasetSchema, type DatasetShape } from './schema.ts';
import { checkMetadataAgainstShape, decodeMetadata, type DatasetMetadata } from './metadata.ts';
import { checkBlocks, checkBufferRegions, checkDictionaryBatch, checkTiling, IpcError, messageBytes, parseFooter, parseMessage, type FileBlock, type ParsedFooter, type RecordBatchInfo } from './ipc.ts';
import { checkLayout } from './layout.ts';
import { crc32Of, decodeChecksums, hex32, schemaChecksum, type DatasetChecksums } from './checksum.ts';
import { assertFinite } from './finite.ts';

export interface DatasetReader {
  readonly path: string;
  readonly metadata: DatasetMetadata;
  readonly shape: DatasetShape;
  readonly numRows: number;
  readonly numRecordBatches: number;
  /** The file's record batch checksums (`distillery.checksum`), when it has them. */
  readonly checksums: DatasetChecksums | undefined;
  /**
   * The rows in file order, one task per batch (a record batch holding several tasks is split
   * into runs of one task). With `batchSize`, runs are re-chunked to batches of exactly that
   * many rows, except where the task changes and at the end. Errors in the file (a corrupt
   * record batch, a checksum that does not match) are thrown as DistilleryFailure. With
   * `requireFinite`, a batch holding NaN or ±Infinity in a float column is one too (what
   * learners want: see `assertFinite`). Several iterations may run at once.
   */
  batches(options?: BatchOptions): AsyncIterable<TransitionBatch>;
  /**
   * The rows of record batch `i` alone (one batch per run of one task), checked like `batches()`:
   * how `verify` reads a file, so that one bad record batch does not hide the others.
   */
  recordBatchRuns(i: number): Promise<TransitionBatch[]>;
  close(): Promise<void>;
}

export interface BatchOptions {
  readonly batchSize?: number;
  readonly requireFinite?: boolean;
  /**
   * 'fresh' (default): every record batch is read into new memory; batches stay valid for as
   * long as the consumer holds them.
   * 'reuse': record batches are read into a small pool of buffers that are reused, by later
   * iterations too (no page faults on fresh memory per record batch; up to 64 MiB of free
   * buffers stay allocated between iterations). The contract, enforced:
   * a batch is valid until the consumer pulls the next one (the `for await` loop's next
   * iteration) or the loop ends. Then it is released: reading a field of it throws, and the
   * typed arrays it held are detached (length 0; `set`, `subarray`, `slice` throw), so a held
   * batch or array never shows another batch's values. Copy what you keep (`slice()` of each
   * array, before the next pull). Files decoded through apache-arrow's loader (other tools'
   * extra columns, compression) are read into fresh memory whatever this option: their arrays
   * stay readable, but the batch's fields still throw once released.
   */
  readonly buffers?: 'fresh' | 'reuse';
}

export interface ReaderOptions {
  /**
   * 'verify' (default): each record batch is checked against its checksum as it is read, when
   * the file has checksums (`distillery.checksum`); 'ignore': they are not.
   */
  readonly checksums?: 'verify' | 'ignore';
}

const ARROW_MAGIC = 'ARROW1';
/** Record batches read ahead of the consumer (bounded memory: this many + the current one). */
const READ_AHEAD = 2;
/**
 * Sizes read whole on open, bounded even when the bytes exist: a footer holds the schema and 24
 * bytes per record batch, a header 16 bytes per column node and buffer.
 */
const MAX_FOOTER_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/**
 * Bytes of free buffers kept for the next 'reuse' iteration, of any reader: the steady state
 * needs READ_AHEAD buffers being read, one being consumed and one waiting for the consumer's next
 * pull (~4 × 9 MB for 64k-row record batches of 136-byte transitions).
 */
const POOL_MAX_FREE_BYTES = 64 * 1024 * 1024;
/** Magic + padding at the start, footer length + magic at the end. */
const MIN_FILE_SIZE = 8 + 4 + 6;

export const openDatasetReader =
  (path: string, options: ReaderOptions = {}): TE.TaskEither<DistilleryError, DatasetReader> =>
  async () => {
    // stat before open: opening a FIFO for reading blocks until a writer comes, /dev/zero never ends.
    try {
      const st = await stat(path);
      if (!st.isFile()) return E.left(distilleryError('bad-file', `${path}: ${notRegular(st)}, not an Arrow file`));
    } catch (e) {
      return E.left(openError(path, e));
    }
    let fh: FileHandle;
    try {
      // O_NONBLOCK: if a FIFO replaced the file since the stat, open still returns (and fstat refuses it).
      fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      return E.left(openError(path, e));
    }
    const r = await openOn(fh, path, options).catch((e: unknown) =>
      E.left(distilleryError('bad-file', `${path}: not a readable Arrow file (${oneLine(e)})`, e)),
    );
    if (E.isLeft(r)) await fh.close().catch(() => undefined);
    return r;
  };

const openError = (path: string, e: unknown): DistilleryError => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return distilleryError('not-found', `${path}: no such file`);
  if (code === 'EISDIR') return distilleryError('bad-file', `${path}: is a directory, not an Arrow file`);
  if (code === 'EACCES' || code === 'EPERM') return distilleryError('io', `${path}: permission denied`);
  return distilleryError('io', `${path}: cannot open (${code ?? oneLine(e)})`, e);
};

/** What apache-arrow threw, for a message: its own words, or none when it crashed on the bytes (a TypeError says nothing to a user). */
const arrowMessage = (e: unknown): string =>
  e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError ? 'apache-arrow cannot decode it' : oneLine(e);

/** An error's message on one line, at most 200 characters. */
const oneLine = (e: unknown): string => {
  const m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  return m.length > 200 ? `${m.slice(0, 197)}...` : m;
};

const openOn = async (fh: FileHandle, path: string, options: ReaderOptions): Promise<E.Either<DistilleryError, DatasetReader>> => {
  const bad = (m: string) => E.left(distilleryError('bad-file', `${path}: ${m}`));
  const stat = await fh.stat();
  if (!stat.isFile()) return bad(`${notRegular(stat)}, not an Arrow file`);
  const { size } = stat;
  const head = await readAt(fh, 0, Math.min(size, 8));
  if (size < 6 || ascii(head.subarray(0, 6)) !== ARROW_MAGIC) {
    if (size >= 4 && new DataView(head.buffer, head.byteOffset).getInt32(0, true) === -1)
      return bad('is an Arrow IPC stream, not an Arrow IPC file (no footer to read it lazily)');
    return bad('not an Arrow IPC file (no ARROW1 magic at the start)');
  }
  if (size < MIN_FILE_SIZE) return bad(`truncated (${size} bytes, no Arrow footer)`);
  const tail = await readAt(fh, size - 10, 10);
  if (ascii(tail.subarray(4)) !== ARROW_MAGIC) return bad('truncated or incomplete (no Arrow footer at the end)');
  const footerLength = new DataView(tail.buffer, tail.byteOffset).getInt32(0, true);
  const footerStart = size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) return bad(`corrupt Arrow footer (length ${footerLength} in a ${size}-byte file)`);
  if (footerLength > MAX_FOOTER_BYTES) return bad(`corrupt Arrow footer (${footerLength} bytes; a real one is far below ${MAX_FOOTER_BYTES})`);

  // Every count, length and offset of the footer and of the dictionary headers is checked against
  // the bytes that exist before apache-arrow decodes them (ipc.ts).
  let dictionaryHeaders: DictionaryHeader[];
  let footer: ParsedFooter;
  try {
    footer = parseFooter(await readAt(fh, footerStart, footerLength));
    // The dictionary batches now (apache-arrow reads them on open), the record batches below,
    // after the schema: a wrong schema is the clearer message.
    const wrong = checkBlocks({ ...footer, recordBatches: [] }, footerStart);
    if (wrong) return bad(`corrupt Arrow footer: ${wrong}`);
    dictionaryHeaders = [];
    for (let i = 0; i < footer.dictionaries.length; i++) {
      const d = await readMessageHeader(fh, footer.dictionaries[i], `dictionary batch ${i}`);
      if (typeof d === 'string') return bad(d);
      if (d.kind !== 'dictionary-batch') return bad(`block ${i} of the footer's dictionaries is not a dictionary batch`);
      const wrongDictionary = checkDictionaryBatch(footer.dictionaryTypes.get(d.id), d.batch);
      if (wrongDictionary) return bad(`corrupt dictionary batch ${i} (id ${d.id}): ${wrongDictionary}`);
      dictionaryHeaders.push({ id: d.id, batch: d.batch });
    }
  } catch (e) {
    if (e instanceof IpcError) return bad(`corrupt Arrow ${e.message}`);
    throw e;
  }

  let reader: AsyncRecordBatchFileReader;
  try {
    const r = await RecordBatchReader.from(fh);
    if (!(r instanceof AsyncRecordBatchFileReader)) return bad('not an Arrow IPC file');
    reader = r;
    await reader.open({ autoDestroy: false });
  } catch (e) {
    return bad(`corrupt Arrow footer or dictionary (${arrowMessage(e)})`);
  }

  const shape = validateDatasetSchema(reader.schema, path);
  if (E.isLeft(shape)) return shape;
  const metadata = decodeMetadata(reader.schema.metadata, path);
  if (E.isLeft(metadata)) return metadata;
  const disagreement = checkMetadataAgainstShape(metadata.right, shape.right, path);
  if (disagreement) return E.left(disagreement);
  const wrong = checkBlocks(footer, footerStart) ?? (await tiling(fh, footer, footerStart));
  if (wrong) return bad(`corrupt Arrow footer: ${wrong}`);
  const checksums = decodeChecksums(reader.schema.metadata, footer.recordBatches, path);
  if (E.isLeft(checksums)) return checksums;
  if (options.checksums !== 'ignore' && checksums.right?.applies) {
    const got = schemaChecksum(reader.schema);
    if (got !== checksums.right.schema)
      return bad(`the columns or metadata do not match their checksum (crc32 ${hex32(got)}, stored ${hex32(checksums.right.schema)}): the footer was changed after the file was written`);
  }

  const taskField = reader.schema.fields.find((f) => f.name === COLUMN.task)!;
  const taskNames = dictionaryNames(reader, taskField.type, dictionaryHeaders, metadata.right.tasks);
  if (typeof taskNames === 'string') return bad(taskNames);

  const blocks: BlockHeader[] = [];
  let previousEnd = 0;
  for (let i = 0; i < reader.numRecordBatches; i++) {
    const block = await readBlockHeader(fh, reader, i, previousEnd);
    if (typeof block === 'string') return bad(block);
    blocks.push(block);
    previousEnd = block.bodyOffset + block.bodyLength;
  }
  const verify = options.checksums !== 'ignore' && checksums.right?.applies ? checksums.right : undefined;
  return E.right(
    new ArrowDatasetReader(path, fh, reader, metadata.right, shape.right, blocks, taskNames, directlyReadable(reader.schema), checksums.right, verify),
  );
};

/** Whether the footer's blocks cover the file end to end (ipc.ts checkTiling). */
const tiling = async (fh: FileHandle, footer: ParsedFooter, footerStart: number): Promise<string | undefined> => {
  const blocks = [...footer.dictionaries, ...footer.recordBatches];
  if (blocks.length === 0) return 'no dictionary and no record batch';
  const first = Math.min(...blocks.map((b) => b.offset));
  const last = Math.max(...blocks.map((b) => b.offset + b.metaDataLength + b.bodyLength));
  // A schema message is a few KB; a larger gap is not one.
  if (first - 8 > MAX_LEADING_BYTES) return `${first - 8} bytes before the first block that no block covers`;
  if (footerStart - last > 8) return `${footerStart - last} bytes between the last block and the footer that no block covers`;
  try {
    return checkTiling(footer, footerStart, await readAt(fh, 8, first - 8), await readAt(fh, last, footerStart - last));
  } catch (e) {
    if (e instanceof IpcError) return e.message;
    throw e;
  }
};

const MAX_LEADING_BYTES = 1 << 20;

interface DictionaryHeader {
  readonly id: number;
  readonly batch: RecordBatchInfo;
}

/** Where a record batch's body lies and how it is laid out (from its header). */
interface BlockHeader {
  readonly rows: number;
  /** Where the bytes its checksum covers start: the end of the record batch before it (0 for the first). */
  readonly rangeStart: number;
  readonly bodyOffset: number;
  readonly bodyLength: number;
  readonly nodes: readonly { readonly length: number; readonly nullCount: number }[];
  readonly buffers: readonly { readonly offset: number; readonly length: number }[];
  readonly compressed: boolean;
}

/**
 * The task dictionary's names, checked against the metadata's task list: every entry must be one
 * of `distillery.tasks`, once. A corrupt dictionary (a name turned into "null", "", "lefT") is an
 * error, never a renamed task.
 */
const dictionaryNames = (
  reader: AsyncRecordBatchFileReader,
  type: DataType,
  headers: readonly DictionaryHeader[],
  tasks: readonly string[],
): string[] | string => {
  const id = (type as Dictionary).id;
  const dictionary = reader.dictionaries.get(id);
  if (!dictionary) return `column 'task' has no dictionary batch`;
  const mine = headers.filter((h) => h.id === id);
  if (mine.length !== 1) return `column 'task' has ${mine.length} dictionary batches, expected 1`;
  const layout = checkLayout([new Field(COLUMN.task, (type as Dictionary).dictionary, false)], mine[0].batch);
  if (layout) return `corrupt task dictionary: ${layout}`;
  if (dictionary.length > tasks.length)
    return `the task dictionary has ${dictionary.length} entries, but metadata key 'distillery.tasks' lists ${tasks.length} tasks (${tasks.join(', ')})`;
  if (dictionary.nullCount > 0) return `the task dictionary has ${dictionary.nullCount} null entries`;
  const names: string[] = [];
  for (let k = 0; k < dictionary.length; k++) {
    const name = dictionary.get(k) as unknown;
    if (typeof name !== 'string' || !tasks.includes(name))
      return `task dictionary entry ${k} is ${JSON.stringify(name)}, which is not a task of metadata key 'distillery.tasks' (${tasks.join(', ')}): corrupt dictionary or metadata`;
    if (names.includes(name)) return `task ${JSON.stringify(name)} appears twice in the task dictionary`;
    names.push(name);
  }
  return names;
};

/**
 * Files whose every column is one of ours, with Int32 task indices (what this writer produces),
 * are decoded straight from the body bytes; anything else goes through apache-arrow's loader.
 */
const directlyReadable = (schema: Schema): boolean =>
  schema.fields.every((f) => {
    if (f.name === COLUMN.task) return DataType.isDictionary(f.type) && f.type.indices.bitWidth === 32 && f.type.indices.isSigned;
    return (Object.values(COLUMN) as string[]).includes(f.name) || f.name.startsWith('reward/');
  });

/** The message at a block: its header parsed and checked against the block, or what is wrong. */
const readMessageHeader = async (fh: FileHandle, block: FileBlock, name: string) => {
  if (block.metaDataLength > MAX_HEADER_BYTES) return `${name} has a corrupt header (${block.metaDataLength} bytes; a real one is far below ${MAX_HEADER_BYTES})`;
  const meta = await readAt(fh, block.offset, block.metaDataLength);
  const bytes = messageBytes(meta);
  if (!bytes) return `${name} has a corrupt header`;
  const message = parseMessage(bytes, `${name} header`);
  if (message.bodyLength !== block.bodyLength)
    return `${name}: its header says its body has ${message.bodyLength} bytes, the footer ${block.bodyLength} (corrupt header or footer)`;
  if (message.kind !== 'other') {
    const wrong = checkBufferRegions(message.batch.buffers, block.bodyLength);
    if (wrong) return `${name} has a corrupt header (${wrong})`;
  }
  return message;
};

/** A record batch's header (a few hundred bytes), checked against the schema, or what is wrong with it. */
const readBlockHeader = async (fh: FileHandle, reader: AsyncRecordBatchFileReader, i: number, rangeStart: number): Promise<BlockHeader | string> => {
  const block = reader.footer?.getRecordBatch(i);
  if (!block) return `record batch ${i} is missing from the footer`;
  const fileBlock = { offset: Number(block.offset), metaDataLength: block.metaDataLength, bodyLength: Number(block.bodyLength) };
  let message;
  try {
    message = await readMessageHeader(fh, fileBlock, `record batch ${i}`);
  } catch (e) {
    if (e instanceof IpcError) return `corrupt ${e.message}`;
    throw e;
  }
  if (typeof message === 'string') return message;
  if (message.kind !== 'record-batch') return `block ${i} of the footer is not a record batch`;
  const h = message.batch;
  const wrong = checkLayout(reader.schema.fields, h);
  if (wrong) return `record batch ${i} has a corrupt header: ${wrong}`;
  return {
    rows: h.rows,
    rangeStart,
    bodyOffset: fileBlock.offset + fileBlock.metaDataLength,
    bodyLength: fileBlock.bodyLength,
    nodes: h.nodes,
    buffers: h.buffers,
    compressed: h.compressed,
  };
};

const readAt = async (fh: FileHandle, position: number, length: number, into?: Uint8Array): Promise<Uint8Array> => {
  const buf = into ?? new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
};

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

/** The whole record batch as typed arrays (views where the layout allows). */
interface RecordColumns {
  readonly n: number;
  readonly taskIndex: ArrayLike<number>;
  readonly taskNames: readonly string[];
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
  readonly rewards: Readonly<Record<string, Float32Array>>;
  /** The pooled buffer the columns are views of (batches({ buffers: 'reuse' }) only). */
  readonly lease?: ArrayBuffer;
}

/**
 * Moves an ArrayBuffer's memory to a new ArrayBuffer without copying it: every view of the old
 * one is detached (length 0, its methods throw), so a released batch can never alias the next.
 */
const detach = (b: ArrayBuffer): ArrayBuffer => structuredClone(b, { transfer: [b] });

/**
 * Recycled buffers, shared by every 'reuse' iteration of every reader. Only buffers that nothing
 * else references enter it (the memory moved out of a detached buffer into a new ArrayBuffer
 * object), and `take` removes what it hands out, so iterations never share a buffer.
 */
const freeBuffers: ArrayBuffer[] = [];
let freeBytes = 0;

/**
 * The buffers of one `batches({ buffers: 'reuse' })` iteration. A buffer is 'reading' while a
 * positioned read fills it (never detached then: the read writes into its memory), 'ready' once
 * its record batch is decoded, retired when the iteration has moved past every row of it, and
 * recycled (detached, then handed out again) only at the consumer's next pull.
 */
class BufferPool {
  private readonly ready = new Set<ArrayBuffer>();
  private retired: ArrayBuffer[] = [];

  /** A buffer of at least `length` bytes for a read (the smallest free one that fits). */
  take(length: number): ArrayBuffer {
    let best = -1;
    for (let k = 0; k < freeBuffers.length; k++)
      if (freeBuffers[k].byteLength >= length && (best < 0 || freeBuffers[k].byteLength < freeBuffers[best].byteLength)) best = k;
    if (best < 0) return new ArrayBuffer(length);
    const b = freeBuffers.splice(best, 1)[0];
    freeBytes -= b.byteLength;
    return b;
  }

  filled(b: ArrayBuffer): void {
    this.ready.add(b);
  }

  retire(b: ArrayBuffer): void {
    if (this.ready.delete(b)) this.retired.push(b);
  }

  /** At the consumer's pull: what was retired before it is detached and reused. */
  recycle(): void {
    for (const b of this.retired) {
      const moved = detach(b);
      if (freeBytes + moved.byteLength > POOL_MAX_FREE_BYTES) continue;
      freeBuffers.push(moved);
      freeBytes += moved.byteLength;
    }
    this.retired = [];
  }

  /**
   * The iteration ended: detach every decoded buffer and keep it for the next iteration (reads
   * still in flight are never yielded; their buffers are left to the garbage collector).
   */
  close(): void {
    for (const b of this.ready) this.retired.push(b);
    this.ready.clear();
    this.recycle();
  }
}

/**
 * The batch as the consumer sees it under 'reuse': the same fields, read through getters that
 * throw once the batch is released.
 */
const revocable = (b: TransitionBatch, live: () => boolean, path: string): TransitionBatch => {
  const out = {};
  for (const key of Object.keys(b) as (keyof TransitionBatch)[])
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!live())
          throw new DistilleryFailure(
            distilleryError(
              'invalid-input',
              `${path}: batch.${key} read after the batch was released (batches({ buffers: 'reuse' }): a batch is valid until the next one is pulled; copy what you keep)`,
            ),
          );
        return b[key];
      },
    });
  return out as TransitionBatch;
};

/** Yields each batch revocably; at the next pull it is revoked and the pool recycles what was retired before it. */
async function* leased(batches: AsyncIterable<TransitionBatch>, pool: BufferPool, path: string): AsyncGenerator<TransitionBatch> {
  let generation = 0;
  try {
    for await (const b of batches) {
      const mine = ++generation;
      yield revocable(b, () => generation === mine, path);
      generation++;
      pool.recycle();
    }
  } finally {
    generation++;
    pool.close();
  }
}

class ArrowDatasetReader implements DatasetReader {
  readonly numRows: number;
  /** apache-arrow's reader seeks a shared handle: one record batch read at a time through it. */
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly reader: AsyncRecordBatchFileReader,
    readonly metadata: DatasetMetadata,
    readonly shape: DatasetShape,
    private readonly blocks: readonly BlockHeader[],
    private readonly taskNames: readonly string[],
    private readonly direct: boolean,
    readonly checksums: DatasetChecksums | undefined,
    /** The checksums to check each record batch against as it is read (undefined: none). */
    private readonly verify: DatasetChecksums | undefined,
  ) {
    this.numRows = blocks.reduce((s, b) => s + b.rows, 0);
  }

  get numRecordBatches(): number {
    return this.blocks.length;
  }

  batches(options: BatchOptions = {}): AsyncIterable<TransitionBatch> {
    const { batchSize } = options;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0))
      throw new DistilleryFailure(distilleryError('invalid-input', `${this.path}: batchSize must be a positive integer, got ${batchSize}`));
    if (options.buffers !== undefined && options.buffers !== 'fresh' && options.buffers !== 'reuse')
      throw new DistilleryFailure(distilleryError('invalid-input', `${this.path}: buffers must be 'fresh' or 'reuse', got ${String(options.buffers)}`));
    const pool = options.buffers === 'reuse' ? new BufferPool() : undefined;
    const runs = options.requireFinite ? finiteOnly(this.runs(pool), this.path) : this.runs(pool);
    const out = batchSize === undefined ? runs : rechunk(runs, batchSize);
    // Retired buffers are recycled at the consumer's pull, not when runs() moves on: rechunk may
    // still hold views of a retired record batch until it has copied them into the batch it yields.
    return pool ? leased(out, pool, this.path) : out;
  }

  /** The rows of record batch `i`, one batch per run of one task (for `verify`, which reads batch by batch). */
  async recordBatchRuns(i: number): Promise<TransitionBatch[]> {
    if (!(Number.isInteger(i) && i >= 0 && i < this.blocks.length)) throw this.error(`no record batch ${i}`);
    if (this.blocks[i].rows === 0) return [];
    return [...splitByTask(await this.prefetch(i), this.shape)];
  }

  private async *runs(pool?: BufferPool): AsyncGenerator<TransitionBatch> {
    const indices = this.blocks.flatMap((b, i) => (b.rows > 0 ? [i] : []));
    // Read ahead: the I/O (and the page faults of fresh buffers, costly on small VMs) runs on
    // libuv's thread pool while the consumer works on the current record batch.
    const ahead: Promise<RecordColumns>[] = [];
    let next = 0;
    const fill = (): void => {
      while (ahead.length < READ_AHEAD && next < indices.length) ahead.push(this.prefetch(indices[next++], pool));
    };
    fill();
    while (ahead.length > 0) {
      const columns = await ahead.shift()!;
      fill();
      yield* splitByTask(columns, this.shape);
      if (columns.lease) pool?.retire(columns.lease);
    }
  }

  /** Starts a read whose failure, if the consumer stops before awaiting it, is not an unhandled rejection. */
  private prefetch(i: number, pool?: BufferPool): Promise<RecordColumns> {
    const p = this.direct && !this.blocks[i].compressed ? this.readDirect(i, pool) : this.readThroughArrow(i).then((rb) => this.columns(rb, i));
    p.catch(() => undefined);
    return p;
  }

  /**
   * One positioned read of the body (from the end of the previous record batch when its checksum
   * is checked: the range the checksum covers); columns are views into it. Reads may overlap.
   */
  private async readDirect(i: number, pool?: BufferPool): Promise<RecordColumns> {
    const block = this.blocks[i];
    const start = this.verify ? block.rangeStart : block.bodyOffset;
    const lease = pool?.take(block.bodyOffset + block.bodyLength - start);
    const bytes = await this.readChecked(i, lease && new Uint8Array(lease, 0, block.bodyOffset + block.bodyLength - start));
    const columns = this.decodeBody(block, bytes.subarray(block.bodyOffset - start), i);
    if (!lease) return columns;
    pool!.filled(lease);
    return { ...columns, lease };
  }

  /** The bytes of record batch i (its checksum range when checked, else its body), checksum verified. */
  private async readChecked(i: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw this.error('the reader is closed');
    const block = this.blocks[i];
    const start = this.verify ? block.rangeStart : block.bodyOffset;
    const length = block.bodyOffset + block.bodyLength - start;
    let bytes: Uint8Array;
    try {
      bytes = await readAt(this.fh, start, length, into);
    } catch (e) {
      throw this.error(`reading record batch ${i} failed (${oneLine(e)})`);
    }
    if (bytes.byteLength !== length) throw this.error(`record batch ${i} is truncated`);
    if (this.verify) {
      const got = crc32Of([bytes]);
      const want = this.verify.recordBatches[i].crc32;
      if (got !== want)
        throw this.error(`record batch ${i} does not match its checksum (crc32 ${hex32(got)}, stored ${hex32(want)}): the file's bytes were changed after it was written`);
    }
    return bytes;
  }

  private decodeBody(block: BlockHeader, body: Uint8Array, index: number): RecordColumns {
    const n = block.rows;
    let node = 0;
    let buffer = 0;
    const corrupt = (what: string) => this.error(`record batch ${index} is corrupt (${what})`);
    /** Consumes one node and its validity buffer. */
    const field = (name: string): void => {
      const nd = block.nodes[node++];
      if (!nd) throw corrupt(`no node for column '${name}'`);
      if (nd.nullCount > 0) throw this.error(`column '${name}' has ${nd.nullCount} null values in record batch ${index}`);
      buffer++;
    };
    const bytes = (name: string, minLength: number): Uint8Array => {
      const region = block.buffers[buffer++];
      if (!region || region.length < minLength) throw corrupt(`column '${name}' has a short buffer`);
      return body.subarray(region.offset, region.offset + region.length);
    };
    const typed = <T extends Int32Array | Float32Array | Float64Array>(Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }, name: string, count: number): T => {
      const b = bytes(name, count * Ctor.BYTES_PER_ELEMENT);
      if (b.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(b.buffer, b.byteOffset, count);
      const copy = new Ctor(count); // unaligned (writers pad to 8, but do not count on it)
      new Uint8Array(copy.buffer).set(b.subarray(0, count * Ctor.BYTES_PER_ELEMENT));
      return copy;
    };
    const flat = <T extends Int32Array | Float32Array>(Ctor: typeof Int32Array | typeof Float32Array, name: string): T => {
      field(name);
      return typed(Ctor as never, name, n) as T;
    };
    const list = <T extends Float32Array | Float64Array>(Ctor: typeof Float32Array | typeof Float64Array, name: string, dim: number): T => {
      field(name);
      field(name);
      return typed(Ctor as never, name, n * dim) as T;
    };
    const bools = (name: string): Uint8Array => {
      field(name);
      return unpackBits(bytes(name, (n + 7) >> 3), 0, n);
    };
    const { obsDim, actDim, discreteActions, physicsDim } = this.shape;
    const out: Record<string, unknown> = { n, taskNames: this.taskNames, rewards: {} };
    for (const f of this.reader.schema.fields) {
      switch (f.name) {
        case COLUMN.task:
          out.taskIndex = flat(Int32Array, f.name);
          break;
        case COLUMN.episode:
          out.episode = flat(Int32Array, f.name);
          break;
        case COLUMN.step:
          out.step = flat(Int32Array, f.name);
          break;
        case COLUMN.observation:
          out.observation = list(Float32Array, f.name, obsDim);
          break;
        case COLUMN.nextObservation:
          out.nextObservation = list(Float32Array, f.name, obsDim);
          break;
        case COLUMN.action:
          out.action = discreteActions ? flat(Int32Array, f.name) : list(Float32Array, f.name, actDim);
          break;
        case COLUMN.reward:
          out.reward = flat(Float32Array, f.name);
          break;
        case COLUMN.terminated:
          out.terminated = bools(f.name);
          break;
        case COLUMN.truncated:
          out.truncated = bools(f.name);
          break;
        case COLUMN.physics:
          out.physics = list(Float64Array, f.name, physicsDim!);
          break;
        case COLUMN.nextPhysics:
          out.nextPhysics = list(Float64Array, f.name, physicsDim!);
          break;
        default:
          setOwn(out.rewards as Record<string, Float32Array>, f.name.slice(REWARD_COLUMN_PREFIX.length), flat(Float32Array, f.name));
      }
    }
    const columns = out as unknown as RecordColumns;
    this.checkTaskIndices(columns, index);
    return columns;
  }

  private checkTaskIndices(c: RecordColumns, index: number): void {
    const limit = c.taskNames.length;
    for (let r = 0; r < c.n; r++) {
      const k = c.taskIndex[r];
      if (!(k >= 0 && k < limit)) throw this.error(`record batch ${index}: row ${r} has task index ${k} outside the dictionary`);
    }
  }

  private readThroughArrow(i: number): Promise<RecordBatch> {
    const p = this.lock.then(async () => {
      if (this.closed) throw this.error(`the reader is closed`);
      if (this.verify) await this.readChecked(i);
      let rb: RecordBatch | null;
      try {
        rb = await this.reader.readRecordBatch(i);
      } catch (e) {
        throw this.error(`record batch ${i} is corrupt (${arrowMessage(e)})`);
      }
      if (!rb) throw this.error(`record batch ${i} could not be read (truncated or corrupt)`);
      if (rb.numRows !== this.blocks[i].rows) throw this.error(`record batch ${i} has ${rb.numRows} rows, its header said ${this.blocks[i].rows}`);
      return rb;
    });
    this.lock = p.catch(() => undefined);
    return p;
  }

  private error(message: string): DistilleryFailure {
    return new DistilleryFailure(distilleryError('bad-file', `${this.path}: ${message}`));
  }

  private columns(rb: RecordBatch, index: number): RecordColumns {
    const n = rb.numRows;
    const data = (name: string): Data => {
      const v = rb.getChild(name) as Vector | null;
      if (!v || v.data.length !== 1) throw this.error(`record batch ${index}: column '${name}' is unreadable`);
      const d = v.data[0];
      if (d.nullCount > 0) throw this.error(`column '${name}' has ${d.nullCount} null values in record batch ${index}`);
      return d;
    };
    const flat = <T extends Int32Array | Float32Array>(name: string): T => {
      const d = data(name);
      return (d.values as T).subarray(d.offset, d.offset + n) as T;
    };
    const list = <T extends Float32Array | Float64Array>(name: string, dim: number): T => {
      const d = data(name);
      const child = d.children[0] as Data<DataType>;
      if (child.nullCount > 0) throw this.error(`column '${name}' has null values in record batch ${index}`);
      const start = (child.offset + d.offset * dim) as number;
      return (child.values as T).subarray(start, start + n * dim) as T;
    };
    const bools = (name: string): Uint8Array => {
      const d = data(name);
      return unpackBits(d.values as Uint8Array, d.offset, n);
    };
    const task = data(COLUMN.task);
    const taskIndex = (task.values as Int32Array).subarray(task.offset, task.offset + n);
    const taskNames = this.taskNames;
    const { obsDim, actDim, discreteActions, physicsDim, rewardTasks } = this.shape;
    const rewards: Record<string, Float32Array> = {};
    for (const t of rewardTasks) setOwn(rewards, t, flat<Float32Array>(rewardColumnName(t)));
    const columns: RecordColumns = {
      n,
      taskIndex,
      taskNames,
      episode: flat<Int32Array>(COLUMN.episode),
      step: flat<Int32Array>(COLUMN.step),
      observation: list<Float32Array>(COLUMN.observation, obsDim),
      action: discreteActions ? flat<Int32Array>(COLUMN.action) : list<Float32Array>(COLUMN.action, actDim),
      reward: flat<Float32Array>(COLUMN.reward),
      nextObservation: list<Float32Array>(COLUMN.nextObservation, obsDim),
      terminated: bools(COLUMN.terminated),
      truncated: bools(COLUMN.truncated),
      ...(physicsDim !== undefined
        ? { physics: list<Float64Array>(COLUMN.physics, physicsDim), nextPhysics: list<Float64Array>(COLUMN.nextPhysics, physicsDim) }
        : {}),
      rewards,
    };
    this.checkTaskIndices(columns, index);
    return columns;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lock.catch(() => undefined);
    await this.reader.cancel().catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}

/** obj[key] = value as an own property, even for a key like `__proto__` (a task may be named anything). */
export const setOwn = <T>(obj: Record<string, T>, key: string, value: T): void => {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
};

async function* finiteOnly(runs: AsyncIterable<TransitionBatch>, path: string): AsyncGenerator<TransitionBatch> {
  for await (const b of runs) yield assertFinite(b, path);
}

/** One TransitionBatch (views, no copy) per run of rows of the same task. */
function* splitByTask(c: RecordColumns, shape: DatasetShape): Generator<TransitionBatch> {
  let start = 0;
  while (start < c.n) {
    const k = c.taskIndex[start];
    let end = start + 1;
    while (end < c.n && c.taskIndex[end] === k) end++;
    yield runBatch(c, shape, c.taskNames[k], start, end);
    start = end;
  }
}

const runBatch = (c: RecordColumns, shape: DatasetShape, task: string, s: number, e: number): TransitionBatch => {
  const { obsDim, actDim, discreteActions, physicsDim } = shape;
  const rewards: Record<string, Float32Array> = {};
  for (const [t, r] of Object.entries(c.rewards)) setOwn(rewards, t, r.subarray(s, e));
  return {
    task,
    size: e - s,
    obsDim,
    actDim,
    discreteActions,
    episode: c.episode.subarray(s, e),
    step: c.step.subarray(s, e),
    observation: c.observation.subarray(s * obsDim, e * obsDim),
    nextObservation: c.nextObservation.subarray(s * obsDim, e * obsDim),
    action: c.action.subarray(s * actDim, e * actDim),
    reward: c.reward.subarray(s, e),
    terminated: c.terminated.subarray(s, e),
    truncated: c.truncated.subarray(s, e),
    ...(physicsDim !== undefined && c.physics && c.nextPhysics
      ? { physics: { dim: physicsDim, state: c.physics.subarray(s * physicsDim, e * physicsDim), nextState: c.nextPhysics.subarray(s * physicsDim, e * physicsDim) } }
      : {}),
    ...(shape.rewardTasks.length > 0 ? { rewards } : {}),
  };
};

/**
 * Re-chunks runs of one task into batches of `size` rows. A chunk that lies inside one run is a
 * view; one that spans runs (record batch boundaries) is copied. A task change ends a chunk early.
 */
export async function* rechunk(runs: AsyncIterable<TransitionBatch>, size: number): AsyncGenerator<TransitionBatch> {
  let pending: TransitionBatch[] = [];
  let pendingRows = 0;
  for await (const run of runs) {
    if (pendingRows > 0 && pending[0].task !== run.task) {
      yield concatBatches(pending);
      pending = [];
      pendingRows = 0;
    }
    let at = 0;
    while (at < run.size) {
      const take = Math.min(size - pendingRows, run.size - at);
      const part = take === run.size ? run : sliceBatch(run, at, at + take);
      at += take;
      if (pendingRows === 0 && take === size) {
        yield part;
        continue;
      }
      pending.push(part);
      pendingRows += take;
      if (pendingRows === size) {
        yield concatBatches(pending);
        pending = [];
        pendingRows = 0;
      }
    }
  }
  if (pendingRows > 0) yield concatBatches(pending);
}
