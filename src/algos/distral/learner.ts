import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { DistralConfig } from './config.ts';
import { logSumExp } from './softmax.ts';

/**
 * Online tabular Distral (Teh et al. 2017): soft-Q TD learning per task with the distilled
 * policy π0 = softmax(h0) as prior, and π0 fit by maximum likelihood on the tasks' state-actions.
 *
 * Every variant is written through one quantity, the soft Q of the regularized reward including
 * the prior term, Q̃_i(s,a) = Q_i(s,a) + (α/β) log π0(a|s), for which
 *   π_i = softmax(β Q̃_i),   V_i(s) = (1/β) log Σ_a exp(β Q̃_i(s,a)) = (1/β) log Σ_a π0^α exp(β Q_i),
 *   TD error δ = r + (α/β) log π0(a|s) + γ V_i(s') − Q̃_i(s,a).
 * - 1col: tables Q_i, so β Q̃_i = α log π0 + β Q_i and δ = r + γ V_i(s') − Q_i(s,a).
 * - 2col: β Q̃_i = κ h0 + β f_i, i.e. π_i = softmax(κ h0 + β f_i) (κ = α for Distral). With
 *   κ = α, δ = r − (α/β) log Z0(s) + γ V_i(s') − f_i(s,a), so at the fixed point
 *   f_i = Q_i − (α/β) log Z0 (Q_i up to a per-state constant) and π_i equals the 1col policy.
 *   The semi-gradient of ½δ² reaches both columns: f_i += lr δ and h0(s,a) += lr (κ/β) δ — the
 *   shared column is also trained by every task's RL error, which is the 2col transfer path.
 * - multitask: one table for all tasks, α = 0 (entropy-regularized soft Q, no task identity).
 * - 2col without KL: α = 0, κ = 1, h0 trained by the tasks' TD errors only.
 * The π0 step (variants with distillation) is stochastic gradient ascent on the log-likelihood of
 * the visited state-action, h0(s,·) += lrPi0 · w · (e_a − π0(·|s)), whose expected fixed point is
 * the visitation-weighted mixture of the task policies (the paper's tabular ML solution; see
 * exact.ts `distillPi0`), with w = γ^t when `discountedLikelihood`.
 */
export class DistralLearner {
  /** Q_i (1col, multitask: one table) or f_i (2col), flat [tables × S × A]. */
  readonly q: Float64Array;
  /** Logits of π0, flat [S × A], or [S × (A + 1) × A] rows per state and previous action (none first) with `pi0PreviousAction`. */
  readonly h0: Float64Array;
  private readonly visits: Uint32Array | null;
  private readonly logits: Float64Array;
  private readonly probs: Float64Array;
  private readonly logPi0: Float64Array;
  private readonly tableSize: number;

  private constructor(
    readonly numStates: number,
    readonly numActions: number,
    readonly numTasks: number,
    readonly config: DistralConfig,
  ) {
    const tables = config.sharedPolicy ? 1 : numTasks;
    this.tableSize = numStates * numActions;
    this.q = new Float64Array(tables * this.tableSize);
    this.h0 = new Float64Array(config.pi0PreviousAction ? numStates * (numActions + 1) * numActions : this.tableSize);
    this.visits = config.lrQDecay > 0 ? new Uint32Array(tables * this.tableSize) : null;
    this.logits = new Float64Array(numActions);
    this.probs = new Float64Array(numActions);
    this.logPi0 = new Float64Array(numActions);
  }

  static create(numStates: number, numActions: number, numTasks: number, config: DistralConfig): E.Either<DistilleryError, DistralLearner> {
    for (const [name, n] of [['numStates', numStates], ['numActions', numActions], ['numTasks', numTasks]] as const)
      if (!Number.isInteger(n) || n < 1) return E.left(distilleryError('invalid-input', `distral: ${name} must be a positive integer, got ${n}`));
    return E.right(new DistralLearner(numStates, numActions, numTasks, config));
  }

  /** Offset of task i's table (all tasks share table 0 in the multitask baseline). */
  private tableOffset(task: number): number {
    return this.config.sharedPolicy ? 0 : task * this.tableSize;
  }

  /** Row of h0 for state s after action `prev` (−1: none, the episode's first step); s itself without `pi0PreviousAction`. */
  private pi0Row(s: number, prev: number): number {
    return this.config.pi0PreviousAction ? s * (this.numActions + 1) + prev + 1 : s;
  }

  /** log π0(·|row) into this.logPi0; returns log Z0. */
  private fillLogPi0(row: number): number {
    const off = row * this.numActions;
    const lz = logSumExp(this.h0, off, this.numActions);
    for (let a = 0; a < this.numActions; a++) this.logPi0[a] = this.h0[off + a] - lz;
    return lz;
  }

  /** β Q̃_i(s,·) into this.logits (log π0(·|s) is left in this.logPi0); returns β V_i(s). */
  private fillLogits(task: number, s: number, prev = -1): number {
    const { alpha, beta, twoColumn, columnWeight } = this.config;
    const A = this.numActions;
    const off = this.tableOffset(task) + s * A;
    const hOff = s * A;
    this.fillLogPi0(this.pi0Row(s, prev));
    for (let a = 0; a < A; a++)
      this.logits[a] = twoColumn ? columnWeight * this.h0[hOff + a] + beta * this.q[off + a] : (alpha === 0 ? 0 : alpha * this.logPi0[a]) + beta * this.q[off + a];
    return logSumExp(this.logits, 0, A);
  }

