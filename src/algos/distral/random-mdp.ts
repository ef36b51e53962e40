import * as E from 'fp-ts/lib/Either.js';
import type { Rng } from '../../core/rng.ts';
import { tabularMdp, type Outcome, type TabularMdp } from './mdp.ts';

/**
 * A random multi-task MDP for tests and benchmarks: shared stochastic dynamics (each (s, a) leads
 * to `branching` random states), per-task rewards uniform in [−1, 1], per-task termination
 * probability `terminationProb` on every step, uniform start.
 */
export const randomTabularMdp = (
  rng: Rng,
  { numStates, numActions, numTasks, branching = 2, terminationProb = 0.1 }: { numStates: number; numActions: number; numTasks: number; branching?: number; terminationProb?: number },
): TabularMdp => {
  const dynamics: { next: number; prob: number }[][] = [];
  for (let k = 0; k < numStates * numActions; k++) {
    const w = Array.from({ length: branching }, () => rng.uniform() + 0.1);
    const total = w.reduce((x, y) => x + y, 0);
    dynamics.push(w.map((x) => ({ next: rng.int(numStates), prob: x / total })));
  }
  const tasks = Array.from({ length: numTasks }, () => {
    const reward = Array.from({ length: numStates * numActions }, () => rng.range(-1, 1));
    return {
      start: new Array<number>(numStates).fill(1 / numStates),
      outcomes: (s: number, a: number): Outcome[] => {
        const k = s * numActions + a;
        return [
          ...dynamics[k].map((d) => ({ next: d.next, prob: d.prob * (1 - terminationProb), reward: reward[k], terminal: false })),
          { next: 0, prob: terminationProb, reward: reward[k], terminal: true },
        ];
      },
    };
  });
  const mdp = tabularMdp(numStates, numActions, tasks);
  if (E.isLeft(mdp)) throw new Error(mdp.left.message); // unreachable: the construction is valid by design
  return mdp.right;
};
