import { box, boxOf } from '../../core/spaces.ts';
import type { MultiTaskEnv } from '../types.ts';
import { frameSkip, lazyModel, pendulumEnv, scalarAction } from './pendulum-env.ts';

/**
 * Gymnasium's InvertedPendulum-v5 (`gymnasium/envs/mujoco/inverted_pendulum_v5.py`, its
 * `assets/inverted_pendulum.xml` below) on MuJoCo's WebAssembly build: a cart on a rail (slide
 * joint, range ±1) carrying a pole (hinge, ±90°), joint damping 1, one motor on the cart with
 * gear 100 and control in [−3, 3]; RK4 with a 0.02 s timestep, 2 physics steps per env step.
 * Observation [cart x, pole angle, cart ẋ, pole angular velocity] (float32 here, float64 there);
 * reward 1 per step while the observation is finite and |angle| ≤ 0.2, terminated otherwise
 * (that step pays 0); truncated at 1000 steps (the registration's limit). Reset: qpos and qvel
 * each uniform in ±0.01 around 0, then a forward pass. One of the MT-DDPG tasks of D'Eramo et
 * al. 2020, who used PyBullet's InvertedPendulumBulletEnv.
 */
export const INVERTED_PENDULUM_XML = `<mujoco model="inverted pendulum">
	<compiler inertiafromgeom="true"/>
	<default>
		<joint armature="0" damping="1" limited="true"/>
		<geom contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
		<tendon/>
		<motor ctrlrange="-3 3"/>
	</default>
	<option gravity="0 0 -9.81" integrator="RK4" timestep="0.02"/>
	<size nstack="3000"/>
	<worldbody>
		<geom name="rail" pos="0 0 0" quat="0.707 0 0.707 0" rgba="0.3 0.3 0.7 1" size="0.02 1" type="capsule"/>
		<body name="cart" pos="0 0 0">
			<joint axis="1 0 0" limited="true" name="slider" pos="0 0 0" range="-1 1" type="slide"/>
			<geom name="cart" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1" type="capsule"/>
			<body name="pole" pos="0 0 0">
				<joint axis="0 1 0" name="hinge" pos="0 0 0" range="-90 90" type="hinge"/>
				<geom fromto="0 0 0 0.001 0 0.6" name="cpole" rgba="0 0.7 0.7 1" size="0.049 0.3" type="capsule"/>
			</body>
		</body>
	</worldbody>
	<actuator>
		<motor ctrllimited="true" ctrlrange="-3 3" gear="100" joint="slider" name="slide"/>
	</actuator>
</mujoco>
`;

export const INVERTED_PENDULUM = {
  frameSkip: 2,
  resetNoise: 0.01,
  maxAngle: 0.2,
  maxControl: 3,
  maxEpisodeSteps: 1000,
} as const;

const ID = 'mujoco/inverted-pendulum';

/** The compiled model (compiled once; needs the module loaded: `invertedPendulum.prepare()`). */
export const invertedPendulumModel = lazyModel('/distillery/mujoco-pendulums/inverted_pendulum.xml', INVERTED_PENDULUM_XML, 'InvertedPendulum model');

/** Gymnasium's termination: a non-finite observation or |pole angle| > 0.2. */
export const invertedPendulumTerminal = (qpos: ArrayLike<number>, qvel: ArrayLike<number>): boolean =>
  ![qpos[0], qpos[1], qvel[0], qvel[1]].every(Number.isFinite) || Math.abs(qpos[1]) > INVERTED_PENDULUM.maxAngle;

/** State: qpos (2), qvel (2), warm start (2), time, step; the observation is its first 4 entries. */
export const invertedPendulum: MultiTaskEnv = pendulumEnv({
  id: ID,
  description: "Gymnasium's InvertedPendulum-v5 on MuJoCo (WebAssembly): keep a pole on a cart within 0.2 rad; +1 per step, 1000 steps",
  dofs: 2,
  observationSpace: box([-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity, Infinity]),
  actionSpace: boxOf(1, -INVERTED_PENDULUM.maxControl, INVERTED_PENDULUM.maxControl),
  maxEpisodeSteps: INVERTED_PENDULUM.maxEpisodeSteps,
  model: invertedPendulumModel,
  stateLayout: 'x, θ, ẋ, θ̇, warm start ×2',
  control: (action) => scalarAction(ID, action),
  randomize: (qpos, qvel, rng) => {
    const { resetNoise } = INVERTED_PENDULUM;
    for (let i = 0; i < qpos.length; i++) qpos[i] = rng.range(-resetNoise, resetNoise);
    for (let i = 0; i < qvel.length; i++) qvel[i] = rng.range(-resetNoise, resetNoise);
  },
  advance: frameSkip(INVERTED_PENDULUM.frameSkip),
  observe: (s) => Float32Array.of(s[0], s[1], s[2], s[3]),
  outcome: (s) => {
    const terminated = invertedPendulumTerminal(s.subarray(0, 2), s.subarray(2, 4));
    return { reward: terminated ? 0 : 1, terminated };
  },
});
