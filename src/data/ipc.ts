/**
 * Bounded parsing of the Arrow IPC file structure: the footer and each message's header.
 *
 * Arrow's metadata are flatbuffers, and flatbuffers trust their own offsets and counts: a header
 * whose buffer count says 151 million makes a decoder build 151 million objects. Everything here
 * reads through `FlatBuffer`, which checks every offset, length and count against the bytes that
 * exist before it is used, bounds the nesting depth and the number of tables visited, and throws
 * an IpcError with what is wrong. Only once a footer or message has passed here is it handed to
 * apache-arrow (which decodes the same bytes without such checks).
 *
 * Field slots follow the Arrow format's File.fbs, Schema.fbs and Message.fbs.
 */

export class IpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcError';
  }
}

/** Where a message lies in the file (a footer `Block`). */
export interface FileBlock {
  readonly offset: number;
  readonly metaDataLength: number;
  readonly bodyLength: number;
}

export interface ParsedFooter {
  readonly dictionaries: readonly FileBlock[];
  readonly recordBatches: readonly FileBlock[];
  /** The value type (Schema.fbs `Type` tag) of each dictionary id of the schema. */
  readonly dictionaryTypes: ReadonlyMap<number, number>;
}

export interface FieldNodeInfo {
  readonly length: number;
  readonly nullCount: number;
}

export interface BufferInfo {
  readonly offset: number;
  readonly length: number;
}

/** A record batch header (or the data of a dictionary batch). */
export interface RecordBatchInfo {
  readonly rows: number;
  readonly nodes: readonly FieldNodeInfo[];
  readonly buffers: readonly BufferInfo[];
  readonly compressed: boolean;
}

export type MessageInfo =
  | { readonly kind: 'record-batch'; readonly bodyLength: number; readonly batch: RecordBatchInfo }
  | { readonly kind: 'dictionary-batch'; readonly bodyLength: number; readonly id: number; readonly batch: RecordBatchInfo }
  | { readonly kind: 'other'; readonly bodyLength: number; readonly headerType: number };

/** Limits on what one footer or message may hold (far above anything a real dataset needs). */
const MAX_DEPTH = 32;
const MAX_TABLES = 100_000;
/** Rows in one record batch: Arrow lengths are 64-bit, but every implementation caps them at 2^31 − 1. */
export const MAX_ROWS = 2 ** 31 - 1;

interface Table {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly tableSize: number;
}

/** A flatbuffer whose every read is checked against its bytes. */
class FlatBuffer {
  private readonly view: DataView;
  private tables = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(m: string): never {
    throw new IpcError(`${this.what}: ${m}`);
  }

  private need(pos: number, size: number): void {
    if (!(Number.isInteger(pos) && pos >= 0 && pos + size <= this.bytes.byteLength))
      this.fail(`offset ${pos} (+${size}) lies outside its ${this.bytes.byteLength} bytes`);
  }

