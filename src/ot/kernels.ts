/**
 * The O(n·m) passes of Sinkhorn as WebAssembly SIMD kernels (two f64 lanes), plus the
 * workspace that lays the problem out in the module's memory.
 *
 * Why WebAssembly: V8 does not vectorize plain loops, and a Sinkhorn iteration is two
 * dense matrix-vector products over an n×m kernel; with SIMD and no bounds checks the
 * kernels run several times faster than the equivalent typed-array loops.
 *
 * Layout: the module memory starts with exp's 2 KiB table of 2^(j/256), then the workspace.
 * Rows are padded to `stride` = m rounded up to a multiple of 4, so every row starts
 * 32-byte aligned and the loops need no scalar tails. Padding columns carry β = −∞, which makes
 * the kernel entries there exactly 0: they add nothing to any product, marginal or cost.
 */
import { assembleModule, op, simd, seq, valType as t, type Code, type FunctionDef } from './wasm-assembler.ts';

const { i32, f64, v128 } = t;

/** `for (idx = 0; idx < limit; idx += step) body` over i32 locals. */
const forRange = (idx: number, limit: number, step: number, body: Code): number[] =>
  seq(
    op.i32(0),
    op.set(idx),
    op.block(
      op.loop(
        seq(
          op.get(idx),
          op.get(limit),
          op.i32GeU,
          op.brIf(1),
          body,
          op.get(idx),
          op.i32(step),
          op.i32Add,
          op.set(idx),
          op.br(0),
        ),
      ),
    ),
  );

const addr = (...locals: number[]): number[] => seq(op.get(locals[0]), ...locals.slice(1).map((l) => seq(op.get(l), op.i32Add)));

/** Bounds of the argument range where exp is evaluated; outside, the result is 0 or +∞. */
export const EXP_MIN_ARG = -708;
export const EXP_MAX_ARG = 709;
const SHIFT = 6755399441055744; // 1.5·2^52: adding it rounds to an integer kept in the low mantissa bits
const LN2_HI = 0.6931471803691238; // ln 2 with the low 21 mantissa bits zero, so k·LN2_HI is exact
const LN2_LO = 1.9082149292705877e-10;
/**
 * exp(x) = 2^(k/N) · e^r with k = round(x·N/ln2), r = x − k·ln2/N, |r| ≤ ln2/(2N). A table of
 * 2^(j/N) (N = 256, 2 KiB at the start of the module memory, in L1) leaves a polynomial of
 * degree 4 for e^r (truncation r⁵/5! < 4e-17) where the table-free form needed degree 12: about
 * a third fewer instructions per element, and the two scalar table loads run beside the SIMD math.
 */
const TABLE_BITS = 8;
const TABLE_SIZE = 1 << TABLE_BITS;
/** Byte offset of the 2^(j/N) table in the module memory; the workspace starts after it. */
const EXP_TABLE_AT = 0;
const WORKSPACE_AT = TABLE_SIZE * 8;
const expTable = (): Float64Array => Float64Array.from({ length: TABLE_SIZE }, (_, j) => 2 ** (j / TABLE_SIZE));

type Constant = (bytes: number[]) => number[];

/**
 * exp on both lanes of local `x`, leaving the result on the stack. Locals: xc, kd, kf, r, r2,
 * idx, s (v128). `k` yields a v128 constant (inline or hoisted into a local). Unless `checked`
 * is false (the caller has proven every x within [EXP_MIN_ARG, EXP_MAX_ARG]: the same results
 * with six instructions fewer), x is clamped and out-of-range lanes become 0 or +∞.
 */
