import type { SampledBatch } from '../../src/algos/replay-buffer.ts';
import type { Mat } from './reference.ts';

/**
 * Three transitions of a tiny continuous MDP (2-D states, 1-D actions): s0 → s1 → s2 → s3, the
 * first two non-terminal (they bootstrap: γ, the target networks and the target policy matter),
 * the last terminal. Values are float32-exact so that the float64 reference sees what the
 * networks see.
 */
const f = (xs: number[]): number[] => xs.map(Math.fround);

export interface TinyMdp {
  readonly obs: Mat;
  readonly action: Mat;
  readonly reward: number[];
  readonly next: Mat;
  readonly done: number[];
  readonly batch: SampledBatch;
}

export const tinyMdp = (actions: Mat = [[0.3], [-0.5], [0.8]]): TinyMdp => {
  const s = [f([0.5, -0.2]), f([0.1, 0.4]), f([-0.3, 0.2]), f([0.6, 0.7])];
  const obs = [s[0], s[1], s[2]];
  const next = [s[1], s[2], s[3]];
  const action = actions.map(f);
  const reward = f([1, 0.5, -0.25]);
  const done = [0, 0, 1];
  const batch: SampledBatch = {
    size: 3,
    obsDim: 2,
    actDim: action[0].length,
    observation: Float32Array.from(obs.flat()),
    action: Float32Array.from(action.flat()),
    reward: Float32Array.from(reward),
    nextObservation: Float32Array.from(next.flat()),
    done: Float32Array.from(done),
  };
  return { obs, action, reward, next, done, batch };
};
