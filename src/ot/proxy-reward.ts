/**
 * Optimal-transport proxy rewards (Le & Ta, arXiv 2309.15603; per-step recipe as in OTR).
 *
 * A trajectory A of T steps is matched to a trajectory B by entropic OT between their empirical
 * state-action distributions. Step t's share of the transport cost, c_t = Σ_j P_tj C_tj, says how
 * far step t is from what B does; it becomes a bounded reward r_t = σ·exp(−β·c_t) ∈ (0, σ],
 * largest where A's behavior is cheapest to transport onto B's.
 *
 * Scale of c_t (option `scale`, default 'rows'): with uniform weights every row carries mass 1/T,
 * so Σ_t c_t is a fixed total and c_t shrinks like 1/T — the same step would get a reward closer
 * to σ in a longer trajectory. 'rows' multiplies c_t by T, which makes it the average cost of
 * moving step t (a mean of C_t· under the plan's row, in [min_j C_tj, max_j C_tj]) and independent
 * of the length. 'none' keeps the raw share (OTR instead rescales β by T/d).
 *
 * Defaults (the paper does not publish them): σ = 1, β = 5, ε = 0.01, 100 iterations, Euclidean
 * cost on normalized state-action vectors, cost divided by its max — OTR's public recipe uses
 * α = β = 5, ε = 0.01 and 100 iterations.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError, errorOf, fail, type DistilleryError } from '../core/errors.ts';
import { costMatrix, normalizeByMax, type CostMetric } from './costs.ts';
import { FeatureStats, normalizeFeatures, stateActionDim, stateActionVectors, type NormalizationStats, type StateActionSource } from './features.ts';
import { sinkhornE, type SinkhornMethod } from './sinkhorn.ts';

export type ProxyRewardScale = 'rows' | 'none';

export const PROXY_REWARD_DEFAULTS = {
  sigma: 1,
  beta: 5,
  scale: 'rows' as ProxyRewardScale,
  epsilon: 0.01,
  maxIterations: 100,
  tolerance: 1e-9,
  metric: 'euclidean' as CostMetric,
  normalizeCost: true,
  method: 'log' as SinkhornMethod,
} as const;

export interface ProxyRewardOptions {
  /** Transport plan, row-major rows×cols (rows = steps of trajectory A). */
  readonly plan: Float64Array;
  /** Cost matrix the plan was computed with, row-major rows×cols. */
  readonly cost: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Upper bound of the reward, > 0. Default 1. */
  readonly sigma?: number;
  /** Decay rate, ≥ 0. Default 5. */
  readonly beta?: number;
  /** Default 'rows' (see the module comment). */
  readonly scale?: ProxyRewardScale;
}

export interface ProxyRewards {
  /** r_t = σ·exp(−β·c_t), one per row. */
  readonly rewards: Float32Array;
  /** c_t after scaling. */
  readonly stepCost: Float64Array;
}

const checkRewardParameters = (sigma: number, beta: number, scale: ProxyRewardScale, where: string): void => {
  if (!(Number.isFinite(sigma) && sigma > 0)) fail('invalid-input', `${where}: sigma must be a finite number > 0, got ${sigma}`);
  if (!(Number.isFinite(beta) && beta >= 0)) fail('invalid-input', `${where}: beta must be a finite number ≥ 0, got ${beta}`);
  if (scale !== 'rows' && scale !== 'none') fail('invalid-input', `${where}: scale must be 'rows' or 'none', got ${String(scale)}`);
};

/** Per-step proxy rewards from a plan and its cost. Throws DistilleryFailure ('invalid-input') on bad arguments. */
export const otProxyRewards = (options: ProxyRewardOptions): ProxyRewards => {
  const { plan, cost, rows, cols } = options;
  const sigma = options.sigma ?? PROXY_REWARD_DEFAULTS.sigma;
  const beta = options.beta ?? PROXY_REWARD_DEFAULTS.beta;
  const scale = options.scale ?? PROXY_REWARD_DEFAULTS.scale;
  if (!(Number.isSafeInteger(rows) && rows > 0 && Number.isSafeInteger(cols) && cols > 0))
    fail('invalid-input', `otProxyRewards: rows and cols must be positive integers, got ${rows}×${cols}`);
  if (plan.length !== rows * cols || cost.length !== rows * cols)
    fail('invalid-input', `otProxyRewards: plan (${plan.length}) and cost (${cost.length}) must both have rows×cols = ${rows * cols} entries`);
  checkRewardParameters(sigma, beta, scale, 'otProxyRewards');
  const factor = scale === 'rows' ? rows : 1;
  const stepCost = new Float64Array(rows);
  const rewards = new Float32Array(rows);
  for (let t = 0; t < rows; t++) {
    let c = 0;
    const o = t * cols;
    for (let j = 0; j < cols; j++) c += plan[o + j] * cost[o + j];
    c *= factor;
    if (!Number.isFinite(c)) fail('numeric', `otProxyRewards: the transport cost of step ${t} is ${c}`);
    stepCost[t] = c;
    // exp(−β·c) ≤ 1 needs c ≥ 0; a negative ground cost would push the reward above σ.
    rewards[t] = sigma * Math.exp(-beta * Math.max(0, c));
  }
  return { rewards, stepCost };
};

