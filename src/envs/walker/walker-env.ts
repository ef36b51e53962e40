import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { MjData } from 'mujoco-js';
import { Rng } from '../../core/rng.ts';
import { boxOf, type Space } from '../../core/spaces.ts';
import { NonEmptyString, PositiveInt, decode, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure, distilleryError, fail, type DistilleryError } from '../../core/errors.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, RewardFn, StepResult } from '../types.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import { DEFAULT_EPISODE_STEPS, WALKER_NQ, WALKER_NU } from './model.ts';
import { WALKER_TASKS, taskReward, type WalkerTask } from './rewards.ts';
import { loadMujoco } from './mujoco.ts';
import { loadWalkerModel } from './loader.ts';
import {
  DataViews,
  STATE_QPOS,
  STATE_QVEL,
  STATE_STEP,
  STATE_TIME,
  STATE_WARMSTART,
  WALKER_OBS_DIM,
  WALKER_STATE_DIM,
  featuresOf,
  kinematics,
  observeInto,
  type WalkerModel,
} from './physics.ts';

export interface WalkerConfig {
  /** Path of a DeepMind-Control-compatible walker.xml (its <include>s are loaded too); null: the built-in model. */
  readonly model: string | null;
  readonly maxEpisodeSteps: number;
}

export const walkerConfigCodec = strictConfig('walker config', {
  model: withDefault(t.union([NonEmptyString, t.null]), null),
  maxEpisodeSteps: withDefault(PositiveInt, DEFAULT_EPISODE_STEPS),
});

const decodeWalkerConfig = (config: EnvConfig | undefined): WalkerConfig => decodeConfigOrThrow(walkerConfigCodec, config, 'walker config');

const modelOf = (config: WalkerConfig): WalkerModel => {
  const r = loadWalkerModel(config.model);
  if (E.isLeft(r)) throw new DistilleryFailure(r.left);
  return r.right;
};

const taskOf = (task: string): WalkerTask =>
  (WALKER_TASKS as readonly string[]).includes(task)
    ? (task as WalkerTask)
    : fail('not-found', `walker: unknown task "${task}" (tasks: ${WALKER_TASKS.join(', ')})`);

/** MjData handles live in WebAssembly memory: free them when their env is garbage-collected. */
const dataRegistry = new FinalizationRegistry<MjData>((data) => {
  try {
    data.delete();
  } catch {
    // Already deleted by close().
  }
});

/**
 * One scratch MjData per model for reward functions: they set it to s' and run forward
 * kinematics. Synchronous and single-threaded, so sharing it is safe.
 */
const scratch = new WeakMap<WalkerModel, DataViews>();
const scratchOf = (w: WalkerModel): DataViews => {
  let v = scratch.get(w);
  if (!v) {
    v = new DataViews(new w.mujoco.MjData(w.model));
    scratch.set(w, v);
  }
  return v.fresh();
};

const checkState = (state: Float64Array): void => {
  if (!(state instanceof Float64Array) || state.length !== WALKER_STATE_DIM)
    fail('invalid-input', `walker: a state has ${WALKER_STATE_DIM} values (qpos 9, qvel 9, warm start 9, time, step), got ${state?.length}`);
};

/** R_task(s, a, s') from s' alone: the walker's rewards depend only on the state reached. */
const rewardFnOf = (w: WalkerModel, task: WalkerTask): RewardFn => (_s, _a, next) => {
  checkState(next);
  const v = scratchOf(w);
  v.qpos.set(next.subarray(STATE_QPOS, STATE_QPOS + WALKER_NQ));
  v.qvel.set(next.subarray(STATE_QVEL, STATE_QVEL + WALKER_NQ));
  kinematics(w, v.data);
  return taskReward(task, featuresOf(w, v.fresh()));
};

/** The planar walker bound to one task. */
export class WalkerEnv implements Env {
  readonly id = 'walker';
  readonly observationSpace: Space = boxOf(WALKER_OBS_DIM, -Infinity, Infinity);
  readonly actionSpace: Space = boxOf(WALKER_NU, -1, 1);
  readonly stateDim = WALKER_STATE_DIM;
  readonly maxEpisodeSteps: number;
  private readonly data: MjData;
  private readonly views: DataViews;
  private rng: Rng;
  private t = 0;
  private closed = false;
  private badQaccWarnings = 0;

