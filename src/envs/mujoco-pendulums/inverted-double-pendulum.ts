import { box, boxOf, type Space } from '../../core/spaces.ts';
import type { MultiTaskEnv } from '../types.ts';
import { frameSkip, lazyModel, pendulumEnv, scalarAction } from './pendulum-env.ts';

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
/** getState: qpos (3), qvel (3), warm start (3), tip x, tip z, cart constraint force, time, step. */
const S = { qpos: 0, qvel: 3, warm: 6, tipX: 9, tipZ: 10, force: 11, time: 12, step: 13 } as const;

/** The compiled model (once; needs the module loaded: `invertedDoublePendulum.prepare()`). */
export const invertedDoublePendulumModel = lazyModel(
  '/distillery/mujoco-pendulums/inverted_double_pendulum.xml',
  INVERTED_DOUBLE_PENDULUM_XML,
  'InvertedDoublePendulum model',
);

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

const unbounded = (n: number): Space => box(new Array<number>(n).fill(-Infinity), new Array<number>(n).fill(Infinity));

export const invertedDoublePendulum: MultiTaskEnv = pendulumEnv({
  id: ID,
  description: "Gymnasium's InvertedDoublePendulum-v5 on MuJoCo (WebAssembly): balance two poles on a cart; 10 per step less tip-distance and velocity penalties, 1000 steps",
  dofs: 3,
  observationSpace: unbounded(9),
  actionSpace: boxOf(1, -1, 1),
  maxEpisodeSteps: INVERTED_DOUBLE_PENDULUM.maxEpisodeSteps,
  model: invertedDoublePendulumModel,
  stateLayout: 'qpos ×3, qvel ×3, warm start ×3, tip x, tip z, cart constraint force',
  control: (action) => scalarAction(ID, action),
  randomize: (qpos, qvel, rng) => {
    const noise = INVERTED_DOUBLE_PENDULUM.resetNoise;
    for (let i = 0; i < qpos.length; i++) qpos[i] = rng.range(-noise, noise);
    for (let i = 0; i < qvel.length; i++) qvel[i] = noise * rng.normal();
  },
  advance: frameSkip(INVERTED_DOUBLE_PENDULUM.frameSkip),
  /** Tip and cart constraint force as Gymnasium reads them after a step (kept in the state). */
  derived: {
    dim: 3,
    read: (data, out) => {
      const site = data.site_xpos as Float64Array;
      out[0] = site[0];
      out[1] = site[2];
      out[2] = (data.qfrc_constraint as Float64Array)[0];
    },
  },
  observe: invertedDoublePendulumObservation,
  outcome: (s) => invertedDoublePendulumOutcome(s[S.tipX], s[S.tipZ], s[S.qvel + 1], s[S.qvel + 2]),
});
