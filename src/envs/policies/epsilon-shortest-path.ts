import { fail } from '../../core/errors.ts';
import type { Env, Policy } from '../types.ts';
import { GridEnv } from '../grid/grid-env.ts';

const gridEnvOf = (env: Env | undefined): GridEnv =>
  env instanceof GridEnv ? env : fail('invalid-input', `epsilonShortestPath: needs the grid env it acts in, got ${env ? env.id : 'none'}`);

/**
 * ε-greedy around the BFS shortest path to the env's task goal: with probability ε a uniform
 * action, otherwise the first action in the move set's order that shortens the distance to the
 * goal. Reads the agent's cell from the env (not the observation), so it works with either
 * observation kind.
 */
export const epsilonShortestPath = (epsilon: number): Policy => ({
  name: `epsilon-shortest-path(${epsilon})`,
  act: (_o, rng, env) => {
    const grid = gridEnvOf(env);
    const n = grid.moves.names.length;
    if (epsilon > 0 && rng.uniform() < epsilon) return rng.int(n);
    const a = grid.shortestPathAction();
    return a < 0 ? rng.int(n) : a;
  },
});