  u8(pos: number): number {
    this.need(pos, 1);
    return this.view.getUint8(pos);
  }
  i16(pos: number): number {
    this.need(pos, 2);
    return this.view.getInt16(pos, true);
  }
  u16(pos: number): number {
    this.need(pos, 2);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number): number {
    this.need(pos, 4);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number): number {
    this.need(pos, 4);
    return this.view.getUint32(pos, true);
  }
  /** A 64-bit integer, which must be exactly representable (|v| ≤ 2^53). */
  i64(pos: number, name: string): number {
    this.need(pos, 8);
    const v = this.view.getBigInt64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${name} ${v} is out of range`);
    return Number(v);
  }

  root(): Table {
    return this.table(this.u32(0), 0);
  }

  /** The table at `pos`, its vtable checked. */
  table(pos: number, depth: number): Table {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    if (++this.tables > MAX_TABLES) this.fail(`more than ${MAX_TABLES} tables`);
    const vtable = pos - this.i32(pos);
    const vtableSize = this.u16(vtable);
    const tableSize = this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`corrupt vtable at ${vtable}`);
    this.need(vtable, vtableSize);
    if (tableSize < 4) this.fail(`corrupt table at ${pos}`);
    this.need(pos, tableSize);
    return { pos, vtable, vtableSize, tableSize };
  }

  /** Absolute position of field `slot` of `t`, or 0 when absent (the default applies). */
  field(t: Table, slot: number): number {
    const at = 4 + 2 * slot;
    if (at + 2 > t.vtableSize) return 0;
    const off = this.u16(t.vtable + at);
    if (off === 0) return 0;
    if (off < 4 || off >= t.tableSize) this.fail(`field ${slot} of the table at ${t.pos} lies outside it`);
    return t.pos + off;
  }

  /** Follows the unsigned offset stored at `pos`. */
  deref(pos: number): number {
    const target = pos + this.u32(pos);
    this.need(target, 4);
    return target;
  }

  /** The vector referenced at field position `pos`: its first element and its length, all within the bytes. */
  vector(pos: number, elementSize: number): { start: number; length: number } {
    const at = this.deref(pos);
    const length = this.u32(at);
    const start = at + 4;
    if (length > (this.bytes.byteLength - start) / elementSize) this.fail(`a vector of ${length} elements does not fit in its ${this.bytes.byteLength} bytes`);
    return { start, length };
  }

  string(pos: number): string {
    const { start, length } = this.vector(pos, 1);
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(start, start + length));
  }

  scalarI16(t: Table, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p === 0 ? fallback : this.i16(p);
  }
  scalarU8(t: Table, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p === 0 ? fallback : this.u8(p);
  }
  scalarI32(t: Table, slot: number, fallback: number): number {
    const p = this.field(t, slot);
    return p === 0 ? fallback : this.i32(p);
  }
  scalarI64(t: Table, slot: number, fallback: number, name: string): number {
    const p = this.field(t, slot);
    return p === 0 ? fallback : this.i64(p, name);
  }
  /** The sub-table at field `slot`, or undefined. */
  child(t: Table, slot: number, depth: number): Table | undefined {
    const p = this.field(t, slot);
    return p === 0 ? undefined : this.table(this.deref(p), depth);
  }
  /** Every table of the vector at field `slot`. */
  tablesOf(t: Table, slot: number, depth: number): Table[] {
    const p = this.field(t, slot);
    if (p === 0) return [];
    const { start, length } = this.vector(p, 4);
    const out: Table[] = [];
    for (let i = 0; i < length; i++) out.push(this.table(this.deref(start + 4 * i), depth));
    return out;
  }
}

// ---- Schema.fbs ----

/** Type union tags (Schema.fbs `union Type`) whose tables hold an offset field. */
const TYPE_TIMESTAMP = 10;
const TYPE_UNION = 14;
const LAST_TYPE_TAG = 26;

const checkKeyValues = (fb: FlatBuffer, parent: Table, slot: number, depth: number): void => {
  for (const kv of fb.tablesOf(parent, slot, depth)) {
    const k = fb.field(kv, 0);
    if (k !== 0) fb.string(k);
    const v = fb.field(kv, 1);
    if (v !== 0) fb.string(v);
  }
};

const checkField = (fb: FlatBuffer, f: Table, depth: number, dictionaries: Map<number, number>): void => {
  const name = fb.field(f, 0);
  if (name !== 0) fb.string(name);
  const tag = fb.scalarU8(f, 2, 0);
  if (tag > LAST_TYPE_TAG) fb.fail(`unknown type tag ${tag}`);
  const type = fb.child(f, 3, depth + 1);
  if (tag !== 0 && type === undefined) fb.fail('a field has a type tag but no type');
  if (type && tag === TYPE_TIMESTAMP) {
    const tz = fb.field(type, 1);
    if (tz !== 0) fb.string(tz);
  }
  if (type && tag === TYPE_UNION) {
    const ids = fb.field(type, 1);
    if (ids !== 0) fb.vector(ids, 4);
  }
  const dictionary = fb.child(f, 4, depth + 1);
  if (dictionary) {
    const id = fb.scalarI64(dictionary, 0, 0, 'dictionary id');
    fb.child(dictionary, 1, depth + 2);
    if (!dictionaries.has(id)) dictionaries.set(id, tag);
  }
  for (const c of fb.tablesOf(f, 5, depth + 1)) checkField(fb, c, depth + 1, dictionaries);
  checkKeyValues(fb, f, 6, depth + 1);
};

const checkSchema = (fb: FlatBuffer, s: Table, depth: number, dictionaries: Map<number, number>): void => {
  for (const f of fb.tablesOf(s, 1, depth + 1)) checkField(fb, f, depth + 1, dictionaries);
  checkKeyValues(fb, s, 2, depth + 1);
  const features = fb.field(s, 3);
  if (features !== 0) fb.vector(features, 8);
};

// ---- File.fbs ----

const BLOCK_SIZE = 24;

const blocksOf = (fb: FlatBuffer, footer: Table, slot: number, name: string): FileBlock[] => {
  const p = fb.field(footer, slot);
  if (p === 0) return [];
  const { start, length } = fb.vector(p, BLOCK_SIZE);
  const out: FileBlock[] = [];
  for (let i = 0; i < length; i++) {
    const at = start + i * BLOCK_SIZE;
    out.push({
      offset: fb.i64(at, `${name} block ${i} offset`),
      metaDataLength: fb.i32(at + 8),
      bodyLength: fb.i64(at + 16, `${name} block ${i} body length`),
    });
  }
  return out;
};

/**
 * Checks the footer flatbuffer (everything apache-arrow's Footer.decode will read) and returns
 * its blocks. Block positions are checked by `checkBlocks`, which needs the file layout.
 */
export const parseFooter = (bytes: Uint8Array): ParsedFooter => {
  const fb: FlatBuffer = new FlatBuffer(bytes, 'footer');
  const footer = fb.root();
  const schema = fb.child(footer, 1, 1);
  if (!schema) fb.fail('no schema');
  const dictionaryTypes = new Map<number, number>();
  checkSchema(fb, schema, 1, dictionaryTypes);
  checkKeyValues(fb, footer, 4, 1);
  return { dictionaries: blocksOf(fb, footer, 2, 'dictionary'), recordBatches: blocksOf(fb, footer, 3, 'record batch'), dictionaryTypes };
};

/** Buffers per value of a dictionary's type (Schema.fbs tags): the flat types dictionaries hold. */
const DICTIONARY_BUFFERS: Readonly<Record<number, { buffers: number; offsetWidth?: number }>> = {
  2: { buffers: 2 }, // Int
  3: { buffers: 2 }, // FloatingPoint
  4: { buffers: 3, offsetWidth: 4 }, // Binary
  5: { buffers: 3, offsetWidth: 4 }, // Utf8
  6: { buffers: 2 }, // Bool
  7: { buffers: 2 }, // Decimal
  8: { buffers: 2 }, // Date
  9: { buffers: 2 }, // Time
  10: { buffers: 2 }, // Timestamp
  11: { buffers: 2 }, // Interval
  15: { buffers: 2 }, // FixedSizeBinary
  18: { buffers: 2 }, // Duration
  19: { buffers: 3, offsetWidth: 8 }, // LargeBinary
  20: { buffers: 3, offsetWidth: 8 }, // LargeUtf8
};

/**
 * What is wrong with a dictionary batch of a dictionary whose values have type tag `tag` (before
 * apache-arrow loads it, which trusts its node and buffer counts), or undefined.
 */
export const checkDictionaryBatch = (tag: number | undefined, batch: RecordBatchInfo): string | undefined => {
  if (tag === undefined) return 'its id is not a dictionary of the schema';
  const spec = DICTIONARY_BUFFERS[tag];
  if (!spec) return `dictionaries of type tag ${tag} are not supported`;
  if (batch.nodes.length !== 1 || batch.buffers.length !== spec.buffers)
    return `${batch.nodes.length} nodes and ${batch.buffers.length} buffers, a dictionary of this type has 1 and ${spec.buffers}`;
  const n = batch.nodes[0].length;
  if (n !== batch.rows) return `${n} values, its header says ${batch.rows}`;
  if (spec.offsetWidth !== undefined && !batch.compressed && batch.buffers[1].length < (n + 1) * spec.offsetWidth)
    return `${n} values but ${batch.buffers[1].length} bytes of offsets`;
  return undefined;
};

/**
 * Every block must lie between the leading magic and the footer, be 8-byte aligned, and not
 * overlap another: a footer that points two blocks at the same bytes would read rows twice.
 * Returns what is wrong, or undefined.
 */
export const checkBlocks = (footer: ParsedFooter, footerStart: number): string | undefined => {
  const all = [
    ...footer.dictionaries.map((b, i) => ({ ...b, name: `dictionary batch ${i}` })),
    ...footer.recordBatches.map((b, i) => ({ ...b, name: `record batch ${i}` })),
  ];
  for (const b of all) {
    if (b.offset < 8 || b.offset % 8 !== 0 || b.metaDataLength < 8 || b.metaDataLength % 8 !== 0 || b.bodyLength < 0 || b.offset + b.metaDataLength + b.bodyLength > footerStart)
      return `${b.name} lies outside the file (offset ${b.offset}, header ${b.metaDataLength} bytes, body ${b.bodyLength} bytes, footer at ${footerStart})`;
  }
  const sorted = [...all].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const end = prev.offset + prev.metaDataLength + prev.bodyLength;
    if (end > sorted[i].offset) return `${prev.name} and ${sorted[i].name} overlap in the footer`;
  }
  return undefined;
};

/**
 * Writers lay messages end to end: the magic, optionally a schema message, the dictionary and
 * record batches, optionally the end-of-stream marker, the footer. A footer whose blocks leave
 * bytes unexplained between them (a record batch dropped from the list, a block moved) is
 * corrupt. `leading` are the bytes between the magic and the first block (at most a schema
 * message), `trailing` those between the last block and the footer. Returns what is wrong.
 */
export const checkTiling = (footer: ParsedFooter, footerStart: number, leading: Uint8Array, trailing: Uint8Array): string | undefined => {
  const all = [...footer.dictionaries, ...footer.recordBatches].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < all.length; i++) {
    const end = all[i - 1].offset + all[i - 1].metaDataLength + all[i - 1].bodyLength;
    if (end !== all[i].offset) return `${all[i].offset - end} bytes between two blocks that no block of the footer covers`;
  }
  if (leading.byteLength > 0) {
    const schema = messageBytes(leading);
    let kind: MessageInfo | undefined;
    try {
      kind = schema && parseMessage(schema, 'leading schema message');
    } catch {
      kind = undefined;
    }
    if (!kind || kind.kind !== 'other' || kind.headerType !== MESSAGE_HEADER_SCHEMA || kind.bodyLength !== 0)
      return `${leading.byteLength} bytes before the first block that are not a schema message`;
  }
  const eos = trailing.byteLength === 0 || isEndOfStream(trailing);
  if (!eos) return `${trailing.byteLength} bytes between the last block and the footer (at ${footerStart}) that no block covers`;
  return undefined;
};

const isEndOfStream = (b: Uint8Array): boolean => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength === 8) return v.getInt32(0, true) === -1 && v.getInt32(4, true) === 0;
  return b.byteLength === 4 && v.getInt32(0, true) === 0;
};

// ---- Message.fbs ----

const MESSAGE_HEADER_SCHEMA = 1;
const MESSAGE_HEADER_DICTIONARY_BATCH = 2;
const MESSAGE_HEADER_RECORD_BATCH = 3;
const NODE_SIZE = 16;
const BUFFER_SIZE = 16;

const parseRecordBatch = (fb: FlatBuffer, rb: Table): RecordBatchInfo => {
  const rows = fb.scalarI64(rb, 0, 0, 'row count');
  if (rows < 0 || rows > MAX_ROWS) fb.fail(`row count ${rows} is out of range`);
  const nodes: FieldNodeInfo[] = [];
  const np = fb.field(rb, 1);
  if (np !== 0) {
    const { start, length } = fb.vector(np, NODE_SIZE);
    for (let i = 0; i < length; i++) {
      const at = start + i * NODE_SIZE;
      const len = fb.i64(at, `node ${i} length`);
      const nulls = fb.i64(at + 8, `node ${i} null count`);
      if (len < 0 || nulls < 0 || nulls > len) fb.fail(`node ${i} has length ${len} and null count ${nulls}`);
      nodes.push({ length: len, nullCount: nulls });
    }
  }
  const buffers: BufferInfo[] = [];
  const bp = fb.field(rb, 2);
  if (bp !== 0) {
    const { start, length } = fb.vector(bp, BUFFER_SIZE);
    for (let i = 0; i < length; i++) {
      const at = start + i * BUFFER_SIZE;
      const offset = fb.i64(at, `buffer ${i} offset`);
      const len = fb.i64(at + 8, `buffer ${i} length`);
      if (offset < 0 || len < 0) fb.fail(`buffer ${i} has offset ${offset} and length ${len}`);
      buffers.push({ offset, length: len });
    }
  }
  const compression = fb.child(rb, 3, 3);
  const counts = fb.field(rb, 4);
  if (counts !== 0) fb.vector(counts, 8);
  return { rows, nodes, buffers, compressed: compression !== undefined };
};

/** Parses one message's flatbuffer (the bytes after its length prefix). */
export const parseMessage = (bytes: Uint8Array, what: string): MessageInfo => {
  const fb: FlatBuffer = new FlatBuffer(bytes, what);
  const message = fb.root();
  const headerType = fb.scalarU8(message, 1, 0);
  const bodyLength = fb.scalarI64(message, 3, 0, 'body length');
  if (bodyLength < 0) fb.fail(`body length ${bodyLength}`);
  checkKeyValues(fb, message, 4, 1);
  const header = fb.child(message, 2, 1);
  if (headerType === MESSAGE_HEADER_RECORD_BATCH) {
    if (!header) fb.fail('a record batch message without its header');
    return { kind: 'record-batch', bodyLength, batch: parseRecordBatch(fb, header) };
  }
  if (headerType === MESSAGE_HEADER_DICTIONARY_BATCH) {
    if (!header) fb.fail('a dictionary batch message without its header');
    const id = fb.scalarI64(header, 0, 0, 'dictionary id');
    const data = fb.child(header, 1, 2);
    if (!data) fb.fail('a dictionary batch without data');
    return { kind: 'dictionary-batch', bodyLength, id, batch: parseRecordBatch(fb, data) };
  }
  return { kind: 'other', bodyLength, headerType };
};

/**
 * The flatbuffer of the message at the start of `meta` (a block's `metaDataLength` bytes): since
 * Arrow 0.15 a message starts with 0xFFFFFFFF then its length; before, with the length only.
 */
export const messageBytes = (meta: Uint8Array): Uint8Array | undefined => {
  if (meta.byteLength < 8) return undefined;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const continued = view.getInt32(0, true) === -1;
  const start = continued ? 8 : 4;
  const length = view.getInt32(continued ? 4 : 0, true);
  // The prefix's length includes the padding, and the block's metaDataLength the prefix: they
  // must agree exactly, or the body would be read from the wrong offset.
  if (length <= 0 || start + length !== meta.byteLength) return undefined;
  return meta.subarray(start, start + length);
};

/**
 * Buffers of a message body must lie inside it, in order, without overlapping, 8-byte aligned
 * (the IPC format's rule), and with less than 64 bytes between one and the next (padding): a
 * corrupt offset that would read a column from the wrong place is refused. Returns what is wrong.
 */
export const checkBufferRegions = (buffers: readonly BufferInfo[], bodyLength: number): string | undefined => {
  let end = 0;
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i];
    if (b.offset + b.length > bodyLength) return `buffer ${i} (offset ${b.offset}, ${b.length} bytes) lies outside the ${bodyLength}-byte body`;
    if (b.offset % 8 !== 0) return `buffer ${i} is not 8-byte aligned (offset ${b.offset})`;
    if (b.offset < end) return `buffer ${i} overlaps the one before it (offset ${b.offset})`;
    if (b.offset - end >= 64) return `${b.offset - end} unexplained bytes before buffer ${i}`;
    end = b.offset + b.length;
  }
  if (bodyLength - end >= 64 && buffers.length > 0) return `${bodyLength - end} unexplained bytes after the last buffer`;
  return undefined;
};