const expLanes = (x: number, [xc, kd, kf, r, r2, idx, s]: readonly number[], k: Constant, checked = true): number[] => {
  const f = (value: number): number[] => k(simd.constF64(value));
  return seq(
    checked ? f(Infinity) : [],
    // xc = clamp(x, EXP_MIN_ARG, EXP_MAX_ARG); kd = k + SHIFT; kf = k
    op.get(x),
    checked ? seq(f(EXP_MIN_ARG), simd.pmax, f(EXP_MAX_ARG), simd.pmin) : [],
    op.tee(xc),
    f(TABLE_SIZE / Math.LN2),
    simd.mul,
    f(SHIFT),
    simd.add,
    op.tee(kd),
    f(SHIFT),
    simd.sub,
    op.set(kf),
    // r = xc − kf·ln2/N in two parts (kf·LN2_HI/N is exact for |k| < 2^21)
    op.get(xc),
    op.get(kf),
    f(LN2_HI / TABLE_SIZE),
    simd.mul,
    simd.sub,
    op.get(kf),
    f(LN2_LO / TABLE_SIZE),
    simd.mul,
    simd.sub,
    op.tee(r),
    op.get(r),
    simd.mul,
    op.set(r2),
    // byte offsets of 2^(j/N), j = k mod N (the low bits of kd's mantissa)
    op.get(kd),
    op.i32(3),
    simd.i64Shl,
    k(simd.constI64((TABLE_SIZE - 1) << 3)),
    simd.and,
    op.tee(idx),
    simd.extractI32(2),
    op.get(idx),
    simd.extractI32(0),
    simd.load64Splat(EXP_TABLE_AT),
    simd.load64Lane(1, EXP_TABLE_AT),
    // · 2^⌊k/N⌋ added straight into the exponent bits: kd's mantissa holds k in two's complement,
    // so shifting it left by 52 − TABLE_BITS leaves ⌊k/N⌋ mod 2^12 in the sign and exponent
    // bits, and the 64-bit add wraps exactly as the exponent arithmetic needs.
    op.get(kd),
    op.i32(52 - TABLE_BITS),
    simd.i64Shl,
    k(simd.constI64(-(2 ** 52))),
    simd.and,
    simd.i64Add,
    op.tee(s),
    // s·e^r = s + s·(r + r²·(1/2 + r/6 + r²/24))
    op.get(s),
    op.get(r),
    f(1 / 6),
    simd.mul,
    f(1 / 2),
    simd.add,
    op.get(r2),
    f(1 / 24),
    simd.mul,
    simd.add,
    op.get(r2),
    simd.mul,
    op.get(r),
    simd.add,
    simd.mul,
    simd.add,
    // below range → 0, above range → +∞
    checked ? seq(op.get(x), f(EXP_MIN_ARG), simd.lt, simd.andnot, op.get(x), f(EXP_MAX_ARG), simd.gt, simd.bitselect) : [],
  );
};

/**
 * exp(M_ij·scale + α_i + β_j) → K_ij over n rows of `stride` columns.
 * The constants of exp live in locals set once (`hoist`), or are inline v128.const.
 * With `ktu`, the kernel also accumulates kt_j += K_ij·u_i (kt zero on entry; two more params,
 * u and kt): the first Kᵀu of the standard iteration without reading K back from memory.
 * With `plain`, x = M_ij·scale (α and β are ignored) and is not range-checked: the caller must
 * have proven every M_ij·scale within [EXP_MIN_ARG, EXP_MAX_ARG] (`range`), and padding columns
 * come out as exp(0) = 1, not 0.
 */
export const makeExpKernel = (hoist: boolean, ktu = false, plain = false): FunctionDef => {
  const [M, K, A, B, N, S, SCALE, U, KT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const p = ktu ? 9 : 7;
  const [I, J, ROW, ROWB, AV, SC, X, Y, UV] = [p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8];
  const temps = [p + 9, p + 10, p + 11, p + 12, p + 13, p + 14, p + 15];
  const temps2 = [p + 16, p + 17, p + 18, p + 19, p + 20, p + 21, p + 22];
  const firstConstant = p + 23;
  const pool = new Map<string, { local: number; bytes: number[] }>();
  const constant: Constant = (bytes) => {
    if (!hoist) return bytes;
    const key = bytes.join(',');
    let entry = pool.get(key);
    if (entry === undefined) {
      entry = { local: firstConstant + pool.size, bytes };
      pool.set(key, entry);
    }
    return op.get(entry.local);
  };
  const loop = forRange(
    I,
    N,
    1,
    seq(
      op.get(A),
      op.get(I),
      op.i32(3),
      op.i32Shl,
      op.i32Add,
      op.f64Load(),
      simd.splatF64,
      op.set(AV),
      ktu ? seq(op.get(U), op.get(I), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), simd.splatF64, op.set(UV)) : [],
      // Two independent pairs per step (rows are a multiple of 4 wide): their chains interleave.
      forRange(
        J,
        ROWB,
        32,
        seq(
          ...[
            [0, X],
            [16, Y],
          ].map(([o, v]) =>
            seq(addr(M, ROW, J), simd.load(o), op.get(SC), simd.mul, plain ? [] : seq(op.get(AV), simd.add, addr(B, J), simd.load(o), simd.add), op.set(v)),
          ),
          addr(K, ROW, J),
          expLanes(X, temps, constant, !plain),
          op.tee(X),
          simd.store(0),
          addr(K, ROW, J),
          expLanes(Y, temps2, constant, !plain),
          op.tee(Y),
          simd.store(16),
          ktu
            ? seq(
                ...[
                  [0, X],
                  [16, Y],
                ].map(([o, v]) => seq(addr(KT, J), addr(KT, J), simd.load(o), op.get(v), op.get(UV), simd.mul, simd.add, simd.store(o))),
              )
            : [],
        ),
      ),
      op.get(ROW),
      op.get(ROWB),
      op.i32Add,
      op.set(ROW),
    ),
  );
  const init = [...pool.values()].flatMap(({ local, bytes }) => seq(bytes, op.set(local)));
  return {
    name: `exp${ktu ? 'Ktu' : ''}${plain ? 'Plain' : ''}Kernel`,
    params: [i32, i32, i32, i32, i32, i32, f64, ...(ktu ? [i32, i32] : [])],
    results: [],
    locals: [i32, i32, i32, i32, v128, v128, v128, v128, v128, ...temps.map(() => v128), ...temps2.map(() => v128), ...[...pool.keys()].map(() => v128)],
    body: seq(init, op.get(S), op.i32(3), op.i32Shl, op.set(ROWB), op.get(SCALE), simd.splatF64, op.set(SC), op.i32(0), op.set(ROW), loop),
  };
};
const expKernel = makeExpKernel(true);
const expKtuKernel = makeExpKernel(true, true);
const expKtuPlainKernel = makeExpKernel(true, true, true);

