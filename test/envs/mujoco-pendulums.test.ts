/**
 * Gymnasium's InvertedPendulum-v5 and InvertedDoublePendulum-v5 and dm_control's cartpole swing-up on MuJoCo's WebAssembly build:
 * the model's accelerations against the cart-pole equations of motion written from the MJCF's
 * capsules, the tip's kinematics, the rewards from their formulas, falls and termination, the
 * reset distributions and exact state replay.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import type { MjData } from 'mujoco-js';
import { INVERTED_PENDULUM, invertedPendulum, invertedPendulumModel } from '../../src/envs/mujoco-pendulums/inverted-pendulum.ts';
import { INVERTED_DOUBLE_PENDULUM, invertedDoublePendulum, invertedDoublePendulumOutcome } from '../../src/envs/mujoco-pendulums/inverted-double-pendulum.ts';
import { cartpoleSwingup, cartpoleSwingupReward } from '../../src/envs/mujoco-pendulums/cartpole-swingup.ts';
import { makeEnv, type Env } from '../../src/envs/index.ts';
import { mujocoModule } from '../../src/envs/walker/mujoco.ts';

before(async () => {
  await invertedPendulum.prepare!();
  await invertedDoublePendulum.prepare!();
  await cartpoleSwingup.prepare!();
});

const make = (seed = 0): Env => E.getOrElseW((e: { message: string }) => assert.fail(e.message))(makeEnv('mujoco/inverted-pendulum', { task: 'default' }, seed));
const at = (x: number, theta: number, v = 0, omega = 0, step = 0): Float64Array => Float64Array.of(x, theta, v, omega, 0, 0, 0, step);

test('accelerations at rest equal the cart-pole equations written from the MJCF capsules (density 1000), for several controls', () => {
  const mujoco = mujocoModule();
  const model = invertedPendulumModel();
  const data = new mujoco.MjData(model) as MjData;
  try {
    const capsuleMass = (r: number, h: number) => 1000 * (Math.PI * r * r * h + (4 / 3) * Math.PI * r ** 3);
    const cartMass = capsuleMass(0.1, 0.2);
    const [r, h] = [0.049, Math.hypot(0.001, 0.6)];
    const poleMass = capsuleMass(r, h);
    const [xc, zc] = [0.0005, 0.3]; // the pole's centre of mass (the middle of fromto)
    // MuJoCo's capsule inertia about a transverse axis through its centre: cylinder + two hemispheres
    const mCyl = 1000 * Math.PI * r * r * h;
    const mHemi = 1000 * (2 / 3) * Math.PI * r ** 3;
    const iCentre = mCyl * ((r * r) / 4 + (h * h) / 12) + 2 * mHemi * ((83 / 320) * r * r + (h / 2 + (3 / 8) * r) ** 2);
    const inertia = iCentre + poleMass * (xc * xc + zc * zc); // about the hinge (parallel axes)
    for (const u of [0, 1, -2.5]) {
      mujoco.mj_resetData(model, data);
      (data.ctrl as Float64Array)[0] = u;
      mujoco.mj_forward(model, data);
      // (M + m) ẍ + m z_c θ̈ = 100 u  (gear 100);   m z_c ẍ + I θ̈ = m g x_c  (no velocity: no damping)
      const [a11, a12, a22] = [cartMass + poleMass, poleMass * zc, inertia];
      const [b1, b2] = [100 * u, poleMass * 9.81 * xc];
      const det = a11 * a22 - a12 * a12;
      const xdd = (b1 * a22 - a12 * b2) / det;
      const tdd = (a11 * b2 - a12 * b1) / det;
      const qacc = data.qacc as Float64Array;
      assert.ok(Math.abs(qacc[0] - xdd) < 1e-3 * Math.max(1, Math.abs(xdd)), `u ${u}: ẍ ${qacc[0]} vs ${xdd}`);
      assert.ok(Math.abs(qacc[1] - tdd) < 1e-3 * Math.max(1, Math.abs(tdd)), `u ${u}: θ̈ ${qacc[1]} vs ${tdd}`);
    }
  } finally {
    data.delete();
  }
});

test('an env step is 2 RK4 steps of 0.02 s; pushing right accelerates the cart right and tips the pole left', () => {
  const env = make();
  env.setState(at(0, 0));
  const r = env.step(Float32Array.of(1));
  assert.ok(Math.abs(env.getState()[6] - 0.04) < 1e-12, `time ${env.getState()[6]}`);
  assert.ok(r.observation[2] > 0 && r.observation[3] < 0, `${Array.from(r.observation)}`);
  assert.equal(r.reward, 1);
  assert.equal(r.terminated, false);
});

test('a tilted pole falls: reward 1 while |θ| ≤ 0.2, then a terminal step paying 0', () => {
  const env = make();
  env.setState(at(0, 0.05));
  let t = 0;
  let last = 0.05;
  for (;;) {
    const r = env.step(Float32Array.of(0));
    t++;
    const theta = env.getState()[1];
    assert.ok(theta > last, 'the tilt grows');
    last = theta;
    if (theta > INVERTED_PENDULUM.maxAngle) {
      assert.deepEqual([r.reward, r.terminated], [0, true]);
      break;
    }
    assert.deepEqual([r.reward, r.terminated], [1, false]);
    assert.ok(t < 200, 'it falls');
  }
  assert.ok(t > 3, `fell after ${t} steps`);
});

test('resets are uniform in ±0.01; a restored state replays exactly; the step limit truncates', () => {
  const env = make(5);
  const starts = Array.from({ length: 100 }, () => env.reset());
  for (const o of starts) assert.ok(Array.from(o).every((v) => Math.abs(v) <= 0.01 + 1e-9));
  assert.ok(Math.max(...starts.map((o) => o[1])) > 0.008 && Math.min(...starts.map((o) => o[1])) < -0.008);
  env.reset();
  for (let i = 0; i < 3; i++) env.step(Float32Array.of(0.3));
  const saved = env.getState();
  const a = [0.5, -1, 2, 0].map((u) => env.step(Float32Array.of(u)));
  const other = make(9);
  other.setState(saved);
  const b = [0.5, -1, 2, 0].map((u) => other.step(Float32Array.of(u)));
  assert.deepEqual(b, a);
  assert.deepEqual(other.getState(), env.getState());
  const short = E.getOrElseW(() => assert.fail())(makeEnv('mujoco/inverted-pendulum', { task: 'default', maxEpisodeSteps: 2 }, 0));
  short.setState(at(0, 0));
  assert.equal(short.step(Float32Array.of(0)).truncated, false);
  assert.equal(short.step(Float32Array.of(0)).truncated, true);
});

const makeDouble = (seed = 0): Env => E.getOrElseW((e: { message: string }) => assert.fail(e.message))(makeEnv('mujoco/inverted-double-pendulum', { task: 'default' }, seed));

test('double pendulum: the tip of two 0.6 m poles at the reset pose; observation layout; reset noise U(±0.1) and 0.1·N(0, 1)', () => {
  const env = makeDouble(2);
  const angles: number[] = [];
  const speeds: number[] = [];
  for (let k = 0; k < 50; k++) {
    const o = env.reset();
    const s = env.getState();
    const [x, a, b] = [s[0], s[1], s[2]];
    // a hinge about y turns the pole's z axis to (sin θ, 0, cos θ)
    const tipX = x + 0.6 * Math.sin(a) + 0.6 * Math.sin(a + b);
    const tipZ = 0.6 * Math.cos(a) + 0.6 * Math.cos(a + b);
    assert.ok(Math.abs(s[9] - tipX) < 1e-9 && Math.abs(s[10] - tipZ) < 1e-9, `tip ${s[9]}, ${s[10]} vs ${tipX}, ${tipZ}`);
    const expected = [x, Math.sin(a), Math.sin(b), Math.cos(a), Math.cos(b), s[3], s[4], s[5], s[11]].map((v) => Math.fround(Math.max(-10, Math.min(10, v))));
    assert.deepEqual(Array.from(o), expected);
    angles.push(a, b, x);
    speeds.push(s[3], s[4], s[5]);
  }
  assert.ok(angles.every((v) => Math.abs(v) <= INVERTED_DOUBLE_PENDULUM.resetNoise));
  const sd = Math.sqrt(speeds.reduce((t, v) => t + v * v, 0) / speeds.length);
  assert.ok(sd > 0.07 && sd < 0.13, `velocity noise std ${sd}`);
});

test("double pendulum: Gymnasium's reward from the tip and the hinge velocities; it falls without control and terminates at tip z ≤ 1", () => {
  const env = makeDouble(0);
  env.reset();
  let t = 0;
  for (;;) {
    const r = env.step(Float32Array.of(0));
    t++;
    const s = env.getState();
    const expected = invertedDoublePendulumOutcome(s[9], s[10], s[4], s[5]);
    assert.equal(r.reward, expected.reward);
    assert.equal(r.terminated, s[10] <= 1);
    if (!r.terminated) assert.ok(r.reward > 8 && r.reward < 10 - 0.64 + 1e-9, `step ${t}: ${r.reward}`);
    if (r.terminated) break;
    assert.ok(t < 100, 'it falls');
  }
  assert.ok(t >= 3, `fell after ${t} steps`);
  assert.deepEqual(invertedDoublePendulumOutcome(0, 1.2, 0, 0), { reward: 10 - 0.64, terminated: false });
  assert.deepEqual(invertedDoublePendulumOutcome(1, 1, 2, 1), { reward: -(0.01 + 1 + 4e-3 + 5e-3), terminated: true });
});

const makeSwingup = (seed = 0): Env => E.getOrElseW((e: { message: string }) => assert.fail(e.message))(makeEnv('mujoco/cartpole-swingup', { task: 'default' }, seed));

test("cartpole swing-up: dm_control's smooth reward, a hanging start, 0.01 s steps, the pole's xmat in the observation", () => {
  // reward pieces at chosen points: upright pole at the centre, no control, no spin → 1
  assert.equal(cartpoleSwingupReward(0, 0, 0, 0), 1);
  // hanging: upright = 0
  assert.equal(cartpoleSwingupReward(0, Math.PI, 0, 0), 0);
  // full control: small_control = (4 + 0)/5; one margin of spin: small_velocity = (1 + 0.1)/2; cart 2 m away: centered (1 + 0.1)/2
  assert.ok(Math.abs(cartpoleSwingupReward(2, 0, 5, 1) - 0.8 * 0.55 * 0.55) < 1e-12);
  const env = makeSwingup(3);
  const o = env.reset();
  assert.ok(o[1] < -0.99 && Math.abs(o[0]) < 0.05, `hanging start ${Array.from(o)}`);
  const r = env.step(Float32Array.of(0.5));
  const s = env.getState();
  assert.ok(Math.abs(s[6] - 0.01) < 1e-12);
  assert.deepEqual(Array.from(r.observation), [s[0], Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]].map(Math.fround));
  assert.equal(r.reward, cartpoleSwingupReward(s[0], s[1], s[3], 0.5));
  assert.ok(s[2] > 0, 'pushing right moves the cart right');
  assert.equal(r.terminated, false);
});

test('cartpole swing-up: a hanging pole under no control stays down (stable equilibrium), energy conserved up to damping', () => {
  const env = makeSwingup(0);
  env.setState(Float64Array.of(0, Math.PI + 0.1, 0, 0, 0, 0, 0, 0));
  let maxDev = 0;
  for (let i = 0; i < 300; i++) {
    env.step(Float32Array.of(0));
    maxDev = Math.max(maxDev, Math.abs(env.getState()[1] - Math.PI));
  }
  assert.ok(maxDev <= 0.1 + 1e-3 && maxDev > 0.09, `the swing keeps its amplitude: ${maxDev}`);
});
