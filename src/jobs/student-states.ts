/**
 * Distillation states from the student's own episodes (on-policy, DAgger-like), the alternative
 * to sampling them from the offline datasets that the thesis' Fig. 5.7 asks about: every `every`
 * steps the current student plays `episodes` episodes of each task and the states it visits join
 * that task's pool (aggregated as in DAgger; the oldest leave once `maxStates` is reached).
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { Env } from '../envs/types.ts';
import { getEnv, prepareEnv } from '../envs/registry.ts';

export interface StudentStatesOptions {
  readonly envId: string;
  /** The env's configuration as its codec decoded it (a TaskEnv's `config`). */
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Refresh the pools every this many distillation steps (they are first filled before step 1). */
  readonly every: number;
  /** Episodes per task per refresh. */
  readonly episodes: number;
  /** States kept per task (the oldest leave first). */
  readonly maxStates: number;
}

/** The deterministic action of the student for task index `task`. */
export type StudentAct = (observation: Float32Array, task: number) => ArrayLike<number>;

export class StudentStatePools {
  private readonly pools: Float32Array[];
  private readonly sizes: number[];
  private readonly heads: number[];
  private round = 0;

  private constructor(
    private readonly envs: readonly Env[],
    private readonly o: StudentStatesOptions,
    private readonly rng: Rng,
    private readonly obsDim: number,
  ) {
    this.pools = envs.map(() => new Float32Array(o.maxStates * obsDim));
    this.sizes = envs.map(() => 0);
    this.heads = envs.map(() => 0);
  }

  /** One env per task (RNG `env/<task>`); the episodes draw from `round/<r>/<task>/episode/<e>`. */
  static async create(tasks: readonly string[], o: StudentStatesOptions, rng: Rng, obsDim: number): Promise<StudentStatePools> {
    const found = getEnv(o.envId);
    if (E.isLeft(found)) throw new DistilleryFailure(found.left);
    const family = await prepareEnv(found.right);
    if (E.isLeft(family)) throw new DistilleryFailure(family.left);
    const envs = tasks.map((task) => family.right.make(task, o.envConfig, rng.split(`env/${task}`).seed()));
    if (envs.some((e) => e.observationSpace.kind !== 'box' || e.observationSpace.low.length !== obsDim))
      throw new DistilleryFailure({ _tag: 'DistilleryError', code: 'invalid-input', message: `distill: ${o.envId} observations do not match the teachers' (${obsDim} values)` });
    return new StudentStatePools(envs, o, rng, obsDim);
  }

  /** Whether the pools are refreshed before distillation step `step` (1-based). */
  due(step: number): boolean {
    return step === 1 || (step - 1) % this.o.every === 0;
  }

  /** Plays `episodes` episodes per task with `act` and adds the visited states (each observation acted on). */
  refresh(act: StudentAct): void {
    const r = this.round++;
    for (const [task, env] of this.envs.entries()) {
      const rng = this.rng.split(`round/${r}/${task}`);
      for (let e = 0; e < this.o.episodes; e++) {
        let obs = env.reset(rng.split(`episode/${e}`).seed());
        for (;;) {
          this.add(task, obs);
          const step = env.step(Float32Array.from(act(obs, task)));
          if (step.terminated || step.truncated) break;
          obs = step.observation;
        }
      }
    }
  }

  /** Task `task`'s states, row-major (a view: valid until the next refresh). */
  pool(task: number): Float32Array {
    return this.pools[task].subarray(0, this.sizes[task] * this.obsDim);
  }

  private add(task: number, obs: Float32Array): void {
    const at = this.heads[task];
    this.pools[task].set(obs.subarray(0, this.obsDim), at * this.obsDim);
    this.heads[task] = (at + 1) % this.o.maxStates;
    this.sizes[task] = Math.min(this.sizes[task] + 1, this.o.maxStates);
  }
}
