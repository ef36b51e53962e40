import * as E from 'fp-ts/lib/Either.js';
import type { MjData, MjModel } from 'mujoco-js';
import { PositiveInt, withDefault } from '../../core/codecs.ts';
import { fail } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { box, boxOf, type Space } from '../../core/spaces.ts';
import { asEnvConfigCodec, decodeConfigOrThrow, strictConfig } from '../config.ts';
import type { Action, Env, EnvConfig, MultiTaskEnv, StepResult } from '../types.ts';
import { compileModel, loadMujoco, mujocoModule, writeMemfs } from '../walker/mujoco.ts';

/**
 * Gymnasium's InvertedDoublePendulum-v5 (`gymnasium/envs/mujoco/inverted_double_pendulum_v5.py`,
 * its `assets/inverted_double_pendulum.xml` below, comments left out) on MuJoCo's WebAssembly
 * build: a cart (slide ±1, motor gear 500, control in [−1, 1]) carrying two 0.6 m poles; RK4 with
 * a 0.01 s timestep, 5 physics steps per env step. Observation (9): cart x, sin and cos of both
 * hinge angles, the 3 velocities clipped to ±10, the cart's constraint force clipped to ±10.
 * Reward 10·(not terminated) − (0.01 x² + (y − 2)²) − (1e-3 θ̇₁² + 5e-3 θ̇₂²), with (x, y) the tip
 * site; terminated when y ≤ 1; 1000 steps. As in Gymnasium, the tip and the constraint force are
 * read after mj_step, i.e. as computed at the start of the last physics step; they are part of
 * the state (getState) so the reward is a function of stored states. Reset: qpos + U(±0.1),
 * qvel + 0.1·N(0, 1). One of the MT-DDPG tasks of D'Eramo et al. 2020 (PyBullet's
 * InvertedDoublePendulumBulletEnv there).
 */
export const INVERTED_DOUBLE_PENDULUM_XML = `<mujoco model="cartpole">
  <compiler coordinate="local" inertiafromgeom="true"/>
  <custom>
    <numeric data="2" name="frame_skip"/>
  </custom>
  <default>
    <joint damping="0.05"/>
    <geom contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
  </default>
  <option gravity="1e-5 0 -9.81" integrator="RK4" timestep="0.01"/>
  <size nstack="3000"/>
  <worldbody>
    <geom name="floor" pos="0 0 -3.0" rgba="0.8 0.9 0.8 1" size="40 40 40" type="plane"/>
    <geom name="rail" pos="0 0 0" quat="0.707 0 0.707 0" rgba="0.3 0.3 0.7 1" size="0.02 1" type="capsule"/>
    <body name="cart" pos="0 0 0">
      <joint axis="1 0 0" limited="true" margin="0.01" name="slider" pos="0 0 0" range="-1 1" type="slide"/>
      <geom name="cart" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1" type="capsule"/>
      <body name="pole" pos="0 0 0">
        <joint axis="0 1 0" name="hinge" pos="0 0 0" type="hinge"/>
        <geom fromto="0 0 0 0 0 0.6" name="cpole" rgba="0 0.7 0.7 1" size="0.045 0.3" type="capsule"/>
        <body name="pole2" pos="0 0 0.6">
          <joint axis="0 1 0" name="hinge2" pos="0 0 0" type="hinge"/>
          <geom fromto="0 0 0 0 0 0.6" name="cpole2" rgba="0 0.7 0.7 1" size="0.045 0.3" type="capsule"/>
          <site name="tip" pos="0 0 .6" size="0.01 0.01"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="500" joint="slider" name="slide"/>
  </actuator>
</mujoco>
`;

export const INVERTED_DOUBLE_PENDULUM = {
  frameSkip: 5,
  resetNoise: 0.1,
  healthyReward: 10,
  maxEpisodeSteps: 1000,
} as const;

const ID = 'mujoco/inverted-double-pendulum';
const MEMFS_PATH = '/distillery/mujoco-pendulums/inverted_double_pendulum.xml';
/** getState: qpos (3), qvel (3), warm start (3), tip x, tip z, cart constraint force, time, step. */
const S = { qpos: 0, qvel: 3, warm: 6, tipX: 9, tipZ: 10, force: 11, time: 12, step: 13 } as const;
const STATE_DIM = 14;

let compiled: MjModel | undefined;
/** The compiled model (once; needs the module loaded: `invertedDoublePendulum.prepare()`). */
export const invertedDoublePendulumModel = (): MjModel => {
  if (compiled) return compiled;
  const mujoco = mujocoModule();
  writeMemfs(mujoco, MEMFS_PATH, INVERTED_DOUBLE_PENDULUM_XML);
  const m = compileModel(mujoco, MEMFS_PATH, 'InvertedDoublePendulum model');
  if (E.isLeft(m)) return fail('internal', m.left.message);
  return (compiled = m.right);
};

/** Gymnasium's reward and termination from the tip position and the hinge velocities. */
export const invertedDoublePendulumOutcome = (tipX: number, tipZ: number, v1: number, v2: number): { reward: number; terminated: boolean } => {
  const terminated = tipZ <= 1;
  const dist = 0.01 * tipX * tipX + (tipZ - 2) ** 2;
  const vel = 1e-3 * v1 * v1 + 5e-3 * v2 * v2;
  return { reward: (terminated ? 0 : INVERTED_DOUBLE_PENDULUM.healthyReward) - dist - vel, terminated };
};

const clip10 = (x: number): number => (x < -10 ? -10 : x > 10 ? 10 : x);

