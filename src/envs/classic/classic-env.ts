import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../core/rng.ts';
import type { Space } from '../../core/spaces.ts';
import { PositiveInt, withDefault } from '../../core/codecs.ts';
import { distilleryError, fail, type DistilleryError } from '../../core/errors.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, RewardFn, StepResult } from '../types.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';

/**
 * One Gymnasium classic-control environment, written as pure functions of its simulator state
 * (Gymnasium's `env.unwrapped.state`, float64). The shared `ClassicEnv` adds what Gymnasium's
 * `TimeLimit` wrapper does: a step counter, stored as the last value of `getState()`, and
 * `truncated = steps ≥ maxEpisodeSteps` (true together with `terminated` when both happen, as in
 * Gymnasium).
 */
export interface ClassicSpec {
  readonly id: string;
  /** The Gymnasium id (CartPole-v1…), or the MushroomRL class, this env reproduces. */
  readonly gymnasiumId: string;
  readonly description: string;
  /** Names of Gymnasium's state values, in order (used in messages). */
  readonly stateNames: readonly string[];
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The TimeLimit of Gymnasium's registration (MushroomRL's horizon); the config's `maxEpisodeSteps` default. */
  readonly maxEpisodeSteps: number;
  /** Gymnasium's reset distribution, drawn from `rng`, written into `out` (length stateNames). */
  reset(rng: Rng, out: Float64Array): void;
  /**
   * One Gymnasium step from `state` with a decoded action (an integer for discrete envs, a
   * float32 value for continuous ones), written into `next`; returns Gymnasium's reward and
   * `terminated`. A stochastic env (MushroomRL's noisy pendulum) draws its noise from `rng`, the
   * env's own stream.
   */
  step(state: Float64Array, action: number, next: Float64Array, rng: Rng): { readonly reward: number; readonly terminated: boolean };
  /** The reward as a pure function of stored states (relabeling); equals `step`'s reward. */
  reward(state: Float64Array, action: number, next: Float64Array): number;
  observe(state: Float64Array): Float32Array;
}

export const classicConfigCodec = (spec: ClassicSpec) =>
  strictConfig(`${spec.id} config`, {
    /** Gymnasium's TimeLimit: the step that reaches it is truncated. */
    maxEpisodeSteps: withDefault(PositiveInt, spec.maxEpisodeSteps),
  });

export interface ClassicConfig {
  readonly maxEpisodeSteps: number;
}

/** The env's action as Gymnasium's step receives it: an integer index, or the float32 value of a 1-element Box. */
export const decodeClassicAction = (spec: ClassicSpec, action: Action): number => {
  const space = spec.actionSpace;
  if (space.kind === 'discrete') {
    const a = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
    if (!Number.isInteger(a) || a < 0 || a >= space.n) return fail('invalid-input', `${spec.id}: action must be an integer in [0, ${space.n}), got ${String(action)}`);
    return a;
  }
  const a = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
  if (!Number.isFinite(a)) return fail('invalid-input', `${spec.id}: action must be one finite number, got ${String(action)}`);
  return Math.fround(a);
};

export interface ClassicFamily extends MultiTaskEnv {
  readonly spec: ClassicSpec;
}

/** `[...state, step]`: Gymnasium's state then the TimeLimit's elapsed steps. */
const stateDimOf = (spec: ClassicSpec): number => spec.stateNames.length + 1;

/**
 * Reads `--init-state`: Gymnasium's `env.unwrapped.state` as a JSON array (the step counter
 * starts at 0), or the full `getState()` layout with the elapsed steps last.
 */
