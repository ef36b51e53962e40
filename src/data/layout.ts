/**
 * What a record batch's header must say, given the schema: one node per column (and per list
 * child) with the batch's row count (times the list size), and buffers at least as long as those
 * rows need. A header that disagrees with itself (a row count of 999 over columns of 1000 rows, a
 * buffer too short for its rows) is corrupt; checking it here, before any byte of the body is
 * used, is what keeps a bad header from dropping rows silently or reading past a buffer.
 */
import { DataType, Precision, type Field } from 'apache-arrow';
import type { RecordBatchInfo } from './ipc.ts';

/** A node the header must have: `length` rows (undefined: not known from the parent, e.g. a List's child). */
interface NodeSpec {
  readonly column: string;
  readonly length: number | undefined;
}

/** A buffer the header must have; `bytes(nodeLength)` is its minimum size. */
interface BufferSpec {
  readonly column: string;
  readonly node: number;
  readonly bytes: (length: number, nullCount: number) => number;
}

const validity = (column: string, node: number): BufferSpec => ({ column, node, bytes: (n, nulls) => (nulls > 0 ? Math.ceil(n / 8) : 0) });
const fixed = (column: string, node: number, width: number): BufferSpec => ({ column, node, bytes: (n) => n * width });
const offsets = (column: string, node: number, width: number): BufferSpec => ({ column, node, bytes: (n) => (n + 1) * width });

/**
 * The nodes and buffers a record batch of `rows` rows must have, in header order; or the name
 * of a column whose type this check does not know (such files are refused: their headers cannot
 * be checked).
 */
export const expectedLayout = (fields: readonly Field[], rows: number): { nodes: NodeSpec[]; buffers: BufferSpec[] } | { unsupported: string } => {
  const nodes: NodeSpec[] = [];
  const buffers: BufferSpec[] = [];
  let unsupported: string | undefined;
  const walk = (type: DataType, column: string, length: number | undefined): void => {
    const node = nodes.length;
    nodes.push({ column, length });
    if (DataType.isDictionary(type)) {
      buffers.push(validity(column, node), fixed(column, node, type.indices.bitWidth / 8));
    } else if (DataType.isInt(type)) {
      buffers.push(validity(column, node), fixed(column, node, type.bitWidth / 8));
    } else if (DataType.isFloat(type)) {
      const width = type.precision === Precision.HALF ? 2 : type.precision === Precision.SINGLE ? 4 : 8;
      buffers.push(validity(column, node), fixed(column, node, width));
    } else if (DataType.isBool(type)) {
      buffers.push(validity(column, node), { column, node, bytes: (n) => Math.ceil(n / 8) });
    } else if (DataType.isUtf8(type) || DataType.isBinary(type)) {
      buffers.push(validity(column, node), offsets(column, node, 4), { column, node, bytes: () => 0 });
    } else if (DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) {
      buffers.push(validity(column, node), offsets(column, node, 8), { column, node, bytes: () => 0 });
    } else if (DataType.isFixedSizeList(type)) {
      buffers.push(validity(column, node));
      walk(type.children[0].type, column, length === undefined ? undefined : length * type.listSize);
    } else if (DataType.isList(type)) {
      buffers.push(validity(column, node), offsets(column, node, 4));
      walk(type.children[0].type, column, undefined);
    } else if (DataType.isStruct(type)) {
      buffers.push(validity(column, node));
      for (const c of type.children) walk(c.type, column, length);
    } else if (DataType.isNull(type)) {
      // No buffers.
    } else unsupported ??= `column '${column}' has type ${String(type)}, which this reader does not read`;
  };
  for (const f of fields) walk(f.type, f.name, rows);
  return unsupported ? { unsupported } : { nodes, buffers };
};

/** What is wrong with a record batch header for these fields, or undefined. */
export const checkLayout = (fields: readonly Field[], h: RecordBatchInfo): string | undefined => {
  const layout = expectedLayout(fields, h.rows);
  if ('unsupported' in layout) return layout.unsupported;
  if (h.nodes.length !== layout.nodes.length) return `has ${h.nodes.length} column nodes, the schema needs ${layout.nodes.length}`;
  if (h.buffers.length !== layout.buffers.length) return `has ${h.buffers.length} buffers, the schema needs ${layout.buffers.length}`;
  for (let i = 0; i < layout.nodes.length; i++) {
    const want = layout.nodes[i].length;
    const got = h.nodes[i].length;
    if (want !== undefined && got !== want)
      return `column '${layout.nodes[i].column}' has ${got} values, the batch's ${h.rows} rows need ${want} (corrupt row count or node)`;
  }
  if (h.compressed) return undefined; // buffer lengths are compressed sizes
  for (let i = 0; i < layout.buffers.length; i++) {
    const spec = layout.buffers[i];
    const node = h.nodes[spec.node];
    const need = spec.bytes(node.length, node.nullCount);
    if (h.buffers[i].length < need) return `column '${spec.column}' has a ${h.buffers[i].length}-byte buffer where ${node.length} values need ${need}`;
  }
  return undefined;
};
