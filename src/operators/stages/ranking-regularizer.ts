import * as E from 'fp-ts/lib/Either.js';
import { NonNegativeInt, NonNegativeNumber, PositiveNumber, oneOf, withDefault } from '../../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { DEFAULT_RANKING_WEIGHT, type RankingLossKind, type RegularizerOptions } from '../../algos/distillation/index.ts';

/**
 * The ranking regularizer's student parameters (thesis chapter 6), to spread into a pipeline's
 * `student` section: `{ ...StudentParams.props, ...RegularizerProps }`.
 */
export const RegularizerProps = {
  regularizer: withDefault(
    oneOf<RankingLossKind>(['none', 'ndcg', 'pairwise', 'listwise'], 'Regularizer'),
    'none',
    'ranking regularizer between task ids on one hidden layer: none, ndcg, pairwise or listwise',
  ),
  regularizerWeight: withDefault(NonNegativeNumber, DEFAULT_RANKING_WEIGHT, 'λ, the regularizer weight in the distillation loss (thesis: 100)'),
  regularizerLayer: withDefault(NonNegativeInt, 0, 'hidden layer (1-based) the regularizer acts on; 0 = the last hidden layer'),
  regularizerTemperature: withDefault(PositiveNumber, 1, 'NDCG surrogate: temperature of the sigmoid smoothing the ranks'),
};

interface RegularizerFields {
  readonly regularizer: RankingLossKind;
  readonly regularizerWeight: number;
  readonly regularizerLayer: number;
  readonly regularizerTemperature: number;
  readonly hidden: readonly number[];
}

/** The Distiller's options for these parameters (undefined for `none`). */
export const regularizerOf = (p: RegularizerFields): RegularizerOptions | undefined =>
  p.regularizer === 'none'
    ? undefined
    : { kind: p.regularizer, weight: p.regularizerWeight, layer: p.regularizerLayer === 0 ? p.hidden.length : p.regularizerLayer, temperature: p.regularizerTemperature };

/** A layer the student has (checked before the run starts). */
export const checkRegularizer = (p: RegularizerFields, what = 'student'): E.Either<DistilleryError, void> =>
  p.regularizer !== 'none' && p.regularizerLayer > p.hidden.length
    ? E.left(distilleryError('invalid-input', `${what}.regularizerLayer: ${p.regularizerLayer} is not a hidden layer (the student has ${p.hidden.length})`))
    : E.right(undefined);
