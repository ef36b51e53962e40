import { concat, defer, ignoreElements, of, scan, tap, type Observable } from 'rxjs';
import type { TransitionBatch } from '../core/batch.ts';
import { artifact, progress } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import { newDatasetMetadata } from '../data/index.ts';
import type { Env, Policy } from '../envs/types.ts';
import type { RunContext } from './context.ts';
import { persist } from './persist.ts';
import { cachedStage } from './stage-cache.ts';
import { rollouts } from './rollouts.ts';

export interface CollectDatasetOptions {
  readonly env: Env;
  readonly policy: Policy;
  readonly episodes: number;
  /** The rollouts' RNG (episode n uses its `episode/<n>` sub-stream). */
  readonly rng: Rng;
  readonly path: string;
  /** Stored in the file's metadata (`distillery.behavior_policy`); default the policy's name. */
  readonly behaviorPolicy?: string;
  /** Env config recorded in the metadata. */
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Recorded as `<pipeline>/<step>` in the metadata (default: the pipeline's name alone). */
  readonly step?: string;
  /** Progress bar id and label. */
  readonly id: string;
  readonly label: string;
}

/**
 * rollouts → persist, with progress in episodes and the file reported as an artifact; emits the
 * path once the file is complete (atomic: an interrupted collection leaves no file).
 *
 *   collectDataset(o):  -----------(p|)      p = o.path
 */
export const collectDataset = (ctx: RunContext, o: CollectDatasetOptions): Observable<string> =>
  recordDataset(ctx, { ...o, behaviorPolicy: o.behaviorPolicy ?? o.policy.name }, () => rollouts(o.env, o.policy, { episodes: o.episodes, rng: o.rng }));

export interface RecordDatasetOptions extends Omit<CollectDatasetOptions, 'policy' | 'behaviorPolicy'> {
  /** Stored in the file's metadata (`distillery.behavior_policy`). */
  readonly behaviorPolicy: string;
}

/**
 * Persists the transitions of `source` (which must hold `o.episodes` episodes of `o.env`, drawn
 * from `o.rng`) as `o.path`, like collectDataset: progress, artifact, atomic file, stage record.
 * For datasets that are not one policy's rollouts (e.g. a `mix` of several).
 */
export const recordDataset = (ctx: RunContext, o: RecordDatasetOptions, source: () => Observable<TransitionBatch>): Observable<string> =>
  cachedStage(
    ctx,
    o.id,
    { path: o.path, env: o.env.id, task: o.env.task, config: o.envConfig, policy: o.behaviorPolicy, episodes: o.episodes, rng: o.rng.path, seed: ctx.seed },
    (path) => [path],
    () => record(ctx, o, source),
  );

const record = (ctx: RunContext, o: RecordDatasetOptions, source: () => Observable<TransitionBatch>): Observable<string> =>
  defer(() => {
    const metadata = newDatasetMetadata({
      envId: o.env.id,
      envConfig: o.envConfig,
      tasks: [o.env.task],
      behaviorPolicy: o.behaviorPolicy,
      seed: ctx.seed,
      observationSpace: o.env.observationSpace,
      actionSpace: o.env.actionSpace,
      pipeline: o.step ? `${ctx.pipeline}/${o.step}` : ctx.pipeline,
    });
    ctx.emit(progress(o.id, o.label, 0, o.episodes, 'episodes'));
    return concat(
      source().pipe(
        persist(o.path, metadata),
        scan((episodes, b) => episodes + countEpisodeEnds(b), 0),
        tap((done) => ctx.emit(progress(o.id, o.label, done, o.episodes, 'episodes'))),
        ignoreElements(),
      ),
      defer(() => {
        ctx.emit(artifact(o.path, 'dataset', `${o.label}, ${o.episodes} episodes`));
        return of(o.path);
      }),
    );
  });

const countEpisodeEnds = (b: TransitionBatch): number => {
  let n = 0;
  for (let r = 0; r < b.size; r++) if (b.terminated[r] || b.truncated[r]) n++;
  return n;
};
