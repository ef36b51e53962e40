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
const MEMFS_PATH = '/distillery/mujoco-pendulums/inverted_pendulum.xml';
/** getState: qpos (2), qvel (2), the constraint solver's warm start (2: the next step depends on it), time, step counter. */
const STATE_DIM = 8;

let compiled: MjModel | undefined;
/** The compiled model (compiled once; needs the module loaded: `invertedPendulum.prepare()`). */
export const invertedPendulumModel = (): MjModel => {
  if (compiled) return compiled;
  const mujoco = mujocoModule();
  writeMemfs(mujoco, MEMFS_PATH, INVERTED_PENDULUM_XML);
  const m = compileModel(mujoco, MEMFS_PATH, 'InvertedPendulum model');
  if (E.isLeft(m)) return fail('internal', m.left.message);
  return (compiled = m.right);
};

/** Gymnasium's termination: a non-finite observation or |pole angle| > 0.2. */
export const invertedPendulumTerminal = (qpos: ArrayLike<number>, qvel: ArrayLike<number>): boolean =>
  ![qpos[0], qpos[1], qvel[0], qvel[1]].every(Number.isFinite) || Math.abs(qpos[1]) > INVERTED_PENDULUM.maxAngle;

const configCodec = strictConfig(`${ID} config`, {
  maxEpisodeSteps: withDefault(PositiveInt, INVERTED_PENDULUM.maxEpisodeSteps),
});

const dataRegistry = new FinalizationRegistry<MjData>((data) => data.delete());

class InvertedPendulumEnv implements Env {
  readonly id = ID;
  readonly task = 'default';
  readonly observationSpace: Space = box([-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity, Infinity]);
  readonly actionSpace: Space = boxOf(1, -INVERTED_PENDULUM.maxControl, INVERTED_PENDULUM.maxControl);
  readonly stateDim = STATE_DIM;
  private readonly data: MjData;
  private rng: Rng;
  private t = 0;

  constructor(
    readonly maxEpisodeSteps: number,
    seed: number,
  ) {
    this.data = new (mujocoModule().MjData)(invertedPendulumModel());
    dataRegistry.register(this, this.data);
    this.rng = Rng.fromSeed(seed);
    this.reset(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = Rng.fromSeed(seed);
    const mujoco = mujocoModule();
    mujoco.mj_resetData(invertedPendulumModel(), this.data);
    const { resetNoise } = INVERTED_PENDULUM;
    const qpos = this.data.qpos as Float64Array;
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.rng.range(-resetNoise, resetNoise);
    const qvel = this.data.qvel as Float64Array;
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.rng.range(-resetNoise, resetNoise);
    mujoco.mj_forward(invertedPendulumModel(), this.data);
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    const u = typeof action === 'number' ? action : action.length === 1 ? action[0] : NaN;
    if (!Number.isFinite(u)) fail('invalid-input', `${ID}: an action is one finite number, got ${String(action)}`);
    const mujoco = mujocoModule();
    (this.data.ctrl as Float64Array)[0] = u;
    for (let i = 0; i < INVERTED_PENDULUM.frameSkip; i++) mujoco.mj_step(invertedPendulumModel(), this.data);
    this.t++;
    const terminated = invertedPendulumTerminal(this.data.qpos as Float64Array, this.data.qvel as Float64Array);
    return { observation: this.observe(), reward: terminated ? 0 : 1, terminated, truncated: this.t >= this.maxEpisodeSteps };
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
      fail('invalid-input', `${ID}: a state is [x, θ, ẋ, θ̇, warm start ×2, time, step] (finite, step a non-negative integer), got [${Array.from(state).join(', ')}]`);
    (this.data.qpos as Float64Array).set(state.subarray(0, 2));
    (this.data.qvel as Float64Array).set(state.subarray(2, 4));
    (this.data.qacc_warmstart as Float64Array).set(state.subarray(4, 6));
    this.data.time = state[6];
    mujocoModule().mj_forward(invertedPendulumModel(), this.data);
    this.t = state[7];
  }

  observe(): Float32Array {
    const q = this.data.qpos as Float64Array;
    const v = this.data.qvel as Float64Array;
    return Float32Array.of(q[0], q[1], v[0], v[1]);
  }
}

export const invertedPendulum: MultiTaskEnv = {
  id: ID,
  description: "Gymnasium's InvertedPendulum-v5 on MuJoCo (WebAssembly): keep a pole on a cart within 0.2 rad; +1 per step, 1000 steps",
  tasks: ['default'],
  observationSpace: () => box([-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity, Infinity]),
  actionSpace: boxOf(1, -INVERTED_PENDULUM.maxControl, INVERTED_PENDULUM.maxControl),
  configCodec: asEnvConfigCodec(configCodec),
  prepare: async () => {
    await loadMujoco();
    invertedPendulumModel();
  },
  make: (task: string, config: EnvConfig, seed: number): Env => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    return new InvertedPendulumEnv(decodeConfigOrThrow(configCodec, config, `${ID} config`).maxEpisodeSteps, seed);
  },
  reward: (task, config) => {
    if (task !== 'default') fail('not-found', `${ID}: unknown task "${task}" (tasks: default)`);
    decodeConfigOrThrow(configCodec, config, `${ID} config`);
    return (_s, _a, next) => (invertedPendulumTerminal(next.subarray(0, 2), next.subarray(2, 4)) ? 0 : 1);
  },
};
