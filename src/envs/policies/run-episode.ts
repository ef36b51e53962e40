import type { Rng } from '../../core/rng.ts';
import type { Env, Policy } from '../types.ts';

export interface EpisodeSummary {
  /** Undiscounted sum of the env rewards. */
  readonly return: number;
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/**
 * Plays one episode: resets the env with a seed drawn from `rng`, then lets `policy` act (drawing
 * from `rng`) until termination or truncation. Same rng state, same episode.
 */
export const runEpisode = (env: Env, policy: Policy, rng: Rng): EpisodeSummary => {
  let observation = env.reset(rng.seed());
  policy.reset?.(env, rng);
  let total = 0;
  let length = 0;
  for (;;) {
    const r = env.step(policy.act(observation, rng, env));
    total += r.reward;
    length++;
    observation = r.observation;
    if (r.terminated || r.truncated) return { return: total, length, terminated: r.terminated, truncated: r.truncated };
  }
};
