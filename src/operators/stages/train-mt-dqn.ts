import * as t from 'io-ts';
import type { OperatorFunction } from 'rxjs';
import { PositiveInt, section, withDefault } from '../../core/codecs.ts';
import { MtDqnHyperCodec } from '../../algos/mt-dqn/index.ts';
import type { NamedWeight } from '../../nn/index.ts';
import type { TrainMtDqnOutput } from '../../jobs/train-mt-dqn.ts';
import { trainMtDqnJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage } from '../job-stage.ts';
import { sharedRepresentationRunDisplay, sharedRepresentationRunInput, type SharedRepresentationRunSpec } from './shared-representation-runs.ts';

/**
 * The online MT-DQN runs of the shared-representation experiments (D'Eramo et al. 2020). Every
 * default is the paper's except the budget (`steps`), a reduced one labelled as such.
 */
export const MtDqnRunParams = section(
  {
    hyper: section(MtDqnHyperCodec.props, "MT-DQN hyper-parameters (the paper's, docs/facts.md)"),
    steps: withDefault(PositiveInt, 3000, 'env steps per task (the paper: 50000; reduced so a run takes minutes on 2 cores)'),
    evalEvery: withDefault(PositiveInt, 500, 'env steps per task between greedy evaluations (the learning curve)'),
    evalEpisodes: withDefault(PositiveInt, 5, 'greedy episodes per evaluation'),
  },
  'online MT-DQN / DQN training',
);
export type MtDqnRunParams = t.TypeOf<typeof MtDqnRunParams>;

/** One training run: a method's name, its tasks (env id, task) in network order, and optionally a shared block to start from. */
export interface MtDqnRunSpec extends SharedRepresentationRunSpec {
  /** Transfer: the shared block's weights and whether they stay frozen. */
  readonly shared?: { readonly weights: readonly NamedWeight[]; readonly freeze: boolean };
}

/**
 * One `train-mt-dqn` job per run spec; its transitions are written as Arrow datasets under
 * `<datasetsDir>/<method>-<tasks>/`. Every run of one context takes the same seed (RNG
 * `mt-dqn`), so a task's env streams are the same in its multi-task and single-task runs.
 *
 *   {method, tasks} ──trainMtDqn──▶ {method, tasks, run: {curve, sharedWeights, datasets}}
 */
export const trainMtDqn = <T extends MtDqnRunSpec>(p: MtDqnRunParams, ctx: RunContext, options: { readonly workers?: number } = {}): OperatorFunction<T, T & { readonly run: TrainMtDqnOutput }> =>
  jobStage(ctx, {
    job: trainMtDqnJobRef,
    workers: options.workers ?? 2,
    input: (spec) => sharedRepresentationRunInput(spec, p, ctx, 'mt-dqn', spec.shared ? { shared: spec.shared } : {}),
    output: (spec, run) => ({ ...spec, run }),
    cache: (run) => run.datasets.map((d) => d.path),
    display: (spec) => sharedRepresentationRunDisplay(spec),
  });
