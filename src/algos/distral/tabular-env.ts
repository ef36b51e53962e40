import { Rng } from '../../core/rng.ts';
import type { DiscreteEnvLike, TabularMdp } from './mdp.ts';

/**
 * Simulates one task of a known tabular MDP as an environment with one-hot observations
 * (pair it with `oneHotState`). Rewards are the expected rewards R(s, a): the soft-Q fixed point
 * depends only on expectations, so a learner trained here must reach the exact solution.
 */
export class TabularEnv implements DiscreteEnvLike {
  private rng: Rng;
  private state = 0;
  private t = 0;
  private readonly obs: Float32Array;

  constructor(
    readonly mdp: TabularMdp,
    readonly task: number,
    seed: number,
    /** Episodes are truncated after this many steps. */
    readonly maxEpisodeSteps = Number.POSITIVE_INFINITY,
  ) {
    this.rng = Rng.fromSeed(seed);
    this.obs = new Float32Array(mdp.numStates);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    this.state = this.rng.categorical(this.mdp.tasks[this.task].start);
    this.t = 0;
    return this.observe();
  }

  step(action: number): { observation: Float32Array; reward: number; terminated: boolean; truncated: boolean } {
    const { numActions, tasks } = this.mdp;
    const model = tasks[this.task];
    const k = this.state * numActions + action;
    const reward = model.reward[k];
    let u = this.rng.uniform();
    let terminated = true;
    for (let j = model.offsets[k]; j < model.offsets[k + 1]; j++) {
      u -= model.continuation[j];
      if (u < 0) {
        this.state = model.next[j];
        terminated = false;
        break;
      }
    }
    this.t++;
    return { observation: this.observe(), reward, terminated, truncated: !terminated && this.t >= this.maxEpisodeSteps };
  }

  get currentState(): number {
    return this.state;
  }

  private observe(): Float32Array {
    const o = new Float32Array(this.obs.length);
    o[this.state] = 1;
    return o;
  }
}
