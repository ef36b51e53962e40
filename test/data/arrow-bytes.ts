/**
 * Where things lie in an Arrow IPC file's bytes, for tests that corrupt them on purpose: the
 * footer and its blocks, each message's row count, nodes, buffers and body. A plain flatbuffer
 * walk with no checks (it runs on valid files only).
 */

export interface MessageLayout {
  /** File offset of the message's block (its 0xFFFFFFFF continuation marker). */
  readonly offset: number;
  /** The whole header: [offset, offset + metaDataLength). */
  readonly metaDataLength: number;
  /** Positions (file offsets) of fields inside the header. */
  readonly rowCount: number;
  readonly bodyLengthField: number;
  readonly nodesLength: number;
  readonly buffersLength: number;
  /** Per node: positions of its length and null count (int64 each). */
  readonly nodes: readonly { readonly length: number; readonly nullCount: number }[];
  /** Per buffer: positions of its offset and length (int64 each). */
  readonly buffers: readonly { readonly offset: number; readonly length: number }[];
  readonly bodyStart: number;
  readonly bodyLength: number;
}

export interface FileLayout {
  readonly size: number;
  readonly footerStart: number;
  readonly footerLength: number;
  /** Position of the int32 footer length (size − 10). */
  readonly footerLengthField: number;
  /** Positions in the file of each footer block's fields. */
  readonly dictionaryBlocks: readonly { readonly offset: number; readonly metaDataLength: number; readonly bodyLength: number }[];
  readonly recordBatchBlocks: readonly { readonly offset: number; readonly metaDataLength: number; readonly bodyLength: number }[];
  readonly dictionaries: readonly MessageLayout[];
  readonly recordBatches: readonly MessageLayout[];
}

export const arrowLayout = (bytes: Uint8Array): FileLayout => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i32 = (p: number) => v.getInt32(p, true);
  const u32 = (p: number) => v.getUint32(p, true);
  const u16 = (p: number) => v.getUint16(p, true);
  const i64 = (p: number) => Number(v.getBigInt64(p, true));
  const field = (table: number, slot: number): number => {
    const vt = table - i32(table);
    const at = 4 + 2 * slot;
    if (at >= u16(vt)) return 0;
    const off = u16(vt + at);
    return off === 0 ? 0 : table + off;
  };
  const deref = (p: number) => p + u32(p);

  const size = bytes.byteLength;
  const footerLengthField = size - 10;
  const footerLength = i32(footerLengthField);
  const footerStart = footerLengthField - footerLength;
  const footer = deref(footerStart);
  const blocks = (slot: number) => {
    const p = field(footer, slot);
    if (p === 0) return [];
    const vec = deref(p);
    return Array.from({ length: u32(vec) }, (_, i) => {
      const at = vec + 4 + 24 * i;
      return { offset: at, metaDataLength: at + 8, bodyLength: at + 16 };
    });
  };
  const dictionaryBlocks = blocks(2);
  const recordBatchBlocks = blocks(3);

  const message = (block: { offset: number; metaDataLength: number; bodyLength: number }, dictionary: boolean): MessageLayout => {
    const offset = i64(block.offset);
    const metaDataLength = i32(block.metaDataLength);
    const fbStart = offset + 8;
    const msg = deref(fbStart);
    let rb = deref(field(msg, 2));
    if (dictionary) rb = deref(field(rb, 1));
    const vec = (slot: number) => deref(field(rb, slot));
    const nodesVec = vec(1);
    const buffersVec = vec(2);
    return {
      offset,
      metaDataLength,
      rowCount: field(rb, 0),
      bodyLengthField: field(msg, 3),
      nodesLength: nodesVec,
      buffersLength: buffersVec,
      nodes: Array.from({ length: u32(nodesVec) }, (_, i) => ({ length: nodesVec + 4 + 16 * i, nullCount: nodesVec + 12 + 16 * i })),
      buffers: Array.from({ length: u32(buffersVec) }, (_, i) => ({ offset: buffersVec + 4 + 16 * i, length: buffersVec + 12 + 16 * i })),
      bodyStart: offset + metaDataLength,
      bodyLength: i64(block.bodyLength),
    };
  };
  return {
    size,
    footerStart,
    footerLength,
    footerLengthField,
    dictionaryBlocks,
    recordBatchBlocks,
    dictionaries: dictionaryBlocks.map((b) => message(b, true)),
    recordBatches: recordBatchBlocks.map((b) => message(b, false)),
  };
};

export const setInt32 = (bytes: Uint8Array, at: number, value: number): Uint8Array => {
  const out = bytes.slice();
  new DataView(out.buffer).setInt32(at, value, true);
  return out;
};

export const setInt64 = (bytes: Uint8Array, at: number, value: bigint): Uint8Array => {
  const out = bytes.slice();
  new DataView(out.buffer).setBigInt64(at, value, true);
  return out;
};

export const readInt64 = (bytes: Uint8Array, at: number): bigint => new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(at, true);