export interface TrajectoryOtOptions {
  readonly sigma?: number;
  readonly beta?: number;
  readonly scale?: ProxyRewardScale;
  /** Sinkhorn regularization on the (normalized) cost. Default 0.01. */
  readonly epsilon?: number;
  /** Default 100. */
  readonly maxIterations?: number;
  /** Default 1e-9. */
  readonly tolerance?: number;
  /** Default 'log' (stable for any ε). */
  readonly method?: SinkhornMethod;
  /** Default 'euclidean'. */
  readonly metric?: CostMetric;
  /** Divide the cost matrix by its max. Default true. */
  readonly normalizeCost?: boolean;
  /**
   * Feature normalization: dataset statistics (e.g. `FeatureStats.snapshot()` over the whole
   * dataset's state-action vectors), 'pair' to use the statistics of the two trajectories
   * together (default), 'none', or a function read at every solve (running statistics that grow
   * with the data, e.g. a `FeatureStats` fed every finished trajectory).
   */
  readonly featureStats?: NormalizationStats | 'pair' | 'none' | (() => NormalizationStats);
  /** One-hot width for discrete actions; default: largest action index in the pair + 1. */
  readonly actionCount?: number;
}

export interface TrajectoryOtRewards {
  /** Proxy reward for each step of trajectory A. */
  readonly rewards: Float32Array;
  /** Scaled per-step transport cost c_t of A's steps. */
  readonly stepCost: Float64Array;
  /** ⟨P, C⟩ on the cost matrix used (normalized when normalizeCost). */
  readonly transportCost: number;
  /** The divisor applied to the cost matrix (1 when not normalized). */
  readonly costScale: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly marginalError: number;
  /** Sinkhorn's warning when it did not converge or stopped on non-finite values. */
  readonly warning?: string;
}

const maxAction = (src: StateActionSource): number => {
  let mx = -1;
  for (let t = 0; t < src.action.length; t++) if (src.action[t] > mx) mx = src.action[t];
  return mx;
};

/**
 * OT proxy rewards for the steps of trajectory A against trajectory B: state-action vectors,
 * normalization, cost matrix, Sinkhorn (uniform weights), per-step rewards.
 * Left on invalid input (mismatched shapes or spaces, bad parameters).
 */
export const trajectoryOtRewardsE = (
  trajA: StateActionSource,
  trajB: StateActionSource,
  options: TrajectoryOtOptions = {},
): E.Either<DistilleryError, TrajectoryOtRewards> => {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrajectoryOtOptions;
  const o = { ...PROXY_REWARD_DEFAULTS, featureStats: 'pair' as const, ...given };
  try {
    checkRewardParameters(o.sigma, o.beta, o.scale, 'trajectoryOtRewards');
    if (trajA.obsDim !== trajB.obsDim || trajA.actDim !== trajB.actDim || Boolean(trajA.discreteActions) !== Boolean(trajB.discreteActions))
      return E.left(distilleryError('invalid-input', `trajectoryOtRewards: the trajectories have different spaces (obsDim ${trajA.obsDim}/${trajB.obsDim}, actDim ${trajA.actDim}/${trajB.actDim})`));
    if (trajA.size === 0 || trajB.size === 0) return E.left(distilleryError('invalid-input', 'trajectoryOtRewards: a trajectory is empty'));
    const actionCount = trajA.discreteActions ? (options.actionCount ?? Math.max(maxAction(trajA), maxAction(trajB)) + 1) : undefined;
    const dim = stateActionDim(trajA, actionCount);
    let xa = stateActionVectors(trajA, actionCount);
    let xb = stateActionVectors(trajB, actionCount);
    if (o.featureStats !== 'none') {
      const stats =
        o.featureStats === 'pair' ? new FeatureStats(dim).update(xa).update(xb).snapshot() : typeof o.featureStats === 'function' ? o.featureStats() : o.featureStats;
      xa = normalizeFeatures(xa, stats, dim);
      xb = normalizeFeatures(xb, stats, dim);
    }
    const cost = costMatrix(xa, xb, dim, { metric: o.metric });
    const costScale = o.normalizeCost ? normalizeByMax(cost) : 1;
    const solved = sinkhornE({
      cost,
      rows: trajA.size,
      cols: trajB.size,
      epsilon: o.epsilon,
      method: o.method,
      maxIterations: o.maxIterations,
      tolerance: o.tolerance,
    });
    if (E.isLeft(solved)) return solved;
    const s = solved.right;
    const { rewards, stepCost } = otProxyRewards({ plan: s.plan, cost, rows: trajA.size, cols: trajB.size, sigma: o.sigma, beta: o.beta, scale: o.scale });
    return E.right({
      rewards,
      stepCost,
      transportCost: s.cost,
      costScale,
      iterations: s.iterations,
      converged: s.converged,
      marginalError: s.marginalError,
      ...(s.warning ? { warning: s.warning } : {}),
    });
  } catch (e) {
    return E.left(errorOf(e));
  }
};

/** As `trajectoryOtRewardsE`, throwing a DistilleryFailure instead of returning Left. */
export const trajectoryOtRewards = (trajA: StateActionSource, trajB: StateActionSource, options: TrajectoryOtOptions = {}): TrajectoryOtRewards => {
  const r = trajectoryOtRewardsE(trajA, trajB, options);
  if (E.isLeft(r)) throw new DistilleryFailure(r.left);
  return r.right;
};
