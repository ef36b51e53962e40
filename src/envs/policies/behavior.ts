import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { Probability, decode, withDefault } from '../../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import type { Policy } from '../types.ts';
import { strictConfig } from '../config.ts';
import { getEnv } from '../registry.ts';
import { uniformRandom } from './uniform-random.ts';
import { epsilonShortestPath } from './epsilon-shortest-path.ts';
import { waypointController } from './waypoint-controller.ts';

export const BEHAVIOR_NAMES = ['random', 'expert', 'medium'] as const;
export type BehaviorName = (typeof BEHAVIOR_NAMES)[number];

/**
 * Settings per env family. Grids: ε of the ε-shortest-path policy. Point mass: the std of the
 * Gaussian force noise of the waypoint controller; 'medium' is set so that its return is about
 * half the expert's (measured in test/envs/policies.test.ts).
 */
export const GRID_EPSILON: Readonly<Record<Exclude<BehaviorName, 'random'>, number>> = { expert: 0, medium: 0.5 };
export const POINTMASS_NOISE: Readonly<Record<Exclude<BehaviorName, 'random'>, number>> = { expert: 0, medium: 2 };

const NoiseStd = new t.Type<number, number, unknown>(
  'NoiseStd',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isFinite(u) && u >= 0 ? t.success(u) : t.failure(u, c, 'expected a non-negative number')),
  t.identity,
);

/**
 * A named behavior policy for an env family: 'random' (uniform actions), 'expert' and 'medium'
 * (ε-shortest-path on grids, noisy waypoint controller on the point mass). `params` may override
 * the family's knob: `{ epsilon }` for grids, `{ noise }` for the point mass.
 */
export const makeBehaviorPolicy = (envId: string, name: string, params: unknown = {}): E.Either<DistilleryError, Policy> =>
  pipe(
    getEnv(envId),
    E.chain((family) => {
      const what = `behavior policy ${JSON.stringify(name)} for ${envId}`;
      if (!(BEHAVIOR_NAMES as readonly string[]).includes(name))
        return E.left(distilleryError('not-found', `unknown behavior policy ${JSON.stringify(name)} (known: ${BEHAVIOR_NAMES.join(', ')})`));
      if (name === 'random') return E.map(() => uniformRandom(family.actionSpace))(decode(strictConfig('params', {}), params, what));
      const level = name as Exclude<BehaviorName, 'random'>;
      if (envId.startsWith('grid/'))
        return pipe(
          decode(strictConfig('params', { epsilon: withDefault(Probability, GRID_EPSILON[level]) }), params, what),
          E.map((p) => withName(epsilonShortestPath(p.epsilon), name)),
        );
      if (envId.startsWith('pointmass/'))
        return pipe(
          decode(strictConfig('params', { noise: withDefault(NoiseStd, POINTMASS_NOISE[level]) }), params, what),
          E.map((p) => withName(waypointController({ noise: p.noise }), name)),
        );
      return E.left(distilleryError('unsupported', `${what}: no ${name} policy for this env`));
    }),
  );

const withName = (p: Policy, name: string): Policy => ({ ...p, name: `${name}:${p.name}` });
