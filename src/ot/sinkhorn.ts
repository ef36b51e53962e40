/**
 * Entropic optimal transport (Sinkhorn–Knopp) with the semantics of POT's `ot.sinkhorn` /
 * `ot.sinkhorn2` (methods 'sinkhorn' and 'sinkhorn_log'):
 *
 *   K = exp(−M/ε); repeat v = b / (Kᵀu), u = a / (K v); P = diag(u) K diag(v).
 *
 * Start u = 1/n, v = 1/m; uniform a, b when omitted. Every 10th iteration (the 1st, 11th, 21st…)
 * the column-marginal violation ‖colsum(P) − b‖₂ is measured and the loop stops when it is
 * below `tolerance`, or after `maxIterations`.
 *
 * method 'standard': exactly the scaling iteration above. If a value becomes non-finite
 * (Kᵀu = 0, or u, v infinite/NaN: ε too small for double precision) the iteration stops, the
 * previous finite iterate is returned with `converged: false`, `stoppedOnNonFinite: true` and a
 * `warning` saying so (POT does the same and only warns).
 *
 * method 'log': the same iterates, computed stably for any ε. Instead of POT's log-sum-exp on
 * every element of every iteration, the potentials are absorbed into the kernel
 * (K̃_ij = exp(−M_ij/ε + α_i + β_j), Schmitzer's stabilized scaling) and the cheap scaling
 * iteration runs on K̃. Whenever a scaling would leave [1/τ, τ] or under/overflow, that
 * half-step is redone exactly in the log domain (max-shifted log-sum-exp) and absorbed. In exact
 * arithmetic the iterates equal POT's `sinkhorn_log`.
 *
 * Errors: invalid input is a DistilleryError with code 'invalid-input' — `sinkhornE` returns it
 * as Left, `sinkhorn` throws it as a DistilleryFailure (plain-function API).
 *
 * The O(n·m) work runs in WebAssembly SIMD kernels (kernels.ts) over one reused workspace.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError, type DistilleryError } from '../core/errors.ts';
import { EXP_MAX_ARG, EXP_MIN_ARG, sinkhornWorkspace, type Workspace } from './kernels.ts';

export type SinkhornMethod = 'standard' | 'log';

export interface SinkhornOptions {
  /** Cost matrix M, row-major rows×cols. */
  readonly cost: Float64Array | Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Entropic regularization ε (POT's `reg`), > 0. */
  readonly epsilon: number;
  /** Source weights (length rows, ≥ 0); uniform 1/rows when omitted. */
  readonly a?: ArrayLike<number>;
  /** Target weights (length cols, ≥ 0, same total mass as a); uniform 1/cols when omitted. */
  readonly b?: ArrayLike<number>;
  /** Default 'standard'. */
  readonly method?: SinkhornMethod;
  /** Default 1000 (POT's numItermax). */
  readonly maxIterations?: number;
  /** Threshold on ‖colsum(P) − b‖₂, default 1e-9 (POT's stopThr). */
  readonly tolerance?: number;
  /**
   * Where to write the plan (rows × cols, row-major) instead of a new array: a buffer reused across
   * solves avoids the first touch of fresh memory, ~30 ms per 8 MB on the development VM against
   * ~1 ms reused (see README, "Where the time goes"). The result's `plan` is this array.
   */
  readonly planInto?: Float64Array;
}

export interface SinkhornResult {
  /** Transport plan P, row-major rows×cols. */
  readonly plan: Float64Array;
  /** ⟨P, M⟩ = Σ_ij P_ij M_ij (what POT's sinkhorn2 returns). */
  readonly cost: number;
  /** Iterations completed (POT's log['niter'] + 1 on convergence). */
  readonly iterations: number;
  readonly converged: boolean;
  /** The last measured ‖colsum(P) − b‖₂. */
  readonly marginalError: number;
  /** log of the scalings: P_ij = exp(logU_i − M_ij/ε + logV_j) (POT's log_u, log_v). */
  readonly logU: Float64Array;
  readonly logV: Float64Array;
  readonly method: SinkhornMethod;
  /** True when the iteration stopped because values became non-finite. */
  readonly stoppedOnNonFinite: boolean;
  /** Set when the result is not a converged solution: why. */
  readonly warning?: string;
}

