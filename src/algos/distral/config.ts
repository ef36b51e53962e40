import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { decode, oneOf, PositiveNumber, Probability, unknownKeys, withDefault } from '../../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';

/**
 * The Distral variants of Teh et al. (2017) and their baselines, as learning rules on tables:
 * - `kl-1col`, `klent-1col`: one soft-Q table per task, π_i ∝ π0^α exp(βQ_i); π0 = softmax(h0)
 *   fit by maximum likelihood on every task's state-actions.
 * - `kl-2col`, `klent-2col`: π_i = softmax(α h0 + β f_i); h0 is shared by all tasks' policies,
 *   so every task's TD error also moves h0 (see learner.ts for the derivation).
 * - `2col-nokl`: the two-column architecture trained by its tasks only (no KL, no distillation).
 * - `multitask`: one shared policy for every task (no task identity, no KL).
 * - `independent`: the single-task baseline, one soft-Q learner per task (α = 0, no π0): the
 *   same tables and budget as Distral 1col without anything shared.
 */
export const DISTRAL_VARIANTS = ['kl-1col', 'kl-2col', 'klent-1col', 'klent-2col', 'multitask', '2col-nokl', 'independent'] as const;
export type DistralVariant = (typeof DISTRAL_VARIANTS)[number];

/** α of each variant in the paper: KL only (c_Ent = 0) gives α = 1, KL+ent uses α = 0.5, no KL gives α = 0. */
export const VARIANT_ALPHA: Readonly<Record<DistralVariant, number>> = {
  'kl-1col': 1,
  'kl-2col': 1,
  'klent-1col': 0.5,
  'klent-2col': 0.5,
  multitask: 0,
  '2col-nokl': 0,
  independent: 0,
};

/** Variants without a KL term (α is 0 and π0 is not distilled). */
export const NO_KL_VARIANTS: readonly DistralVariant[] = ['multitask', '2col-nokl', 'independent'];

/** α = c_KL/(c_KL + c_Ent), β = 1/(c_KL + c_Ent). */
export const alphaBetaFromCoefficients = (cKL: number, cEnt: number): { alpha: number; beta: number } => ({
  alpha: cKL / (cKL + cEnt),
  beta: 1 / (cKL + cEnt),
});

/** The setting of a public re-implementation on the two-room grid world (docs/facts.md). */
export const TWO_ROOM_REIMPLEMENTATION = { alpha: 0.9, beta: 5, gamma: 0.999 } as const;

const NonNegativeNumber = new t.Type<number, number, unknown>(
  'NonNegativeNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isFinite(u) && u >= 0 ? t.success(u) : t.failure(u, c, 'expected a non-negative number')),
  t.identity,
);

/**
 * User-facing parameters. Defaults: β = 5 and γ = 0.999 as in the public two-room setting (the
 * paper mentions β ∈ {2, 5}); α from the variant. Learning rates are *not published* for the
 * tabular case: lrQ = 0.1 (TD step), lrPi0 = 0.1 (maximum-likelihood step on h0), no decay.
 */
export const DistralParamsCodec = t.type({
  variant: withDefault(oneOf(DISTRAL_VARIANTS, 'DistralVariant'), 'kl-1col'),
  /** Weight of the π0 prior; absent = the variant's α. Must be 0 (or absent) for the no-KL baselines. */
  alpha: withDefault(t.union([Probability, t.null]), null),
  beta: withDefault(PositiveNumber, 5),
  gamma: withDefault(Probability, 0.999),
  /** TD learning rate of the soft-Q tables (f_i for 2col). */
  lrQ: withDefault(PositiveNumber, 0.1),
  /** Visit-count decay of the TD rate: lr = lrQ / n(s,a)^lrQDecay (0: constant; (0.5, 1]: Robbins–Monro). */
  lrQDecay: withDefault(NonNegativeNumber, 0),
  /** Maximum-likelihood step on the logits h0 of π0 (ignored by the variants without distillation). */
  lrPi0: withDefault(NonNegativeNumber, 0.1),
  /**
   * Weight the likelihood of a state-action visited at step t by γ^t, as in the paper's objective
   * (Σ_t γ^t log π0(a_t|s_t)); false weighs every visit equally, as most implementations do.
   */
  discountedLikelihood: withDefault(t.boolean, true),
  /**
   * π0(a | s, previous action) instead of π0(a | s) (the paper's Fig. 3 right: a prior that can
   * learn to keep going in the corridor). 1col variants only: there the task tables stay Q_i(s, a),
   * since the next state's previous action is the action just taken.
   */
  pi0PreviousAction: withDefault(t.boolean, false),
});
export type DistralParams = t.TypeOf<typeof DistralParamsCodec>;

