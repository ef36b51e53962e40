/**
 * The data operators end to end, with an operator of your own:
 *
 *   collect (left, medium) ─▶ relabel with right's reward ─▶ persist ─▶ replay
 *     ─▶ episodes ─▶ keepBestEpisodes (ours: the top fraction by the right task's return) ─▶ table
 */
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concat, defer, filter, last, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import {
  DistilleryFailure,
  PositiveInt,
  Probability,
  definePipeline,
  episodes,
  makeBehaviorPolicy,
  makeRewardFn,
  newDatasetMetadata,
  persist,
  relabel,
  replay,
  result,
  rollouts,
  table,
  withDefault,
  withEnv,
  type DistilleryError,
  type Trajectory,
} from 'distillery';

/** Keeps the best `fraction` of the episodes by their return under `reward/<task>` (a barrier: it sees them all). */
const keepBestEpisodes =
  (task: string, fraction: number): OperatorFunction<Trajectory, Trajectory> =>
  (source) =>
    source.pipe(
      toArray(),
      mergeMap((all) => {
        const ret = (e: Trajectory) => (e.rewards?.[task] ?? new Float32Array()).reduce((a, b) => a + b, 0);
        const ranked = [...all].sort((a, b) => ret(b) - ret(a));
        return ranked.slice(0, Math.max(1, Math.ceil(fraction * ranked.length)));
      }),
    );

const unwrap = <A>(e: E.Either<DistilleryError, A>): A => {
  if (E.isLeft(e)) throw new DistilleryFailure(e.left);
  return e.right;
};

export default definePipeline({
  name: 'relabel-best-episodes',
  description: "left's medium episodes relabeled with right's reward; the best of them by that reward",
  params: t.type({
    episodes: withDefault(PositiveInt, 20, 'episodes collected on the left task'),
    keep: withDefault(Probability, 0.25, 'fraction of the episodes kept, by their return under the right task'),
  }),
  graph: (p, ctx) =>
    withEnv({ env: 'pointmass/maze', tasks: ['left', 'right'], envConfig: {} }, (env) => {
      const left = env.family.make('left', env.config, ctx.rng.split('env').seed());
      const path = join(ctx.datasetsDir, 'left-relabeled.arrow');
      const metadata = newDatasetMetadata({
        envId: env.id,
        envConfig: env.config,
        tasks: ['left'],
        behaviorPolicy: 'medium',
        seed: ctx.seed,
        observationSpace: left.observationSpace,
        actionSpace: left.actionSpace,
        pipeline: ctx.pipeline,
      });
      const write = rollouts(left, unwrap(makeBehaviorPolicy('pointmass/maze', 'medium', {})), { episodes: p.episodes, rng: ctx.rng.split('rollouts') }).pipe(
        relabel({ right: unwrap(makeRewardFn('pointmass/maze', { task: 'right' })) }),
        persist(path, metadata),
        last(),
        filter(() => false),
      );
      const best = defer(() => replay(path)).pipe(
        episodes(),
        keepBestEpisodes('right', p.keep),
        map((e) => [e.episode[0], e.size, e.reward.reduce((a, b) => a + b, 0), (e.rewards?.right ?? new Float32Array()).reduce((a, b) => a + b, 0)]),
        toArray(),
        map((rows) => {
          ctx.emit(result('best', rows.map(([episode, steps, own, right]) => ({ episode, steps, leftReturn: own, rightReturn: right }))));
          ctx.emit(table(`left's medium episodes, best ${p.keep * 100}% by the right task's reward`, ['episode', 'steps', 'left return', 'right return'], rows));
          return rows;
        }),
      );
      return concat(write, best);
    }),
});
