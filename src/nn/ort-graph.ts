/**
 * A small builder for ONNX graphs: values are names, every method appends one node (or
 * initializer) and returns the name of its output. Training steps are written with it as
 * forward pass, hand-derived backward pass and optimizer update in one graph (see ort-mlp.ts).
 */
import { ONNX_FLOAT, ONNX_INT64, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.ts';

export type Value = string;

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly floatConstants = new Map<string, Value>();
  /** Node outputs renamed into graph outputs: later uses of the old name read the new one. */
  private readonly renamed = new Map<Value, Value>();
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(hint: string): string {
    let n: string;
    do n = `${hint}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name ${name} is used twice`);
    this.names.add(name);
    return name;
  }

  /** A float graph input; dims may be symbolic ('batch'). */
  input(name: string, dims: readonly (number | string)[]): Value {
    this.inputs.push({ name: this.claim(name), dims });
    return name;
  }

  /**
   * Makes `value` a graph output called `name`. A node's own output is renamed (an Identity would
   * copy the tensor every run: ~10% of a training step when every weight and moment is an output);
   * a graph input, an initializer or a value already output goes through Identity.
   */
  output(given: Value, name: string, dims: readonly (number | string)[]): void {
    this.claim(name);
    const value = this.renamed.get(given) ?? given;
    const producer = this.nodes.findIndex((n) => n.outputs.includes(value));
    if (producer >= 0 && !this.outputs.some((o) => o.name === value)) {
      const rename = (xs: readonly string[]): string[] => xs.map((x) => (x === value ? name : x));
      for (let i = 0; i < this.nodes.length; i++) {
        const n = this.nodes[i];
        if (n.inputs.includes(value) || n.outputs.includes(value)) this.nodes[i] = { ...n, inputs: rename(n.inputs), outputs: rename(n.outputs) };
      }
      this.renamed.set(given, name);
      this.renamed.set(value, name);
    } else this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [name], name: `out_${name}`, attributes: [] });
    this.outputs.push({ name, dims });
  }

  /** A float constant (one initializer per distinct scalar value). */
  constant(data: readonly number[] | Float32Array, dims: readonly number[] = []): Value {
    const key = dims.length === 0 ? String(Math.fround(data[0])) : undefined;
    const known = key !== undefined ? this.floatConstants.get(key) : undefined;
    if (known) return known;
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: ONNX_FLOAT, dims, data: Float32Array.from(data) });
    if (key !== undefined) this.floatConstants.set(key, name);
    return name;
  }

  scalar(x: number): Value {
    return this.constant([x]);
  }

  /** An int64 constant (axes, shapes, slice bounds). */
  ints(values: readonly number[]): Value {
    const name = this.fresh('ints');
    this.initializers.push({ name, dataType: ONNX_INT64, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  op(opType: string, inputs: readonly Value[], attributes: readonly OnnxAttribute[] = [], outputCount = 1): Value[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs: inputs.map((i) => this.renamed.get(i) ?? i), outputs, name: this.fresh(`n_${opType}`), attributes });
    return outputs;
  }

  private one(opType: string, inputs: readonly Value[], attributes: readonly OnnxAttribute[] = []): Value {
    return this.op(opType, inputs, attributes)[0];
  }

  add = (a: Value, b: Value): Value => this.one('Add', [a, b]);
  sub = (a: Value, b: Value): Value => this.one('Sub', [a, b]);
  mul = (a: Value, b: Value): Value => this.one('Mul', [a, b]);
  div = (a: Value, b: Value): Value => this.one('Div', [a, b]);
  neg = (a: Value): Value => this.one('Neg', [a]);
  sqrt = (a: Value): Value => this.one('Sqrt', [a]);
  exp = (a: Value): Value => this.one('Exp', [a]);
  tanh = (a: Value): Value => this.one('Tanh', [a]);
  relu = (a: Value): Value => this.one('Relu', [a]);
  abs = (a: Value): Value => this.one('Abs', [a]);
  reshape = (a: Value, shape: readonly number[]): Value => this.one('Reshape', [a, this.ints(shape)]);
  /** A tensor of ones shaped like `a`. */
  onesLike = (a: Value): Value => this.one('Expand', [this.scalar(1), this.one('Shape', [a])]);
  atanh = (a: Value): Value => this.one('Atanh', [a]);
  /** 0/1 for a ReLU output (sign of a non-negative number). */
  sign = (a: Value): Value => this.one('Sign', [a]);
  matmul = (a: Value, b: Value): Value => this.one('MatMul', [a, b]);
  /** α·op(a)·op(b) + c (2-D only); c broadcasts (a bias row). */
  gemm = (a: Value, b: Value, c: Value | undefined, o: { transA?: boolean; transB?: boolean } = {}): Value =>
    this.one('Gemm', c === undefined ? [a, b] : [a, b, c], [
      { name: 'transA', kind: 'int', value: o.transA ? 1 : 0 },
      { name: 'transB', kind: 'int', value: o.transB ? 1 : 0 },
    ]);
  transpose = (a: Value, perm: readonly number[]): Value => this.one('Transpose', [a], [{ name: 'perm', kind: 'ints', value: perm }]);
  concat = (values: readonly Value[], axis: number): Value => this.one('Concat', values, [{ name: 'axis', kind: 'int', value: axis }]);
  /** Equal parts along `axis`. */
  split = (a: Value, parts: number, axis: number): Value[] => this.op('Split', [a], [{ name: 'axis', kind: 'int', value: axis }], parts);
  slice = (a: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[]): Value =>
    this.one('Slice', [a, this.ints(starts), this.ints(ends), this.ints(axes)]);
  clip = (a: Value, min: number, max: number): Value => this.one('Clip', [a, this.scalar(min), this.scalar(max)]);
  reduceSum = (a: Value, axes: readonly number[], keepdims: boolean): Value =>
    this.one('ReduceSum', [a, this.ints(axes)], [{ name: 'keepdims', kind: 'int', value: keepdims ? 1 : 0 }]);
  reduceMean = (a: Value, axes: readonly number[], keepdims: boolean): Value =>
    this.one('ReduceMean', [a], [
      { name: 'axes', kind: 'ints', value: axes },
      { name: 'keepdims', kind: 'int', value: keepdims ? 1 : 0 },
    ]);
  reduceMin = (a: Value, axes: readonly number[], keepdims: boolean): Value =>
    this.one('ReduceMin', [a], [
      { name: 'axes', kind: 'ints', value: axes },
      { name: 'keepdims', kind: 'int', value: keepdims ? 1 : 0 },
    ]);
  /** 1 where a = b, else 0 (float). */
  equalMask = (a: Value, b: Value): Value => this.toFloat(this.one('Equal', [a, b]));
  /** 1 where lo ≤ a ≤ hi, else 0 (float): the gradient mask of a clip. */
  insideMask = (a: Value, lo: number, hi: number): Value =>
    this.toFloat(this.one('And', [this.one('GreaterOrEqual', [a, this.scalar(lo)]), this.one('LessOrEqual', [a, this.scalar(hi)])]));
  toFloat = (a: Value): Value => this.one('Cast', [a], [{ name: 'to', kind: 'int', value: ONNX_FLOAT }]);
  /** The size of axis `axis` of `a` as a float scalar (symbolic batch sizes). */
  dimAsFloat = (a: Value, axis: number): Value =>
    this.toFloat(this.one('Gather', [this.one('Shape', [a]), this.ints([axis])], [{ name: 'axis', kind: 'int', value: 0 }]));
  /** The number of elements of `a` as a float scalar. */
  sizeAsFloat = (a: Value): Value => this.toFloat(this.one('Size', [a]));
  /** Squeezes a [1] float to a scalar []. */
  scalarOf = (a: Value): Value => this.one('Reshape', [a, this.ints([])]);

  build(): OnnxGraph {
    return { name: this.name, nodes: [...this.nodes], initializers: [...this.initializers], inputs: [...this.inputs], outputs: [...this.outputs] };
  }
}