/** Resolved configuration the learner runs on. */
export interface DistralConfig {
  readonly variant: DistralVariant;
  /** Weight α of log π0 in the regularized reward and of π0^α in the soft backup. */
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly lrQ: number;
  readonly lrQDecay: number;
  readonly lrPi0: number;
  readonly discountedLikelihood: boolean;
  /** One Q table shared by every task (the multitask baseline). */
  readonly sharedPolicy: boolean;
  /** π_i = softmax(κ h0 + β f_i) with h0 trained by the tasks' TD errors too. */
  readonly twoColumn: boolean;
  /** κ: weight of h0 in the task policies' logits (α for Distral 2col, 1 for 2col without KL). */
  readonly columnWeight: number;
  /** h0 is fit to the tasks' state-actions by maximum likelihood. */
  readonly distill: boolean;
  /** π0 conditions on the previous action too (h0 has a row per state and previous action, "none" included). */
  readonly pi0PreviousAction: boolean;
}

export const resolveDistralConfig = (p: DistralParams, what = 'distral'): E.Either<DistilleryError, DistralConfig> => {
  const noKl = NO_KL_VARIANTS.includes(p.variant);
  const twoColumn = p.variant === 'kl-2col' || p.variant === 'klent-2col' || p.variant === '2col-nokl';
  if (noKl && p.alpha !== null && p.alpha !== 0)
    return E.left(distilleryError('invalid-input', `${what}.alpha: the '${p.variant}' variant has no KL term; leave alpha unset or 0, got ${p.alpha}`));
  // α = 0 in a 1col variant is a legitimate ablation (π0 is fit but does not act: independent
  // learners); in 2col it would drop h0 from the task policies, which 2col-nokl covers.
  if (!noKl && twoColumn && p.alpha === 0)
    return E.left(distilleryError('invalid-input', `${what}.alpha: the '${p.variant}' variant needs α in (0, 1] (α = 0 removes the shared column; use 2col-nokl or independent), got 0`));
  if (p.pi0PreviousAction && (twoColumn || noKl))
    return E.left(distilleryError('invalid-input', `${what}.pi0PreviousAction: only the 1col KL variants (kl-1col, klent-1col) have a π0 that acts on its own, got '${p.variant}'`));
  const alpha = p.alpha ?? VARIANT_ALPHA[p.variant];
  return E.right({
    variant: p.variant,
    alpha,
    beta: p.beta,
    gamma: p.gamma,
    lrQ: p.lrQ,
    lrQDecay: p.lrQDecay,
    lrPi0: p.lrPi0,
    discountedLikelihood: p.discountedLikelihood,
    sharedPolicy: p.variant === 'multitask',
    twoColumn,
    columnWeight: p.variant === '2col-nokl' ? 1 : twoColumn ? alpha : 0,
    distill: !noKl,
    pi0PreviousAction: p.pi0PreviousAction,
  });
};

/** Decodes user-supplied parameters (unknown keys are errors) into a resolved configuration. */
export const decodeDistralConfig = (value: unknown, what = 'distral'): E.Either<DistilleryError, DistralConfig> => {
  const extra = unknownKeys(DistralParamsCodec, value ?? {});
  if (extra.length > 0) return E.left(distilleryError('invalid-input', `${what}: unknown parameter ${extra.map((k) => `'${k}'`).join(', ')}`));
  return E.chain((p: DistralParams) => resolveDistralConfig(p, what))(decode(DistralParamsCodec, value ?? {}, what));
};
