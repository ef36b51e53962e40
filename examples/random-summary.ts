import { join } from 'node:path';
import * as t from 'io-ts';
import { map, mergeMap } from 'rxjs';
import { DistilleryFailure, PositiveInt, collectDataset, definePipeline, makeBehaviorPolicy, result, summarizeDatasets, withDefault, withEnv } from 'distillery';

export default definePipeline({
  name: 'random-summary',
  description: 'random episodes on the left task, summarized',
  params: t.type({ episodes: withDefault(PositiveInt, 20, 'episodes to collect') }),
  graph: (p, ctx) =>
    withEnv({ env: 'pointmass/maze', tasks: ['left'], envConfig: {} }, (env) => {
      const policy = makeBehaviorPolicy('pointmass/maze', 'random', {});
      if (policy._tag === 'Left') throw new DistilleryFailure(policy.left);
      return collectDataset(ctx, {
        env: env.family.make('left', env.config, ctx.rng.split('env').seed()),
        policy: policy.right,
        episodes: p.episodes,
        rng: ctx.rng.split('rollouts'),
        path: join(ctx.datasetsDir, 'left-random.arrow'),
        envConfig: env.config,
        id: 'collect',
        label: 'left random',
      }).pipe(
        mergeMap((path) => summarizeDatasets([path])),
        map((s) => ctx.emit(result('left', s.tasks.left))),
      );
    }),
});
