import * as E from 'fp-ts/lib/Either.js';
import type { MjData, MjModel } from 'mujoco-js';
import { PositiveInt, withDefault } from '../../core/codecs.ts';
import { fail } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { box, boxOf, type Space } from '../../core/spaces.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, StepResult } from '../types.ts';
import { compileModel, loadMujoco, mujocoModule, writeMemfs } from '../walker/mujoco.ts';
import { tolerance } from '../walker/tolerance.ts';

/**
 * DeepMind Control's cartpole `swingup` (`dm_control/suite/cartpole.py`, `cartpole.xml` below
 * without its skybox/visual/material includes, lights and cameras, which change no physics): a
 * 1 kg cart on a rail (slide ±1.8, motor gear 10, control in [−1, 1]) with a 1 m, 0.1 kg pole
 * starting hanging down; RK4, 0.01 s per step, 1000 steps (10 s), no termination.
 * Observation [cart x, cos θ, sin θ, ẋ, θ̇] (the pole's xmat zz and xz entries). Reward
 * upright · small_control · small_velocity · centered with upright = (cos θ + 1)/2,
 * centered = (1 + tolerance(x, margin 2))/2, small_control = (4 + tolerance(u, margin 1,
 * value 0, quadratic))/5, small_velocity = (1 + tolerance(θ̇, margin 5))/2. Reset: x = 0.01·N,
 * θ = π + 0.01·N, velocities 0.01·N. The "pendulum swing-up" of D'Eramo et al. 2020's MT-DDPG
 * (PyBullet's InvertedPendulumSwingupBulletEnv there: the same cart-pole swing-up, reward cos θ).
 */
export const CARTPOLE_XML = `<mujoco model="cart-pole">
  <option timestep="0.01" integrator="RK4">
    <flag contact="disable" energy="enable"/>
  </option>
  <default>
    <default class="pole">
      <joint type="hinge" axis="0 1 0"  damping="2e-6"/>
      <geom type="capsule" fromto="0 0 0 0 0 1" size="0.045" mass=".1"/>
    </default>
  </default>
  <worldbody>
    <geom name="floor" pos="0 0 -.05" size="4 4 .2" type="plane"/>
    <geom name="rail1" type="capsule" pos="0  .07 1" zaxis="1 0 0" size="0.02 2"/>
    <geom name="rail2" type="capsule" pos="0 -.07 1" zaxis="1 0 0" size="0.02 2"/>
    <body name="cart" pos="0 0 1">
      <joint name="slider" type="slide" limited="true" axis="1 0 0" range="-1.8 1.8" solreflimit=".08 1" damping="5e-4"/>
      <geom name="cart" type="box" size="0.2 0.15 0.1" mass="1"/>
      <body name="pole_1" childclass="pole">
        <joint name="hinge_1"/>
        <geom name="pole_1"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" gear="10" ctrllimited="true" ctrlrange="-1 1" />
  </actuator>
</mujoco>
`;

export const CARTPOLE_SWINGUP = { maxEpisodeSteps: 1000, resetNoise: 0.01 } as const;

const ID = 'mujoco/cartpole-swingup';
const MEMFS_PATH = '/distillery/mujoco-pendulums/cartpole.xml';
/** getState: qpos (2), qvel (2), warm start (2), time, step. */
const STATE_DIM = 8;

let compiled: MjModel | undefined;
/** The compiled model (once; needs the module loaded: `cartpoleSwingup.prepare()`). */
export const cartpoleModel = (): MjModel => {
  if (compiled) return compiled;
  const mujoco = mujocoModule();
  writeMemfs(mujoco, MEMFS_PATH, CARTPOLE_XML);
  const m = compileModel(mujoco, MEMFS_PATH, 'cartpole model');
  if (E.isLeft(m)) return fail('internal', m.left.message);
  return (compiled = m.right);
};

/** dm_control's smooth swing-up reward of the state reached (x, θ, θ̇) under control u. */
export const cartpoleSwingupReward = (x: number, theta: number, thetaDot: number, u: number): number => {
  const upright = (Math.cos(theta) + 1) / 2;
  const centered = (1 + tolerance(x, 0, 0, { margin: 2 })) / 2;
  const smallControl = (4 + tolerance(u, 0, 0, { margin: 1, valueAtMargin: 0, sigmoid: 'quadratic' })) / 5;
  const smallVelocity = (1 + tolerance(thetaDot, 0, 0, { margin: 5 })) / 2;
  return upright * smallControl * smallVelocity * centered;
};