/** kt_j += K_ij·u for the two pairs at byte offsets 0 and 16 from J; ROW holds the row's address. */
const axpy2 = (ROW: number, KT: number, J: number, UV: number): number[] =>
  seq(
    ...[0, 16].map((o) =>
      seq(addr(KT, J), addr(KT, J), simd.load(o), addr(ROW, J), simd.load(o), op.get(UV), simd.mul, simd.add, simd.store(o)),
    ),
  );

/** kt = Kᵀu (kt must be zero on entry). */
const ktuKernel: FunctionDef = (() => {
  const [K, U, KT, N, S] = [0, 1, 2, 3, 4];
  const [I, J, ROW, ROWB, UV] = [5, 6, 7, 8, 9];
  return {
    name: 'ktuKernel',
    params: [i32, i32, i32, i32, i32],
    results: [],
    locals: [i32, i32, i32, i32, v128],
    body: seq(
      op.get(S),
      op.i32(3),
      op.i32Shl,
      op.set(ROWB),
      op.get(K),
      op.set(ROW),
      forRange(
        I,
        N,
        1,
        seq(
          op.get(U),
          op.get(I),
          op.i32(3),
          op.i32Shl,
          op.i32Add,
          op.f64Load(),
          simd.splatF64,
          op.set(UV),
          forRange(J, ROWB, 32, axpy2(ROW, KT, J, UV)),
          op.get(ROW),
          op.get(ROWB),
          op.i32Add,
          op.set(ROW),
        ),
      ),
    ),
  };
})();

/**
 * One fused half-and-half Sinkhorn pass, row by row while the row is in cache:
 * u_i = a_i / (K v)_i, then kt += u_i · K_i (so kt = Kᵀu for the next v update).
 * Rows with a_i = 0 get u_i = 0. A row whose u_i is outside [lo, hi] (or NaN) is stored but left
 * out of kt and counted; the caller repairs it. Returns the number of such rows.
 */
