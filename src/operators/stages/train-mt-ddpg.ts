import type * as t from 'io-ts';
import type { OperatorFunction } from 'rxjs';
import { PositiveInt, section, withDefault } from '../../core/codecs.ts';
import { MtDdpgHyperCodec } from '../../algos/mt-ddpg/index.ts';
import type { TrainMtDdpgOutput } from '../../jobs/train-mt-ddpg.ts';
import { trainMtDdpgJobRef } from '../../jobs/refs.ts';
import type { RunContext } from '../context.ts';
import { jobStage } from '../job-stage.ts';
import { sharedRepresentationRunDisplay, sharedRepresentationRunInput, type SharedRepresentationRunSpec } from './shared-representation-runs.ts';

/** The online MT-DDPG runs (D'Eramo et al. 2020): the paper's network and rates, a reduced budget labelled as such. */
export const MtDdpgRunParams = section(
  {
    hyper: section(MtDdpgHyperCodec.props, "MT-DDPG hyper-parameters (the paper's where it gives them, docs/facts.md)"),
    steps: withDefault(PositiveInt, 5000, 'env steps per task (reduced so a run takes minutes on 2 cores)'),
    evalEvery: withDefault(PositiveInt, 1000, 'env steps per task between greedy evaluations'),
    evalEpisodes: withDefault(PositiveInt, 3, 'greedy episodes per evaluation'),
  },
  'online MT-DDPG / DDPG training',
);
export type MtDdpgRunParams = t.TypeOf<typeof MtDdpgRunParams>;

export type MtDdpgRunSpec = SharedRepresentationRunSpec;

/**
 * One `train-mt-ddpg` job per run spec; transitions written under `<datasetsDir>/<method>-<tasks>/`.
 * Every run of one context takes the seed of RNG `mt-ddpg`, so a task's env streams are the same
 * in its multi-task and single-task runs.
 *
 *   {method, tasks} ──trainMtDdpg──▶ {method, tasks, run: {curve, datasets}}
 */
export const trainMtDdpg = <T extends MtDdpgRunSpec>(p: MtDdpgRunParams, ctx: RunContext, options: { readonly workers?: number } = {}): OperatorFunction<T, T & { readonly run: TrainMtDdpgOutput }> =>
  jobStage(ctx, {
    job: trainMtDdpgJobRef,
    workers: options.workers ?? 2,
    input: (spec) => sharedRepresentationRunInput(spec, p, ctx, 'mt-ddpg', {}),
    output: (spec, run) => ({ ...spec, run }),
    cache: (run) => run.datasets.map((d) => d.path),
    display: (spec) => sharedRepresentationRunDisplay(spec),
  });