/** The control the motor applies: the action clipped to [−1, 1] (ctrllimited). */
const controlOf = (action: Action): number => {
  const u = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
  if (!Number.isFinite(u)) fail('invalid-input', `${ID}: an action is one finite number, got ${String(action)}`);
  return u < -1 ? -1 : u > 1 ? 1 : u;
};

const configCodec = strictConfig(`${ID} config`, {
  maxEpisodeSteps: withDefault(PositiveInt, CARTPOLE_SWINGUP.maxEpisodeSteps),
});

const dataRegistry = new FinalizationRegistry<MjData>((data) => data.delete());
const OBS_SPACE = box([-Infinity, -1, -1, -Infinity, -Infinity], [Infinity, 1, 1, Infinity, Infinity]);

class CartpoleSwingupEnv implements Env {
  readonly id = ID;
  readonly task = 'default';
  readonly observationSpace: Space = OBS_SPACE;
  readonly actionSpace: Space = boxOf(1, -1, 1);
  readonly stateDim = STATE_DIM;
  private readonly data: MjData;
  private rng: Rng;
  private t = 0;

  constructor(
    readonly maxEpisodeSteps: number,
    seed: number,
  ) {
    this.data = new (mujocoModule().MjData)(cartpoleModel());
    dataRegistry.register(this, this.data);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const mujoco = mujocoModule();
    mujoco.mj_resetData(cartpoleModel(), this.data);
    const noise = CARTPOLE_SWINGUP.resetNoise;
    const qpos = this.data.qpos as Float64Array;
    qpos[0] = noise * this.rng.normal();
    qpos[1] = Math.PI + noise * this.rng.normal();
    const qvel = this.data.qvel as Float64Array;
    for (let i = 0; i < qvel.length; i++) qvel[i] = noise * this.rng.normal();
    mujoco.mj_forward(cartpoleModel(), this.data);
    this.t = 0;
    return this.observe();
  }

  /** dm_control's step: mj_step2 completes the step whose first half is current, mj_step1 brings positions up to date. */
  step(action: Action): StepResult {
    const u = controlOf(action);
    const mujoco = mujocoModule();
    (this.data.ctrl as Float64Array)[0] = u;
    mujoco.mj_step2(cartpoleModel(), this.data);
    mujoco.mj_step1(cartpoleModel(), this.data);
    this.t++;
    const q = this.data.qpos as Float64Array;
    const v = this.data.qvel as Float64Array;
    return { observation: this.observe(), reward: cartpoleSwingupReward(q[0], q[1], v[1], u), terminated: false, truncated: this.t >= this.maxEpisodeSteps };
  }

  getState(): Float64Array {
    const s = new Float64Array(STATE_DIM);
    s.set(this.data.qpos as Float64Array, 0);
    s.set(this.data.qvel as Float64Array, 2);
    s.set(this.data.qacc_warmstart as Float64Array, 4);
    s[6] = this.data.time;
    s[7] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    if (state.length !== STATE_DIM || !state.every(Number.isFinite) || !Number.isInteger(state[7]) || state[7] < 0)
      fail('invalid-input', `${ID}: a state is [x, θ, ẋ, θ̇, warm start ×2, time, step] (finite, step a non-negative integer), got ${state.length} values`);
    (this.data.qpos as Float64Array).set(state.subarray(0, 2));
    (this.data.qvel as Float64Array).set(state.subarray(2, 4));
    (this.data.qacc_warmstart as Float64Array).set(state.subarray(4, 6));
    this.data.time = state[6];
    mujocoModule().mj_forward(cartpoleModel(), this.data);
    this.t = state[7];
  }

  observe(): Float32Array {
    const q = this.data.qpos as Float64Array;
    const v = this.data.qvel as Float64Array;
    return Float32Array.of(q[0], Math.cos(q[1]), Math.sin(q[1]), v[0], v[1]);
  }
}

export const cartpoleSwingup: MultiTaskEnv = {
  id: ID,
  description: "DeepMind Control's cartpole swing-up on MuJoCo (WebAssembly): swing a hanging pole up and balance it; smooth reward in [0, 1], 1000 steps",
  tasks: ['default'],
  observationSpace: () => OBS_SPACE,
  actionSpace: boxOf(1, -1, 1),
  configCodec: asEnvConfigCodec(configCodec),
  prepare: async () => {
    await loadMujoco();
    cartpoleModel();
  },
  make: (task: string, config: EnvConfig, seed: number): Env => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    return new CartpoleSwingupEnv(decodeConfigOrThrow(configCodec, config, `${ID} config`).maxEpisodeSteps, seed);
  },
  reward: (task, config) => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    decodeConfigOrThrow(configCodec, config, `${ID} config`);
    return (_s, a, next) => cartpoleSwingupReward(next[0], next[1], next[3], controlOf(a));
  },
};
