import * as E from 'fp-ts/lib/Either.js';
import type { MjData, MjModel } from 'mujoco-js';
import { PositiveInt, withDefault } from '../../core/codecs.ts';
import { fail } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import type { Space } from '../../core/spaces.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, StepResult } from '../types.ts';
import { compileModel, loadMujoco, mujocoModule, writeMemfs } from '../walker/mujoco.ts';

/**
 * What the single-task MuJoCo pendulums (inverted pendulum, inverted double pendulum, cartpole
 * swing-up) share: one motor on a cart, hinge/slide joints only (so qpos and qvel have the same
 * length `dofs`), a stored state laid out as
 * [qpos ×dofs, qvel ×dofs, warm start ×dofs, derived ×derivedDim, time, step]
 * (the solver's warm start is kept because the next step depends on it; `derived` holds values
 * read after a step that the reward needs), and a reward that is a function of the stored state.
 */
export interface PendulumSpec {
  readonly id: string;
  readonly description: string;
  readonly dofs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  /** The compiled model (see `lazyModel`). */
  readonly model: () => MjModel;
  /** Names of the state's entries, for the error on a malformed state. */
  readonly stateLayout: string;
  /** The control the motor gets for an action (fails on a malformed action). */
  readonly control: (action: Action) => number;
  /** Reset noise: overwrite qpos and qvel (zeroed by mj_resetData) from the run's RNG. */
  readonly randomize: (qpos: Float64Array, qvel: Float64Array, rng: Rng) => void;
  /** One env step of physics after ctrl is set. */
  readonly advance: (model: MjModel, data: MjData) => void;
  /** Values read from `data` after a reset or step and kept in the state (absent: none). */
  readonly derived?: { readonly dim: number; readonly read: (data: MjData, out: Float64Array) => void };
  readonly observe: (state: Float64Array) => Float32Array;
  /** Reward and termination on reaching `state` by `action`. */
  readonly outcome: (state: Float64Array, action: Action) => { reward: number; terminated: boolean };
}

/** The model compiled from `xml` once, on first use (needs the module loaded). */
export const lazyModel = (memfsPath: string, xml: string, label: string): (() => MjModel) => {
  let compiled: MjModel | undefined;
  return () => {
    if (compiled) return compiled;
    const mujoco = mujocoModule();
    writeMemfs(mujoco, memfsPath, xml);
    const m = compileModel(mujoco, memfsPath, label);
    if (E.isLeft(m)) return fail('internal', m.left.message);
    return (compiled = m.right);
  };
};

/** The action as one finite number (a number or a length-1 array). */
export const scalarAction = (id: string, action: Action): number => {
  const u = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
  if (!Number.isFinite(u)) fail('invalid-input', `${id}: an action is one finite number, got ${String(action)}`);
  return u;
};

/** A run of n steps of mj_step (Gymnasium's frame skip). */
export const frameSkip =
  (n: number) =>
  (model: MjModel, data: MjData): void => {
    const mujoco = mujocoModule();
    for (let i = 0; i < n; i++) mujoco.mj_step(model, data);
  };

const dataRegistry = new FinalizationRegistry<MjData>((data) => data.delete());

class PendulumEnv implements Env {
  readonly task = 'default';
  readonly id: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly stateDim: number;
  private readonly data: MjData;
  private readonly derived: Float64Array;
  private rng: Rng;
  private t = 0;

  constructor(
    private readonly spec: PendulumSpec,
    readonly maxEpisodeSteps: number,
    seed: number,
  ) {
    this.id = spec.id;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.derived = new Float64Array(spec.derived?.dim ?? 0);
    this.stateDim = 3 * spec.dofs + this.derived.length + 2;
    this.data = new (mujocoModule().MjData)(spec.model());
    dataRegistry.register(this, this.data);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const mujoco = mujocoModule();
    const model = this.spec.model();
    mujoco.mj_resetData(model, this.data);
    this.spec.randomize(this.data.qpos as Float64Array, this.data.qvel as Float64Array, this.rng);
    mujoco.mj_forward(model, this.data);
    this.spec.derived?.read(this.data, this.derived);
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    (this.data.ctrl as Float64Array)[0] = this.spec.control(action);
    this.spec.advance(this.spec.model(), this.data);
    this.spec.derived?.read(this.data, this.derived);
    this.t++;
    const state = this.getState();
    const { reward, terminated } = this.spec.outcome(state, action);
    return { observation: this.spec.observe(state), reward, terminated, truncated: this.t >= this.maxEpisodeSteps };
  }

  getState(): Float64Array {
    const n = this.spec.dofs;
    const s = new Float64Array(this.stateDim);
    s.set(this.data.qpos as Float64Array, 0);
    s.set(this.data.qvel as Float64Array, n);
    s.set(this.data.qacc_warmstart as Float64Array, 2 * n);
    s.set(this.derived, 3 * n);
    s[this.stateDim - 2] = this.data.time;
    s[this.stateDim - 1] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    const n = this.spec.dofs;
    const step = state[this.stateDim - 1];
    if (state.length !== this.stateDim || !state.every(Number.isFinite) || !Number.isInteger(step) || step < 0)
      fail('invalid-input', `${this.id}: a state is [${this.spec.stateLayout}, time, step] (finite, step a non-negative integer), got ${state.length} values`);
    (this.data.qpos as Float64Array).set(state.subarray(0, n));
    (this.data.qvel as Float64Array).set(state.subarray(n, 2 * n));
    (this.data.qacc_warmstart as Float64Array).set(state.subarray(2 * n, 3 * n));
    this.data.time = state[this.stateDim - 2];
    mujocoModule().mj_forward(this.spec.model(), this.data);
    this.derived.set(state.subarray(3 * n, 3 * n + this.derived.length));
    this.t = step;
  }

  observe(): Float32Array {
    return this.spec.observe(this.getState());
  }
}

/** The single-task family ('default') of a pendulum, its one config field `maxEpisodeSteps`. */
export const pendulumEnv = (spec: PendulumSpec): MultiTaskEnv => {
  const { id } = spec;
  const configCodec = strictConfig(`${id} config`, {
    maxEpisodeSteps: withDefault(PositiveInt, spec.maxEpisodeSteps),
  });
  const checkTask = (task: string): void => {
    if (task !== 'default') fail('not-found', `${id}: unknown task "${task}" (tasks: default)`);
  };
  return {
    id,
    description: spec.description,
    tasks: ['default'],
    observationSpace: () => spec.observationSpace,
    actionSpace: spec.actionSpace,
    configCodec: asEnvConfigCodec(configCodec),
    prepare: async () => {
      await loadMujoco();
      spec.model();
    },
    make: (task: string, config: EnvConfig, seed: number): Env => {
      checkTask(task);
      return new PendulumEnv(spec, decodeConfigOrThrow(configCodec, config, `${id} config`).maxEpisodeSteps, seed);
    },
    reward: (task, config) => {
      checkTask(task);
      decodeConfigOrThrow(configCodec, config, `${id} config`);
      return (_s, a, next) => spec.outcome(next, a).reward;
    },
  };
};