const rowPassKernel: FunctionDef = (() => {
  const [K, V, A, U, KT, N, S, LO, HI] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [I, J, ROW, ROWB, FLAGGED, ACC0, ACC1, SUM, UI, AI, UV] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const iOffset = (base: number): number[] => seq(op.get(base), op.get(I), op.i32(3), op.i32Shl, op.i32Add);
  return {
    name: 'rowPass',
    params: [i32, i32, i32, i32, i32, i32, i32, f64, f64],
    results: [i32],
    locals: [i32, i32, i32, i32, i32, v128, v128, f64, f64, f64, v128],
    body: seq(
      op.get(S),
      op.i32(3),
      op.i32Shl,
      op.set(ROWB),
      op.get(K),
      op.set(ROW),
      op.i32(0),
      op.set(FLAGGED),
      forRange(
        I,
        N,
        1,
        seq(
          simd.constF64(0),
          op.set(ACC0),
          simd.constF64(0),
          op.set(ACC1),
          forRange(
            J,
            ROWB,
            32,
            seq(
              op.get(ACC0),
              addr(ROW, J),
              simd.load(0),
              addr(V, J),
              simd.load(0),
              simd.mul,
              simd.add,
              op.set(ACC0),
              op.get(ACC1),
              addr(ROW, J),
              simd.load(16),
              addr(V, J),
              simd.load(16),
              simd.mul,
              simd.add,
              op.set(ACC1),
            ),
          ),
          op.get(ACC0),
          op.get(ACC1),
          simd.add,
          op.tee(ACC0),
          simd.extractF64(0),
          op.get(ACC0),
          simd.extractF64(1),
          op.f64Add,
          op.set(SUM),
          iOffset(A),
          op.f64Load(),
          op.set(AI),
          iOffset(U),
          op.get(AI),
          op.f64(0),
          op.f64Eq,
          op.ifElse(f64, op.f64(0), seq(op.get(AI), op.get(SUM), op.f64Div)),
          op.tee(UI),
          op.f64Store(),
          op.get(AI),
          op.f64(0),
          op.f64Ne,
          op.if(
            seq(
              op.get(UI),
              op.get(LO),
              op.f64Ge,
              op.get(UI),
              op.get(HI),
              op.f64Le,
              op.i32And,
              op.ifVoidElse(
                seq(op.get(UI), simd.splatF64, op.set(UV), forRange(J, ROWB, 32, axpy2(ROW, KT, J, UV))),
                seq(op.get(FLAGGED), op.i32(1), op.i32Add, op.set(FLAGGED)),
              ),
            ),
          ),
          op.get(ROW),
          op.get(ROWB),
          op.i32Add,
          op.set(ROW),
        ),
      ),
      op.get(FLAGGED),
    ),
  };
})();

/** K_ij ← u_i·K_ij·v_j in place (the plan), returning Σ_ij P_ij·M_ij. */
const planCostKernel: FunctionDef = (() => {
  const [K, M, U, V, N, S] = [0, 1, 2, 3, 4, 5];
  const [I, J, ROW, ROWB, UV, ACC0, ACC1, P] = [6, 7, 8, 9, 10, 11, 12, 13];
  const pair = (o: number, acc: number): number[] =>
    seq(
      addr(K, ROW, J),
      addr(K, ROW, J),
      simd.load(o),
      op.get(UV),
      simd.mul,
      addr(V, J),
      simd.load(o),
      simd.mul,
      op.tee(P),
      simd.store(o),
      op.get(acc),
      op.get(P),
      addr(M, ROW, J),
      simd.load(o),
      simd.mul,
      simd.add,
      op.set(acc),
    );
  return {
    name: 'planCost',
    params: [i32, i32, i32, i32, i32, i32],
    results: [f64],
    locals: [i32, i32, i32, i32, v128, v128, v128, v128],
    body: seq(
      op.get(S),
      op.i32(3),
      op.i32Shl,
      op.set(ROWB),
      op.i32(0),
      op.set(ROW),
      simd.constF64(0),
      op.set(ACC0),
      simd.constF64(0),
      op.set(ACC1),
      forRange(
        I,
        N,
        1,
        seq(
          op.get(U),
          op.get(I),
          op.i32(3),
          op.i32Shl,
          op.i32Add,
          op.f64Load(),
          simd.splatF64,
          op.set(UV),
          forRange(J, ROWB, 32, seq(pair(0, ACC0), pair(16, ACC1))),
          op.get(ROW),
          op.get(ROWB),
          op.i32Add,
          op.set(ROW),
        ),
      ),
      op.get(ACC0),
      op.get(ACC1),
      simd.add,
      op.tee(ACC0),
      simd.extractF64(0),
      op.get(ACC0),
      simd.extractF64(1),
      op.f64Add,
    ),
  };
})();

/**
 * Reductions of M_ij·scale + w (w = α_i or β_j) used to shift the log-domain kernel:
 * colMax: out_j = max_i (M_ij·scale + α_i); rowMax: out_i = max_j (M_ij·scale + β_j).
 * out must hold −∞ on entry for colMax.
 */