const classicStateFromJson =
  (spec: ClassicSpec) =>
  (json: unknown, what: string): E.Either<DistilleryError, Float64Array> => {
    const n = spec.stateNames.length;
    const layout = `[${spec.stateNames.join(', ')}] (Gymnasium's env.unwrapped.state), optionally followed by the elapsed steps`;
    if (!Array.isArray(json) || (json.length !== n && json.length !== n + 1))
      return E.left(distilleryError('invalid-input', `${what}: expected ${layout}`));
    const bad = json.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) return E.left(distilleryError('invalid-input', `${what}: value ${bad} is ${JSON.stringify(json[bad])}, expected a finite number`));
    const steps = json.length === n + 1 ? (json[n] as number) : 0;
    if (!Number.isInteger(steps) || steps < 0)
      return E.left(distilleryError('invalid-input', `${what}: the elapsed steps (value ${n}) must be a non-negative integer, got ${steps}`));
    const s = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) s[i] = json[i] as number;
    s[n] = steps;
    return E.right(s);
  };

export const makeClassicFamily = (spec: ClassicSpec): ClassicFamily => {
  const codec = classicConfigCodec(spec);
  const decodeConfig = (config: EnvConfig | undefined): ClassicConfig => decodeConfigOrThrow(codec, config, `${spec.id} config`);
  const checkTask = (task: string): void => {
    if (task !== 'default') fail('not-found', `${spec.id}: unknown task "${task}" (tasks: default)`);
  };
  const n = spec.stateNames.length;
  const rewardFn: RewardFn = (s, a, next) => spec.reward(s.subarray(0, n), decodeClassicAction(spec, a), next.subarray(0, n));
  const family: ClassicFamily = {
    id: spec.id,
    description: spec.description,
    tasks: ['default'],
    spec,
    actionSpace: spec.actionSpace,
    observationSpace: () => spec.observationSpace,
    configCodec: asEnvConfigCodec(codec),
    stateFromJson: classicStateFromJson(spec),
    reward: (task, config) => {
      checkTask(task);
      decodeConfig(config);
      return rewardFn;
    },
    make: (task, config, seed) => {
      checkTask(task);
      return new ClassicEnv(spec, decodeConfig(config), seed);
    },
  };
  return family;
};

/** A classic-control env under Gymnasium's TimeLimit. */
export class ClassicEnv implements Env {
  readonly id: string;
  readonly task = 'default';
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly stateDim: number;
  private rng: Rng;
  /** Gymnasium's state; the elapsed steps are kept apart in `t`. */
  private state: Float64Array;
  private next: Float64Array;
  private t = 0;

  constructor(
    readonly spec: ClassicSpec,
    readonly config: ClassicConfig,
    seed: number,
  ) {
    this.id = spec.id;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.maxEpisodeSteps = config.maxEpisodeSteps;
    this.stateDim = stateDimOf(spec);
    this.state = new Float64Array(spec.stateNames.length);
    this.next = new Float64Array(spec.stateNames.length);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  get elapsedSteps(): number {
    return this.t;
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    this.spec.reset(this.rng, this.state);
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    const a = decodeClassicAction(this.spec, action);
    const { reward, terminated } = this.spec.step(this.state, a, this.next, this.rng);
    const previous = this.state;
    this.state = this.next;
    this.next = previous;
    this.t++;
    return { observation: this.observe(), reward, terminated, truncated: this.t >= this.maxEpisodeSteps };
  }

  getState(): Float64Array {
    const s = new Float64Array(this.stateDim);
    s.set(this.state);
    s[this.stateDim - 1] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    const n = this.spec.stateNames.length;
    const step = state[n];
    let ok = state.length === n + 1 && Number.isInteger(step) && step >= 0;
    for (let i = 0; ok && i < n; i++) ok = Number.isFinite(state[i]);
    if (!ok)
      fail('invalid-input', `${this.id}: setState expects [${this.spec.stateNames.join(', ')}, step] (finite values, step a non-negative integer), got [${Array.from(state).join(', ')}]`);
    this.state.set(state.subarray(0, n));
    this.t = step;
  }

  observe(): Float32Array {
    return this.spec.observe(this.state);
  }
}
