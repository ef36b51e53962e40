/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version 8) our training graphs
 * need, serialised by hand: a model is a few hundred small messages, and the wire format is only
 * varints and length-delimited fields (protobuf encoding: key = field << 3 | wire type; wire type
 * 0 = varint, 2 = length-delimited, 5 = 32-bit). Field numbers below are those of onnx.proto.
 */

/** TensorProto.DataType values we use. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  readonly dims: readonly number[];
  /** Float32Array for FLOAT, BigInt64Array for INT64. */
  readonly data: Float32Array | BigInt64Array;
}

export type OnnxAttribute =
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'float'; readonly value: number }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly attributes: readonly OnnxAttribute[];
}

/** A graph input/output: float tensor whose dims are numbers or symbolic names ('batch'). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** A growable byte sink with the three protobuf primitives. */
class Writer {
  private bytes = new Uint8Array(256);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Unsigned varint of a non-negative safe integer (BigInt arithmetic above 2^31). */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.bytes[this.length++] = v > 0n ? low | 0x80 : low;
    } while (v > 0n);
    return this;
  }

  key(field: number, wire: 0 | 2 | 5): this {
    return this.varint((field << 3) | wire);
  }

  raw(data: Uint8Array): this {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Field `field` as a length-delimited payload (sub-message, string or bytes). */
  delimited(field: number, payload: Uint8Array): this {
    return this.key(field, 2).varint(payload.length).raw(payload);
  }

  string(field: number, s: string): this {
    return this.delimited(field, new TextEncoder().encode(s));
  }

  int(field: number, value: number | bigint): this {
    return this.key(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.key(field, 5).raw(b);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const message = (fill: (w: Writer) => void): Uint8Array => {
  const w = new Writer();
  fill(w);
  return w.finish();
};

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian element bytes).
const tensorProto = (t: OnnxTensor): Uint8Array =>
  message((w) => {
    for (const d of t.dims) w.int(1, d);
    w.int(2, t.dataType);
    w.string(8, t.name);
    w.delimited(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
const attributeProto = (a: OnnxAttribute): Uint8Array =>
  message((w) => {
    w.string(1, a.name);
    if (a.kind === 'float') w.float(2, a.value).int(20, 1);
    else if (a.kind === 'int') w.int(3, a.value).int(20, 2);
    else {
      for (const v of a.value) w.int(8, v);
      w.int(20, 7);
    }
  });

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
const nodeProto = (n: OnnxNode): Uint8Array =>
  message((w) => {
    for (const i of n.inputs) w.string(1, i);
    for (const o of n.outputs) w.string(2, o);
    w.string(3, n.name);
    w.string(4, n.opType);
    for (const a of n.attributes) w.delimited(5, attributeProto(a));
  });

// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 →
// TensorShapeProto.dim 1 → dim_value 1 | dim_param 2.
const valueInfoProto = (v: OnnxValueInfo): Uint8Array =>
  message((w) => {
    w.string(1, v.name);
    const shape = message((s) => {
      for (const d of v.dims) s.delimited(1, message((dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))));
    });
    const tensorType = message((tt) => tt.int(1, ONNX_FLOAT).delimited(2, shape));
    w.delimited(2, message((tp) => tp.delimited(1, tensorType)));
  });

// GraphProto: node 1, name 2, initializer 5, input 11, output 12.
const graphProto = (g: OnnxGraph): Uint8Array =>
  message((w) => {
    for (const n of g.nodes) w.delimited(1, nodeProto(n));
    w.string(2, g.name);
    for (const t of g.initializers) w.delimited(5, tensorProto(t));
    for (const i of g.inputs) w.delimited(11, valueInfoProto(i));
    for (const o of g.outputs) w.delimited(12, valueInfoProto(o));
  });

/** IR version 8 with the default-domain opset 17 (ReduceMean's axes still an attribute there). */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

// ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (domain 1, version 2).
export const serializeModel = (graph: OnnxGraph): Uint8Array =>
  message((w) => {
    w.int(1, ONNX_IR_VERSION);
    w.string(2, 'distillery');
    w.delimited(7, graphProto(graph));
    w.delimited(8, message((o) => o.string(1, '').int(2, ONNX_OPSET)));
  });