  /** V_i(s) = (1/β) log Σ_a π0(a|s)^α exp(β Q_i(s,a)). */
  value(task: number, s: number, prev = -1): number {
    return this.fillLogits(task, s, prev) / this.config.beta;
  }

  /** π_i(·|s) into `out` (a new array when absent). */
  policy(task: number, s: number, out = new Float64Array(this.numActions), prev = -1): Float64Array {
    const lse = this.fillLogits(task, s, prev);
    for (let a = 0; a < this.numActions; a++) out[a] = Math.exp(this.logits[a] - lse);
    return out;
  }

  /** π0(·|s) into `out`. */
  pi0(s: number, out = new Float64Array(this.numActions), prev = -1): Float64Array {
    this.fillLogPi0(this.pi0Row(s, prev));
    for (let a = 0; a < this.numActions; a++) out[a] = Math.exp(this.logPi0[a]);
    return out;
  }

  /**
   * The 1col soft Q_i(s,a) = Q̃_i(s,a) − (α/β) log π0(a|s) this learner represents (for 2col:
   * f_i + (κ h0 − α log π0)/β), equal to the
   * exact.ts Q_i at the fixed point for every variant.
   */
  softQ(task: number, s: number, a: number, prev = -1): number {
    this.fillLogits(task, s, prev);
    const { alpha, beta } = this.config;
    return (this.logits[a] - (alpha === 0 ? 0 : alpha * this.logPi0[a])) / beta;
  }

  /** Samples an action from π_i(·|s) (after action `prev`, −1 for none, when π0 conditions on it). */
  act(task: number, s: number, rng: Rng, prev = -1): number {
    const lse = this.fillLogits(task, s, prev);
    for (let a = 0; a < this.numActions; a++) this.probs[a] = Math.exp(this.logits[a] - lse);
    return rng.categorical(this.probs);
  }

  /**
   * One transition of task i: the soft TD update, then (with distillation) one maximum-likelihood
   * step of π0 on (s, a) weighted by `likelihoodWeight`. Returns the TD error. `prev` is the
   * action before a (−1 at an episode's first step); the next state's previous action is a, so
   * with `pi0PreviousAction` Q_i(s, a) stays a function of (s, a).
   */
  update(task: number, s: number, a: number, reward: number, sNext: number, terminated: boolean, likelihoodWeight = 1, prev = -1): number {
    const { alpha, beta, gamma, lrQ, lrQDecay, twoColumn, columnWeight } = this.config;
    const A = this.numActions;
    const vNext = terminated ? 0 : this.fillLogits(task, sNext, a) / beta;
    this.fillLogits(task, s, prev);
    const k = this.tableOffset(task) + s * A + a;
    const qTilde = this.logits[a] / beta;
    const logPrior = alpha === 0 ? 0 : (alpha / beta) * this.logPi0[a];
    const delta = reward + logPrior + gamma * vNext - qTilde;
    let lr = lrQ;
    if (this.visits) lr = lrQ / Math.pow(++this.visits[k], lrQDecay);
    this.q[k] += lr * delta;
    if (twoColumn && columnWeight !== 0) this.h0[s * A + a] += lr * (columnWeight / beta) * delta;
    if (this.config.distill && this.config.lrPi0 > 0) this.distillStep(s, a, likelihoodWeight, prev);
    return delta;
  }

  /** h0(s,·) += lrPi0 · w · ∇ log π0(a|s) = lrPi0 · w · (e_a − π0(·|s)). */
  distillStep(s: number, a: number, weight = 1, prev = -1): void {
    const A = this.numActions;
    const step = this.config.lrPi0 * weight;
    const row = this.pi0Row(s, prev);
    this.fillLogPi0(row);
    const off = row * A;
    for (let b = 0; b < A; b++) this.h0[off + b] -= step * Math.exp(this.logPi0[b]);
    this.h0[off + a] += step;
  }

  /** π_i for every state, flat [S × A]. */
  policyTable(task: number): Float64Array {
    const out = new Float64Array(this.tableSize);
    for (let s = 0; s < this.numStates; s++) this.policy(task, s, out.subarray(s * this.numActions, (s + 1) * this.numActions));
    return out;
  }

  /** π0 for every state (after action `prev`: −1 none), flat [S × A]. */
  pi0Table(prev = -1): Float64Array {
    const out = new Float64Array(this.tableSize);
    for (let s = 0; s < this.numStates; s++) this.pi0(s, out.subarray(s * this.numActions, (s + 1) * this.numActions), prev);
    return out;
  }

  /** The 1col soft Q_i for every state-action, flat [S × A]. */
  softQTable(task: number): Float64Array {
    const out = new Float64Array(this.tableSize);
    for (let s = 0; s < this.numStates; s++) for (let a = 0; a < this.numActions; a++) out[s * this.numActions + a] = this.softQ(task, s, a);
    return out;
  }

  /** V_i for every state. */
  valueTable(task: number): Float64Array {
    const out = new Float64Array(this.numStates);
    for (let s = 0; s < this.numStates; s++) out[s] = this.value(task, s);
    return out;
  }
}