  constructor(
    readonly task: WalkerTask,
    readonly physics: WalkerModel,
    config: WalkerConfig,
    seed: number,
  ) {
    this.maxEpisodeSteps = config.maxEpisodeSteps;
    this.data = new physics.mujoco.MjData(physics.model);
    dataRegistry.register(this, this.data, this);
    this.views = new DataViews(this.data);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  /** Control steps taken in this episode. */
  get elapsedSteps(): number {
    return this.t;
  }

  /** Simulated time in seconds. */
  get time(): number {
    return this.data.time;
  }

  /**
   * dm_control's reset: MuJoCo's default state, then every limited joint uniform in its range and
   * rooty uniform in [−π, π] (root slides stay at 0: the torso starts at 1.3 m), zero velocity,
   * then a forward pass. The walker task does no settling steps, and the initial pose may touch
   * or slightly penetrate the floor; the first physics steps resolve it, as in dm_control.
   */
  reset(seed?: number): Float32Array {
    this.live();
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const { mujoco, model, resetLow, resetHigh, resetQposAdr } = this.physics;
    mujoco.mj_resetData(model, this.data);
    const v = this.views.fresh();
    for (let i = 0; i < resetQposAdr.length; i++) v.qpos[resetQposAdr[i]] = this.rng.range(resetLow[i], resetHigh[i]);
    this.forward();
    this.t = 0;
    return this.observe();
  }

  /**
   * Applies the action for one control step of `substeps` physics steps, stepping as dm_control
   * does: mj_step2 (completing the step whose first half is current), mj_step for the rest, then
   * mj_step1 so positions, velocities and derived quantities describe the state reached.
   */
  step(action: Action): StepResult {
    this.live();
    const { mujoco, model, actuatorIds, substeps } = this.physics;
    if (typeof action === 'number' || action.length !== WALKER_NU)
      fail('invalid-input', `walker: an action has ${WALKER_NU} values, got ${typeof action === 'number' ? 'a number' : action.length}`);
    const a = action as Float32Array;
    const v = this.views.fresh();
    for (let i = 0; i < WALKER_NU; i++) {
      const u = a[i];
      if (!Number.isFinite(u)) fail('invalid-input', `walker: action component ${i} is ${u}`);
      v.ctrl[actuatorIds[i]] = u < -1 ? -1 : u > 1 ? 1 : u;
    }
    const d = this.data;
    mujoco.mj_step2(model, d);
    for (let i = 1; i < substeps; i++) mujoco.mj_step(model, d);
    mujoco.mj_step1(model, d);
    mujoco.mj_subtreeVel(model, d);
    this.checkDivergence();
    this.t++;
    const fresh = this.views.fresh();
    return {
      observation: observeInto(this.physics, fresh, new Float32Array(WALKER_OBS_DIM)),
      reward: taskReward(this.task, featuresOf(this.physics, fresh)),
      terminated: false,
      truncated: this.t >= this.maxEpisodeSteps,
    };
  }

  getState(): Float64Array {
    this.live();
    const v = this.views.fresh();
    const s = new Float64Array(WALKER_STATE_DIM);
    s.set(v.qpos, STATE_QPOS);
    s.set(v.qvel, STATE_QVEL);
    s.set(v.warmstart, STATE_WARMSTART);
    s[STATE_TIME] = this.data.time;
    s[STATE_STEP] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    this.live();
    checkState(state);
    for (let i = 0; i < STATE_STEP; i++)
      if (!Number.isFinite(state[i])) fail('invalid-input', `walker: state value ${i} is ${state[i]}`);
    const step = state[STATE_STEP];
    if (!Number.isInteger(step) || step < 0) fail('invalid-input', `walker: the step counter of a state must be a non-negative integer, got ${step}`);
    const v = this.views.fresh();
    v.qpos.set(state.subarray(STATE_QPOS, STATE_QPOS + WALKER_NQ));
    v.qvel.set(state.subarray(STATE_QVEL, STATE_QVEL + WALKER_NQ));
    v.warmstart.set(state.subarray(STATE_WARMSTART, STATE_WARMSTART + WALKER_NQ));
    this.data.time = state[STATE_TIME];
    this.forward();
    this.t = step;
  }

  observe(): Float32Array {
    this.live();
    return observeInto(this.physics, this.views.fresh(), new Float32Array(WALKER_OBS_DIM));
  }

  /** The reward of the current state for `task` (any walker task, not only this env's). */
  rewardOf(task: string): number {
    this.live();
    return taskReward(taskOf(task), featuresOf(this.physics, this.views.fresh()));
  }

  /** Frees the simulator memory now instead of at garbage collection; the env is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    dataRegistry.unregister(this);
    this.data.delete();
  }

  private live(): void {
    if (this.closed) fail('invalid-input', 'walker: the env was closed');
  }

  /** mj_forward plus subtree velocities (which only a sensor would otherwise trigger). */
  private forward(): void {
    const { mujoco, model } = this.physics;
    mujoco.mj_forward(model, this.data);
    mujoco.mj_subtreeVel(model, this.data);
    this.badQaccWarnings = this.warningCount();
  }

  /**
   * MuJoCo answers a non-finite acceleration by resetting the data and counting a warning;
   * dm_control turns any such warning into a PhysicsError, and so do we.
   */
  private checkDivergence(): void {
    const n = this.warningCount();
    if (n !== this.badQaccWarnings) {
      this.badQaccWarnings = n;
      fail('numeric', `walker: the simulation diverged at step ${this.t + 1} (MuJoCo reset the state after a non-finite acceleration)`);
    }
  }

  private warningCount(): number {
    const w = this.data.warning.get(WARN_BADQACC);
    if (!w) return 0;
    const n = w.number;
    w.delete();
    return n;
  }
}

/** mjtWarning.mjWARN_BADQACC */
const WARN_BADQACC = 6;

const FiniteArray9 = new t.Type<number[], number[], unknown>(
  'array of 9 finite numbers',
  (u): u is number[] => Array.isArray(u) && u.length === WALKER_NQ && u.every((x) => typeof x === 'number' && Number.isFinite(x)),
  (u, c) =>
    Array.isArray(u) && u.length === WALKER_NQ && u.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? t.success(u as number[])
      : t.failure(u, c, `expected an array of ${WALKER_NQ} finite numbers`),
  t.identity,
);

const InitStateJson = strictConfig('walker state', { qpos: FiniteArray9, qvel: FiniteArray9 });

/** `{"qpos": [9], "qvel": [9]}` → a state at step 0, time 0, with a cold solver warm start. */
export const walkerStateFromJson = (json: unknown, what: string): E.Either<DistilleryError, Float64Array> => {
  const r = decode(InitStateJson, json, what);
  if (E.isLeft(r)) return r;
  const s = new Float64Array(WALKER_STATE_DIM);
  s.set(r.right.qpos, STATE_QPOS);
  s.set(r.right.qvel, STATE_QVEL);
  return E.right(s);
};

/** The walker family, with `prepare()` loading the MuJoCo WebAssembly module and the built-in model once. */
export interface WalkerFamily extends MultiTaskEnv {
  prepare(): Promise<void>;
  make(task: string, config: EnvConfig, seed: number): WalkerEnv;
}

export const walkerEnv: WalkerFamily = {
  id: 'walker',
  description:
    'DeepMind Control planar walker on MuJoCo (WebAssembly): 24-d observation, 6 motors in [-1, 1], 10 physics steps of 2.5 ms per action, 1000 steps; tasks stand, walk (1 m/s), run (8 m/s), flip (forward angular momentum 5)',
  tasks: WALKER_TASKS,
  actionSpace: boxOf(WALKER_NU, -1, 1),
  observationSpace: (config) => {
    decodeWalkerConfig(config);
    return boxOf(WALKER_OBS_DIM, -Infinity, Infinity);
  },
  configCodec: asEnvConfigCodec(walkerConfigCodec),
  stateFromJson: walkerStateFromJson,
  prepare: async () => {
    await loadMujoco().catch((u: unknown) => {
      throw new DistilleryFailure(
        distilleryError('unsupported', `walker: could not load the MuJoCo WebAssembly module (mujoco-js): ${u instanceof Error ? u.message : String(u)}`, u),
      );
    });
    modelOf({ model: null, maxEpisodeSteps: DEFAULT_EPISODE_STEPS });
  },
  make: (task, config, seed) => {
    const c = decodeWalkerConfig(config);
    const k = taskOf(task);
    return new WalkerEnv(k, modelOf(c), c, seed);
  },
  reward: (task, config) => rewardFnOf(modelOf(decodeWalkerConfig(config)), taskOf(task)),
};
