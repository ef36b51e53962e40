import * as E from 'fp-ts/lib/Either.js';
import { errorOf, type DistilleryError } from '../../core/errors.ts';
import { tabularMdp, type DiscreteEnvLike, type Outcome, type TabularMdp } from './mdp.ts';

/** An environment whose simulator state can be set (every `Env` of src/envs has setState). */
export interface SettableEnv extends DiscreteEnvLike {
  setState(state: Float64Array): void;
}

export interface EnumerateOptions {
  readonly numStates: number;
  readonly numActions: number;
  /** One environment per task, with the map from its observations to state indices. */
  readonly envs: readonly { readonly env: SettableEnv; readonly stateOf: (observation: Float32Array) => number }[];
  /**
   * The simulator state of state index s (for the grid worlds: [row, col, 0]), or null for an
   * index that is no state of the MDP (a wall cell): such indices end every episode with reward 0.
   */
  readonly simulatorState: (s: number) => Float64Array | null;
  /** Start distribution over state indices, shared by the tasks or one per task. */
  readonly start: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Steps taken from every (s, a): 1 for deterministic environments; more estimate the probabilities. */
  readonly samples?: number;
}

/**
 * The tabular model of discrete environments, by setting every state and taking every action.
 * A time-limit truncation reported by the environment is ignored (it is no part of the MDP).
 */
export const tabularMdpFromEnvs = (o: EnumerateOptions): E.Either<DistilleryError, TabularMdp> => {
  const samples = o.samples ?? 1;
  try {
    const tasks = o.envs.map(({ env, stateOf }, i) => {
      const table: Outcome[][] = [];
      for (let s = 0; s < o.numStates; s++) {
        const sim = o.simulatorState(s);
        for (let a = 0; a < o.numActions; a++) {
          if (sim === null) {
            table.push([{ next: 0, prob: 1, reward: 0, terminal: true }]);
            continue;
          }
          const outcomes: Outcome[] = [];
          for (let n = 0; n < samples; n++) {
            env.setState(sim);
            const r = env.step(a);
            outcomes.push({ next: r.terminated ? 0 : stateOf(r.observation), prob: 1 / samples, reward: r.reward, terminal: r.terminated });
          }
          table.push(outcomes);
        }
      }
      const start = isNested(o.start) ? o.start[i] : o.start;
      return { start, outcomes: (s: number, a: number) => table[s * o.numActions + a] };
    });
    return tabularMdp(o.numStates, o.numActions, tasks);
  } catch (u) {
    return E.left(errorOf(u));
  }
};

const isNested = (x: ArrayLike<number> | readonly ArrayLike<number>[]): x is readonly ArrayLike<number>[] =>
  x.length > 0 && typeof (x as ArrayLike<unknown>)[0] === 'object';