/** Masses that differ by at most this relative amount are treated as equal (b is rescaled to a's mass). */
export const MASS_TOLERANCE = 1e-6;
/** Scalings of the log-domain method stay within [1/TAU, TAU] between absorptions. */
const TAU = 1e100;

interface Problem {
  readonly cost: Float64Array | Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly epsilon: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly method: SinkhornMethod;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly planInto: Float64Array | undefined;
}

const invalid = (message: string): E.Either<DistilleryError, never> => E.left(distilleryError('invalid-input', `sinkhorn: ${message}`));

const weights = (w: ArrayLike<number> | undefined, n: number, name: string): E.Either<DistilleryError, Float64Array> => {
  if (w === undefined) return E.right(new Float64Array(n).fill(1 / n));
  if (w.length !== n) return invalid(`${name} has ${w.length} weights, expected ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = w[i];
    if (!(Number.isFinite(x) && x >= 0)) return invalid(`${name}[${i}] = ${x}: weights must be finite and non-negative`);
    out[i] = x;
  }
  return E.right(out);
};

const sum = (x: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
};

const firstNonFinite = (x: Float64Array | Float32Array): number => {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
};

const validate = (o: SinkhornOptions): E.Either<DistilleryError, Problem> => {
  const { rows, cols, cost, epsilon } = o;
  if (!(Number.isSafeInteger(rows) && rows > 0)) return invalid(`rows must be a positive integer, got ${rows}`);
  if (!(Number.isSafeInteger(cols) && cols > 0)) return invalid(`cols must be a positive integer, got ${cols}`);
  if (!(cost instanceof Float64Array || cost instanceof Float32Array)) return invalid('cost must be a Float64Array or Float32Array');
  if (cost.length !== rows * cols) return invalid(`cost has ${cost.length} entries, expected rows×cols = ${rows}×${cols} = ${rows * cols}`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) return invalid(`epsilon must be a finite number > 0, got ${epsilon}`);
  const method = o.method ?? 'standard';
  if (method !== 'standard' && method !== 'log') return invalid(`method must be 'standard' or 'log', got ${String(method)}`);
  const maxIterations = o.maxIterations ?? 1000;
  if (!(Number.isSafeInteger(maxIterations) && maxIterations > 0)) return invalid(`maxIterations must be a positive integer, got ${maxIterations}`);
  const tolerance = o.tolerance ?? 1e-9;
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) return invalid(`tolerance must be a finite number ≥ 0, got ${tolerance}`);
  const planInto = o.planInto;
  if (planInto !== undefined && !(planInto instanceof Float64Array && planInto.length === rows * cols))
    return invalid(`planInto must be a Float64Array of rows×cols = ${rows * cols} entries`);
  const a = weights(o.a, rows, 'a');
  if (E.isLeft(a)) return a;
  const b = weights(o.b, cols, 'b');
  if (E.isLeft(b)) return b;
  const ma = sum(a.right);
  const mb = sum(b.right);
  if (!(ma > 0)) return invalid('a has zero total mass');
  if (!(mb > 0)) return invalid('b has zero total mass');
  if (Math.abs(ma - mb) > MASS_TOLERANCE * Math.max(ma, mb))
    return invalid(`a and b must have the same total mass, got ${ma} and ${mb}`);
  if (ma !== mb) for (let j = 0; j < cols; j++) b.right[j] *= ma / mb;
  return E.right({ cost, rows, cols, epsilon, a: a.right, b: b.right, method, maxIterations, tolerance, planInto });
};

/** ‖v ⊙ kt − b‖₂: the column marginal of diag(u) K diag(v) is v ⊙ Kᵀu. */
const marginalError = (ws: Workspace, b: Float64Array): number => {
  let s = 0;
  for (let j = 0; j < ws.cols; j++) {
    const d = ws.v[j] * ws.kt[j] - b[j];
    s += d * d;
  }
  return Math.sqrt(s);
};

const load = (ws: Workspace, p: Problem): void => {
  const { rows, cols, cost } = p;
  const { stride } = ws;
  if (stride === cols) ws.M.set(cost);
  else
    for (let i = 0; i < rows; i++) {
      ws.M.set(cost.subarray(i * cols, (i + 1) * cols), i * stride);
      ws.M.fill(0, i * stride + cols, (i + 1) * stride);
    }
  ws.a.set(p.a);
  ws.b.set(p.b);
  ws.b.fill(0, cols);
  ws.alpha.fill(0);
  ws.beta.fill(0, 0, cols);
  ws.beta.fill(-Infinity, cols); // padding columns: kernel entries exactly 0
  ws.v.fill(0);
  ws.kt.fill(0);
};

interface Iterate {
  iterations: number;
  converged: boolean;
  error: number;
  nonFinite: boolean;
}

/** [min, max] of the cost (padding included: zeros), from the finiteness check. */
type CostRange = readonly [number, number];

const runStandard = (ws: Workspace, p: Problem, [lo, hi]: CostRange): Iterate => {
  const { rows: n, cols: m, b, tolerance } = p;
  const { kernels, at, stride, u, v, kt, K } = ws;
  const scale = -1 / p.epsilon;
  u.fill(1 / n);
  v.fill(1 / m, 0, m);
  // K and the first Kᵀu in one pass (kt is zero after load). When every M_ij·scale is provably
  // inside exp's range (the same products the kernel computes), the kernel without range checks
  // gives the same bits, faster; it leaves padding columns at 1, reset to 0 here.
  if (hi * scale >= EXP_MIN_ARG && lo * scale <= EXP_MAX_ARG) {
    kernels.expKtuPlainKernel(at.M, at.K, at.alpha, at.beta, n, stride, scale, at.u, at.kt);
    if (stride !== m) {
      for (let i = 0; i < n; i++) K.fill(0, i * stride + m, (i + 1) * stride);
      kt.fill(0, m);
    }
  } else kernels.expKtuKernel(at.M, at.K, at.alpha, at.beta, n, stride, scale, at.u, at.kt);
  const uPrev = new Float64Array(n);
  const vPrev = new Float64Array(m);
  const state: Iterate = { iterations: 0, converged: false, error: Infinity, nonFinite: false };
  const revert = (): void => {
    u.set(uPrev);
    v.set(vPrev);
    state.nonFinite = true;
  };
  for (let it = 0; it < p.maxIterations; it++) {
    uPrev.set(u);
    vPrev.set(v.subarray(0, m));
    let bad = false;
    for (let j = 0; j < m; j++) {
      const k = kt[j];
      const vj = b[j] / k;
      if (k === 0 || !(vj < Infinity)) bad = true;
      v[j] = vj;
    }
    if (bad) {
      revert();
      break;
    }
    kt.fill(0);
    if (kernels.rowPass(at.K, at.v, at.a, at.u, at.kt, n, stride, 0, Number.MAX_VALUE) > 0) {
      revert();
      break;
    }
    state.iterations = it + 1;
    if (it % 10 === 0) {
      state.error = marginalError(ws, b);
      if (state.error < tolerance) {
        state.converged = true;
        break;
      }
    }
  }
  return state;
};

/**
 * Exact log-domain v-update: absorb u into α, shift each column so its largest kernel entry is
 * exp(0) = 1, rebuild K̃ and set v = b / K̃ᵀ1 (then K̃ᵀ1 ∈ [1, n] cannot under/overflow).
 */
const logDomainColumnUpdate = (ws: Workspace, p: Problem): void => {
  const { rows: n, cols: m, b } = p;
  const { kernels, at, stride, u, v, kt, alpha, beta, colMax } = ws;
  const scale = -1 / p.epsilon;
  for (let i = 0; i < n; i++) {
    if (u[i] > 0) alpha[i] += Math.log(u[i]);
    else alpha[i] = -Infinity;
    u[i] = alpha[i] === -Infinity ? 0 : 1;
  }
  colMax.fill(-Infinity);
  kernels.colMax(at.M, at.alpha, at.colMax, n, stride, scale);
  for (let j = 0; j < m; j++) beta[j] = b[j] > 0 ? -colMax[j] : -Infinity;
  kernels.expKernel(at.M, at.K, at.alpha, at.beta, n, stride, scale);
  kt.fill(0);
  kernels.ktuKernel(at.K, at.u, at.kt, n, stride);
  for (let j = 0; j < m; j++) v[j] = b[j] > 0 ? b[j] / kt[j] : 0;
};

/**
 * Exact log-domain u-update: absorb v into β, shift each row so its largest kernel entry is 1,
 * rebuild K̃, then one row pass with v = 1 gives u = a / K̃1 and kt = K̃ᵀu. Returns the rows that
 * are still not finite.
 */
const logDomainRowUpdate = (ws: Workspace, p: Problem): number => {
  const { rows: n, cols: m } = p;
  const { kernels, at, stride, u, v, kt, alpha, beta, rowMax } = ws;
  const scale = -1 / p.epsilon;
  for (let j = 0; j < m; j++) {
    if (v[j] > 0) beta[j] += Math.log(v[j]);
    else beta[j] = -Infinity;
    v[j] = beta[j] === -Infinity ? 0 : 1;
  }
  kernels.rowMax(at.M, at.beta, at.rowMax, n, stride, scale);
  for (let i = 0; i < n; i++) alpha[i] = p.a[i] > 0 && rowMax[i] > -Infinity ? -rowMax[i] : -Infinity;
  kernels.expKernel(at.M, at.K, at.alpha, at.beta, n, stride, scale);
  kt.fill(0);
  const flagged = kernels.rowPass(at.K, at.v, at.a, at.u, at.kt, n, stride, 0, Number.MAX_VALUE);
  for (let i = 0; i < n; i++) if (alpha[i] === -Infinity) u[i] = 0;
  return flagged;
};

const runLog = (ws: Workspace, p: Problem): Iterate => {
  const { rows: n, cols: m, b, tolerance } = p;
  const { kernels, at, stride, u, v, kt, alpha, beta } = ws;
  u.fill(1);
  const prev = { u: new Float64Array(n), v: new Float64Array(m), alpha: new Float64Array(n), beta: new Float64Array(m) };
  const state: Iterate = { iterations: 0, converged: false, error: Infinity, nonFinite: false };
  let kernelStale = true; // K̃ and kt do not yet describe the current (α, β, u)
  for (let it = 0; it < p.maxIterations; it++) {
    prev.u.set(u);
    prev.v.set(v.subarray(0, m));
    prev.alpha.set(alpha);
    prev.beta.set(beta.subarray(0, m));
    let inRange = !kernelStale;
    if (inRange)
      for (let j = 0; j < m; j++) {
        const vj = b[j] > 0 ? b[j] / kt[j] : 0;
        if (b[j] > 0 && !(vj >= 1 / TAU && vj <= TAU)) inRange = false;
        v[j] = vj;
      }
    if (!inRange) logDomainColumnUpdate(ws, p);
    kernelStale = false;
    let bad = false;
    for (let j = 0; j < m; j++) if (!(v[j] < Infinity)) bad = true;
    kt.fill(0);
    if (!bad && kernels.rowPass(at.K, at.v, at.a, at.u, at.kt, n, stride, 1 / TAU, TAU) > 0) bad = logDomainRowUpdate(ws, p) > 0;
    if (bad) {
      u.set(prev.u);
      v.set(prev.v);
      alpha.set(prev.alpha);
      beta.set(prev.beta);
      kernels.expKernel(at.M, at.K, at.alpha, at.beta, n, stride, -1 / p.epsilon);
      state.nonFinite = true;
      break;
    }
    state.iterations = it + 1;
    if (it % 10 === 0) {
      state.error = marginalError(ws, b);
      if (state.error < tolerance) {
        state.converged = true;
        break;
      }
    }
  }
  return state;
};

const extractPlan = (ws: Workspace, into: Float64Array | undefined): Float64Array => {
  const { rows, cols, stride, K } = ws;
  // new + set, not slice: slice of a view on WebAssembly memory takes a slow path in V8
  const plan = into ?? new Float64Array(rows * cols);
  if (stride === cols) {
    plan.set(K.subarray(0, rows * cols));
    return plan;
  }
  for (let i = 0; i < rows; i++) plan.set(K.subarray(i * stride, i * stride + cols), i * cols);
  return plan;
};

const solve = (p: Problem): E.Either<DistilleryError, SinkhornResult> => {
  const ws = sinkhornWorkspace(p.rows, p.cols);
  if (!ws) return E.left(distilleryError('unsupported', `sinkhorn: a ${p.rows}×${p.cols} problem does not fit in the 4 GiB WebAssembly memory`));
  load(ws, p);
  const range = ws.kernels.range(ws.at.M, p.rows * ws.stride);
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]))) {
    const bad = firstNonFinite(p.cost);
    return invalid(`cost[${Math.floor(bad / p.cols)}][${bad % p.cols}] = ${p.cost[bad]}: costs must be finite`);
  }
  const state = p.method === 'standard' ? runStandard(ws, p, range) : runLog(ws, p);
  const { kernels, at, stride } = ws;
  const cost = kernels.planCost(at.K, at.M, at.u, at.v, p.rows, stride);
  const logU = new Float64Array(p.rows);
  const logV = new Float64Array(p.cols);
  for (let i = 0; i < p.rows; i++) logU[i] = ws.alpha[i] + Math.log(ws.u[i]);
  for (let j = 0; j < p.cols; j++) logV[j] = ws.beta[j] + Math.log(ws.v[j]);
  const plan = extractPlan(ws, p.planInto);
  const planFinite = Number.isFinite(cost);
  const stoppedOnNonFinite = state.nonFinite || !planFinite;
  const warning = !planFinite
    ? `sinkhorn: the transport plan has non-finite entries (epsilon ${p.epsilon} is too small for method '${p.method}')`
    : state.nonFinite
      ? `sinkhorn: values became non-finite at iteration ${state.iterations + 1} (epsilon ${p.epsilon} is too small for method '${p.method}'${p.method === 'standard' ? "; use method 'log'" : ''}); returning the last finite iterate`
      : !state.converged
        ? `sinkhorn: did not converge in ${p.maxIterations} iterations (marginal error ${state.error.toExponential(3)}, tolerance ${p.tolerance})`
        : undefined;
  return E.right({
    plan,
    cost,
    iterations: state.iterations,
    converged: state.converged && !stoppedOnNonFinite,
    marginalError: state.error,
    logU,
    logV,
    method: p.method,
    stoppedOnNonFinite,
    ...(warning ? { warning } : {}),
  });
};

/** Sinkhorn as a value: Left(DistilleryError) for invalid input ('invalid-input') or a problem too large. */
export const sinkhornE = (options: SinkhornOptions): E.Either<DistilleryError, SinkhornResult> => {
  const problem = validate(options);
  return E.isLeft(problem) ? problem : solve(problem.right);
};

/** Sinkhorn as a plain function: throws a DistilleryFailure (code 'invalid-input') on invalid input. */
export const sinkhorn = (options: SinkhornOptions): SinkhornResult => {
  const r = sinkhornE(options);
  if (E.isLeft(r)) throw new DistilleryFailure(r.left);
  return r.right;
};
