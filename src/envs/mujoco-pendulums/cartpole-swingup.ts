import { box, boxOf } from '../../core/spaces.ts';
import type { Action, MultiTaskEnv } from '../types.ts';
import { mujocoModule } from '../walker/mujoco.ts';
import { tolerance } from '../walker/tolerance.ts';
import { lazyModel, pendulumEnv, scalarAction } from './pendulum-env.ts';

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

/** The compiled model (once; needs the module loaded: `cartpoleSwingup.prepare()`). */
export const cartpoleModel = lazyModel('/distillery/mujoco-pendulums/cartpole.xml', CARTPOLE_XML, 'cartpole model');

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
  const u = scalarAction(ID, action);
  return u < -1 ? -1 : u > 1 ? 1 : u;
};

/** State: qpos (2), qvel (2), warm start (2), time, step. */
export const cartpoleSwingup: MultiTaskEnv = pendulumEnv({
  id: ID,
  description: "DeepMind Control's cartpole swing-up on MuJoCo (WebAssembly): swing a hanging pole up and balance it; smooth reward in [0, 1], 1000 steps",
  dofs: 2,
  observationSpace: box([-Infinity, -1, -1, -Infinity, -Infinity], [Infinity, 1, 1, Infinity, Infinity]),
  actionSpace: boxOf(1, -1, 1),
  maxEpisodeSteps: CARTPOLE_SWINGUP.maxEpisodeSteps,
  model: cartpoleModel,
  stateLayout: 'x, θ, ẋ, θ̇, warm start ×2',
  control: controlOf,
  randomize: (qpos, qvel, rng) => {
    const noise = CARTPOLE_SWINGUP.resetNoise;
    qpos[0] = noise * rng.normal();
    qpos[1] = Math.PI + noise * rng.normal();
    for (let i = 0; i < qvel.length; i++) qvel[i] = noise * rng.normal();
  },
  /** dm_control's step: mj_step2 completes the step whose first half is current, mj_step1 brings positions up to date. */
  advance: (model, data) => {
    const mujoco = mujocoModule();
    mujoco.mj_step2(model, data);
    mujoco.mj_step1(model, data);
  },
  observe: (s) => Float32Array.of(s[0], Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]),
  outcome: (s, action) => ({ reward: cartpoleSwingupReward(s[0], s[1], s[3], controlOf(action)), terminated: false }),
});