const colMaxKernel: FunctionDef = (() => {
  const [M, A, OUT, N, S, SCALE] = [0, 1, 2, 3, 4, 5];
  const [I, J, ROW, ROWB, AV, SC] = [6, 7, 8, 9, 10, 11];
  return {
    name: 'colMax',
    params: [i32, i32, i32, i32, i32, f64],
    results: [],
    locals: [i32, i32, i32, i32, v128, v128],
    body: seq(
      op.get(S),
      op.i32(3),
      op.i32Shl,
      op.set(ROWB),
      op.get(SCALE),
      simd.splatF64,
      op.set(SC),
      op.get(M),
      op.set(ROW),
      forRange(
        I,
        N,
        1,
        seq(
          op.get(A),
          op.get(I),
          op.i32(3),
          op.i32Shl,
          op.i32Add,
          op.f64Load(),
          simd.splatF64,
          op.set(AV),
          forRange(
            J,
            ROWB,
            16,
            seq(addr(OUT, J), addr(ROW, J), simd.load(), op.get(SC), simd.mul, op.get(AV), simd.add, addr(OUT, J), simd.load(), simd.pmax, simd.store()),
          ),
          op.get(ROW),
          op.get(ROWB),
          op.i32Add,
          op.set(ROW),
        ),
      ),
    ),
  };
})();

const rowMaxKernel: FunctionDef = (() => {
  const [M, B, OUT, N, S, SCALE] = [0, 1, 2, 3, 4, 5];
  const [I, J, ROW, ROWB, ACC, SC] = [6, 7, 8, 9, 10, 11];
  return {
    name: 'rowMax',
    params: [i32, i32, i32, i32, i32, f64],
    results: [],
    locals: [i32, i32, i32, i32, v128, v128],
    body: seq(
      op.get(S),
      op.i32(3),
      op.i32Shl,
      op.set(ROWB),
      op.get(SCALE),
      simd.splatF64,
      op.set(SC),
      op.get(M),
      op.set(ROW),
      forRange(
        I,
        N,
        1,
        seq(
          simd.constF64(-Infinity),
          op.set(ACC),
          forRange(J, ROWB, 16, seq(addr(ROW, J), simd.load(), op.get(SC), simd.mul, addr(B, J), simd.load(), simd.add, op.get(ACC), simd.pmax, op.set(ACC))),
          op.get(OUT),
          op.get(I),
          op.i32(3),
          op.i32Shl,
          op.i32Add,
          op.get(ACC),
          simd.extractF64(0),
          op.get(ACC),
          simd.extractF64(1),
          op.f64Max,
          op.f64Store(),
          op.get(ROW),
          op.get(ROWB),
          op.i32Add,
          op.set(ROW),
        ),
      ),
    ),
  };
})();

/**
 * [min, max] of `count` values (count even). Both are NaN if any value is (f64x2.min/max propagate
 * NaN), so one pass tells whether the values are finite and bounds exp's arguments.
 */
const rangeKernel: FunctionDef = (() => {
  const [X, COUNT] = [0, 1];
  const [J, BYTES, LO, HI, V] = [2, 3, 4, 5, 6];
  return {
    name: 'range',
    params: [i32, i32],
    results: [f64, f64],
    locals: [i32, i32, v128, v128, v128],
    body: seq(
      op.get(COUNT),
      op.i32(3),
      op.i32Shl,
      op.set(BYTES),
      simd.constF64(Infinity),
      op.set(LO),
      simd.constF64(-Infinity),
      op.set(HI),
      forRange(J, BYTES, 16, seq(addr(X, J), simd.load(), op.tee(V), op.get(LO), simd.min, op.set(LO), op.get(V), op.get(HI), simd.max, op.set(HI))),
      op.get(LO),
      simd.extractF64(0),
      op.get(LO),
      simd.extractF64(1),
      op.f64Min,
      op.get(HI),
      simd.extractF64(0),
      op.get(HI),
      simd.extractF64(1),
      op.f64Max,
    ),
  };
})();

