/**
 * Just enough of a WebAssembly binary encoder to write the Sinkhorn kernels by hand
 * (no toolchain is available at build time, and the kernels are small). Instructions are
 * emitted as byte arrays; `op` holds the opcodes used, `simd` the 0xFD-prefixed ones.
 */

export const valType = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof valType)[keyof typeof valType];

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};

export const sleb = (n: number): number[] => {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};

const f64Bytes = (x: number): number[] => Array.from(new Uint8Array(new Float64Array([x]).buffer));
const i64Bytes = (n: number): number[] => Array.from(new Uint8Array(new BigInt64Array([BigInt(n)]).buffer));

export type Code = readonly number[];
export const seq = (...parts: Code[]): number[] => parts.flat();

/** Scalar and control instructions. Memory offsets are byte offsets added to the address. */
export const op = {
  block: (body: Code): number[] => [0x02, 0x40, ...body, 0x0b],
  loop: (body: Code): number[] => [0x03, 0x40, ...body, 0x0b],
  /** `if` producing a value of type `t`. */
  ifElse: (t: ValType, then: Code, otherwise: Code): number[] => [0x04, t, ...then, 0x05, ...otherwise, 0x0b],
  if: (then: Code): number[] => [0x04, 0x40, ...then, 0x0b],
  ifVoidElse: (then: Code, otherwise: Code): number[] => [0x04, 0x40, ...then, 0x05, ...otherwise, 0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  f64: (x: number): number[] => [0x44, ...f64Bytes(x)],
  f64Load: (offset = 0): number[] => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0): number[] => [0x39, 3, ...uleb(offset)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32And: [0x71],
  i32GeU: [0x4f],
  f64Eq: [0x61],
  f64Ne: [0x62],
  f64Lt: [0x63],
  f64Le: [0x65],
  f64Ge: [0x66],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f64Min: [0xa4],
  f64Max: [0xa5],
} as const;

const simdOp = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];

/** 128-bit SIMD instructions (two f64 lanes, or two i64 / four i32 lanes on the same bits). */
export const simd = {
  load: (offset = 0): number[] => simdOp(0, 4, ...uleb(offset)),
  store: (offset = 0): number[] => simdOp(11, 4, ...uleb(offset)),
  /** v128.const with the same f64 in both lanes. */
  constF64: (x: number): number[] => simdOp(12, ...f64Bytes(x), ...f64Bytes(x)),
  splatF64: simdOp(20),
  /** v128.const with the same i64 in both lanes (n a safe integer). */
  constI64: (n: number): number[] => simdOp(12, ...i64Bytes(n), ...i64Bytes(n)),
  /** Loads one f64 into both lanes (address from the stack). */
  load64Splat: (offset = 0): number[] => simdOp(10, 3, ...uleb(offset)),
  /** [address, vector] → the vector with lane `lane` replaced by the f64 at address. */
  load64Lane: (lane: 0 | 1, offset = 0): number[] => simdOp(87, 3, ...uleb(offset), lane),
  extractI32: (lane: 0 | 1 | 2 | 3): number[] => simdOp(27, lane),
  extractF64: (lane: 0 | 1): number[] => simdOp(33, lane),
  lt: simdOp(73),
  gt: simdOp(74),
  and: simdOp(78),
  andnot: simdOp(79),
  bitselect: simdOp(82),
  i64Shl: simdOp(203),
  i64ShrS: simdOp(204),
  i64Add: simdOp(206),
  i64Sub: simdOp(209),
  add: simdOp(240),
  sub: simdOp(241),
  mul: simdOp(242),
  /** f64x2.min / max: NaN if either lane operand is NaN. */
  min: simdOp(244),
  max: simdOp(245),
  pmin: simdOp(246),
  pmax: simdOp(247),
} as const;

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  /** Extra locals, in order after the params. */
  readonly locals: readonly ValType[];
  readonly body: Code;
}

const section = (id: number, payload: Code): number[] => [id, ...uleb(payload.length), ...payload];
const vec = (items: readonly Code[]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
};

/** A module importing its memory as `env.memory` and exporting every function by name. */
export const assembleModule = (functions: readonly FunctionDef[]): Uint8Array => {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]];
  const funcs = functions.map((_, i) => uleb(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
};