/** The 9 observation values from a stored state. */
export const invertedDoublePendulumObservation = (s: ArrayLike<number>): Float32Array =>
  Float32Array.of(s[0], Math.sin(s[1]), Math.sin(s[2]), Math.cos(s[1]), Math.cos(s[2]), clip10(s[3]), clip10(s[4]), clip10(s[5]), clip10(s[S.force]));

const configCodec = strictConfig(`${ID} config`, {
  maxEpisodeSteps: withDefault(PositiveInt, INVERTED_DOUBLE_PENDULUM.maxEpisodeSteps),
});

const dataRegistry = new FinalizationRegistry<MjData>((data) => data.delete());
const unbounded = (n: number): Space => box(new Array<number>(n).fill(-Infinity), new Array<number>(n).fill(Infinity));

class InvertedDoublePendulumEnv implements Env {
  readonly id = ID;
  readonly task = 'default';
  readonly observationSpace = unbounded(9);
  readonly actionSpace: Space = boxOf(1, -1, 1);
  readonly stateDim = STATE_DIM;
  private readonly data: MjData;
  private rng: Rng;
  /** Tip and cart constraint force as Gymnasium reads them after a step (kept for getState). */
  private readonly derived = new Float64Array(3);
  private t = 0;

  constructor(
    readonly maxEpisodeSteps: number,
    seed: number,
  ) {
    this.data = new (mujocoModule().MjData)(invertedDoublePendulumModel());
    dataRegistry.register(this, this.data);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const mujoco = mujocoModule();
    const model = invertedDoublePendulumModel();
    mujoco.mj_resetData(model, this.data);
    const noise = INVERTED_DOUBLE_PENDULUM.resetNoise;
    const qpos = this.data.qpos as Float64Array;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.rng.range(-noise, noise);
    const qvel = this.data.qvel as Float64Array;
    for (let i = 0; i < qvel.length; i++) qvel[i] = noise * this.rng.normal();
    mujoco.mj_forward(model, this.data);
    this.readDerived();
    this.t = 0;
    return this.observe();
  }

  private readDerived(): void {
    const site = this.data.site_xpos as Float64Array;
    this.derived[0] = site[0];
    this.derived[1] = site[2];
    this.derived[2] = (this.data.qfrc_constraint as Float64Array)[0];
  }

  step(action: Action): StepResult {
    const u = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
    if (!Number.isFinite(u)) fail('invalid-input', `${ID}: an action is one finite number, got ${String(action)}`);
    const mujoco = mujocoModule();
    const model = invertedDoublePendulumModel();
    (this.data.ctrl as Float64Array)[0] = u;
    for (let i = 0; i < INVERTED_DOUBLE_PENDULUM.frameSkip; i++) mujoco.mj_step(model, this.data);
    this.readDerived();
    this.t++;
    const qvel = this.data.qvel as Float64Array;
    const { reward, terminated } = invertedDoublePendulumOutcome(this.derived[0], this.derived[1], qvel[1], qvel[2]);
    return { observation: this.observe(), reward, terminated, truncated: this.t >= this.maxEpisodeSteps };
  }

  getState(): Float64Array {
    const s = new Float64Array(STATE_DIM);
    s.set(this.data.qpos as Float64Array, S.qpos);
    s.set(this.data.qvel as Float64Array, S.qvel);
    s.set(this.data.qacc_warmstart as Float64Array, S.warm);
    s.set(this.derived, S.tipX);
    s[S.time] = this.data.time;
    s[S.step] = this.t;
    return s;
  }

  setState(state: Float64Array): void {
    if (state.length !== STATE_DIM || !state.every(Number.isFinite) || !Number.isInteger(state[S.step]) || state[S.step] < 0)
      fail('invalid-input', `${ID}: a state is [qpos ×3, qvel ×3, warm start ×3, tip x, tip z, cart constraint force, time, step] (finite, step a non-negative integer), got ${state.length} values`);
    (this.data.qpos as Float64Array).set(state.subarray(S.qpos, S.qpos + 3));
    (this.data.qvel as Float64Array).set(state.subarray(S.qvel, S.qvel + 3));
    (this.data.qacc_warmstart as Float64Array).set(state.subarray(S.warm, S.warm + 3));
    this.data.time = state[S.time];
    mujocoModule().mj_forward(invertedDoublePendulumModel(), this.data);
    this.derived.set(state.subarray(S.tipX, S.tipX + 3));
    this.t = state[S.step];
  }

  observe(): Float32Array {
    return invertedDoublePendulumObservation(this.getState());
  }
}

export const invertedDoublePendulum: MultiTaskEnv = {
  id: ID,
  description: "Gymnasium's InvertedDoublePendulum-v5 on MuJoCo (WebAssembly): balance two poles on a cart; 10 per step less tip-distance and velocity penalties, 1000 steps",
  tasks: ['default'],
  observationSpace: () => unbounded(9),
  actionSpace: boxOf(1, -1, 1),
  configCodec: asEnvConfigCodec(configCodec),
  prepare: async () => {
    await loadMujoco();
    invertedDoublePendulumModel();
  },
  make: (task: string, config: EnvConfig, seed: number): Env => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    return new InvertedDoublePendulumEnv(decodeConfigOrThrow(configCodec, config, `${ID} config`).maxEpisodeSteps, seed);
  },
  reward: (task, config) => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    decodeConfigOrThrow(configCodec, config, `${ID} config`);
    return (_s, _a, next) => invertedDoublePendulumOutcome(next[S.tipX], next[S.tipZ], next[S.qvel + 1], next[S.qvel + 2]).reward;
  },
};