interface KernelExports {
  expKernel(m: number, k: number, alpha: number, beta: number, n: number, stride: number, scale: number): void;
  /** expKernel, and kt += Kᵀu in the same pass (kt zero on entry). */
  expKtuKernel(m: number, k: number, alpha: number, beta: number, n: number, stride: number, scale: number, u: number, kt: number): void;
  ktuKernel(k: number, u: number, kt: number, n: number, stride: number): void;
  rowPass(k: number, v: number, a: number, u: number, kt: number, n: number, stride: number, lo: number, hi: number): number;
  planCost(k: number, m: number, u: number, v: number, n: number, stride: number): number;
  colMax(m: number, alpha: number, out: number, n: number, stride: number, scale: number): void;
  rowMax(m: number, beta: number, out: number, n: number, stride: number, scale: number): void;
  /** [min, max] of count values (NaN, NaN when one is NaN). */
  range(x: number, count: number): [number, number];
  /** expKtuKernel for x = M·scale proven within [EXP_MIN_ARG, EXP_MAX_ARG] (α, β ignored; padding comes out 1). */
  expKtuPlainKernel(m: number, k: number, alpha: number, beta: number, n: number, stride: number, scale: number, u: number, kt: number): void;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let instance: { memory: WasmMemory; kernels: KernelExports } | undefined;

const kernelModule = (): { memory: WasmMemory; kernels: KernelExports } => {
  if (instance) return instance;
  const bytes = assembleModule([
    expKernel,
    expKtuKernel,
    expKtuPlainKernel,
    ktuKernel,
    rowPassKernel,
    planCostKernel,
    colMaxKernel,
    rowMaxKernel,
    rangeKernel,
  ]);
  const memory = new wasm.Memory({ initial: 1 });
  const module = new wasm.Module(bytes);
  const inst = new wasm.Instance(module, { env: { memory } });
  new Float64Array(memory.buffer, EXP_TABLE_AT, TABLE_SIZE).set(expTable());
  instance = { memory, kernels: inst.exports as unknown as KernelExports };
  return instance;
};

/** Row stride (in f64) used for an m-column problem. */
export const strideFor = (cols: number): number => (cols + 3) & ~3;

/**
 * The problem laid out in the kernel module's memory. One workspace per thread is reused
 * between solves (the memory only grows); views are recreated after growth, so a workspace is
 * valid until the next `sinkhornWorkspace` call.
 */
export interface Workspace {
  readonly rows: number;
  readonly cols: number;
  readonly stride: number;
  readonly kernels: KernelExports;
  /** Byte offsets of each array in the module memory. */
  readonly at: {
    readonly M: number;
    readonly K: number;
    readonly a: number;
    readonly u: number;
    readonly alpha: number;
    readonly rowMax: number;
    readonly b: number;
    readonly v: number;
    readonly kt: number;
    readonly beta: number;
    readonly colMax: number;
  };
  readonly M: Float64Array;
  readonly K: Float64Array;
  readonly a: Float64Array;
  readonly u: Float64Array;
  readonly alpha: Float64Array;
  readonly rowMax: Float64Array;
  readonly b: Float64Array;
  readonly v: Float64Array;
  readonly kt: Float64Array;
  readonly beta: Float64Array;
  readonly colMax: Float64Array;
}

const MAX_BYTES = 2 ** 32 - 65536;

/** Allocates (or reuses) the workspace for a rows×cols problem; undefined when it cannot fit in 4 GiB. */
export const sinkhornWorkspace = (rows: number, cols: number): Workspace | undefined => {
  const { memory, kernels } = kernelModule();
  const stride = strideFor(cols);
  const mat = rows * stride * 8;
  const rowVec = ((rows + 3) & ~3) * 8;
  const colVec = stride * 8;
  const w = WORKSPACE_AT;
  const at = {
    M: w,
    K: w + mat,
    a: w + 2 * mat,
    u: w + 2 * mat + rowVec,
    alpha: w + 2 * mat + 2 * rowVec,
    rowMax: w + 2 * mat + 3 * rowVec,
    b: w + 2 * mat + 4 * rowVec,
    v: w + 2 * mat + 4 * rowVec + colVec,
    kt: w + 2 * mat + 4 * rowVec + 2 * colVec,
    beta: w + 2 * mat + 4 * rowVec + 3 * colVec,
    colMax: w + 2 * mat + 4 * rowVec + 4 * colVec,
  };
  const total = at.colMax + colVec;
  if (total > MAX_BYTES) return undefined;
  const have = memory.buffer.byteLength;
  if (total > have) memory.grow(Math.ceil((total - have) / 65536));
  const buf = memory.buffer;
  return {
    rows,
    cols,
    stride,
    kernels,
    at,
    M: new Float64Array(buf, at.M, rows * stride),
    K: new Float64Array(buf, at.K, rows * stride),
    a: new Float64Array(buf, at.a, rows),
    u: new Float64Array(buf, at.u, rows),
    alpha: new Float64Array(buf, at.alpha, rows),
    rowMax: new Float64Array(buf, at.rowMax, rows),
    b: new Float64Array(buf, at.b, stride),
    v: new Float64Array(buf, at.v, stride),
    kt: new Float64Array(buf, at.kt, stride),
    beta: new Float64Array(buf, at.beta, stride),
    colMax: new Float64Array(buf, at.colMax, stride),
  };
};
