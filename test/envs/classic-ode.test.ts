/**
 * Car-on-Hill and the Lagoudakis & Parr inverted pendulum (MushroomRL's definitions) against an
 * independent SciPy reference (bench/reference/mushroom_envs.py, test/envs/classic-ode-reference.ts),
 * and the Dormand–Prince integrator they step with against closed-form solutions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import {
  CAR_ON_HILL,
  INVERTED_PENDULUM_LP,
  carOnHillOutcome,
  integrate,
  invertedPendulumLpStep,
  nextNoiseKey,
  noiseOf,
  wrapAngle,
} from '../../src/envs/classic/index.ts';
import { makeEnv, type Env } from '../../src/envs/index.ts';
import { ODE_REFERENCE } from './classic-ode-reference.ts';

const make = (id: string, seed = 0): Env => E.getOrElseW((e: { message: string }) => assert.fail(e.message))(makeEnv(id, { task: 'default' }, seed));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
/** Like maxDiff, the first value an angle (θ = π and θ = −π are one state). */
const angleDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const d = a[0] - b[0];
  return Math.max(Math.abs(d - 2 * Math.PI * Math.round(d / (2 * Math.PI))), Math.abs(a[1] - b[1]));
};

test('integrate: exponential decay and the harmonic oscillator to 1e-10 of their closed forms', () => {
  const decay = integrate((y, dy) => void (dy[0] = -2 * y[0]), [1], 1.5);
  assert.ok(Math.abs(decay[0] - Math.exp(-3)) < 1e-10, `${decay[0]} vs ${Math.exp(-3)}`);
  const osc = integrate((y, dy) => ((dy[0] = y[1]), (dy[1] = -4 * y[0])), [1, 0], 2.3);
  assert.ok(maxDiff(osc, [Math.cos(4.6), -2 * Math.sin(4.6)]) < 1e-9, `${osc.join()} `);
  // a zero-length interval returns the start
  assert.deepEqual(Array.from(integrate((y, dy) => void (dy[0] = 1), [0.5], 0)), [0.5]);
});

test('Car-on-Hill steps like the SciPy odeint reference (each step to 1e-9, whole episodes to 1e-7; rewards and termination equal)', () => {
  let worst = 0;
  let steps = 0;
  for (const [k, c] of ODE_REFERENCE['classic/car-on-hill'].entries()) {
    const env = make('classic/car-on-hill');
    const alone = make('classic/car-on-hill');
    env.setState(Float64Array.from([...c.state, 0]));
    for (const [i, s] of c.steps.entries()) {
      // one step from the reference's own state…
      alone.setState(Float64Array.from([...(i === 0 ? c.state : c.steps[i - 1].state), i]));
      alone.step(c.controls[i]);
      const where = `case ${k} step ${i}`;
      const one = alone.getState().subarray(0, 2);
      assert.ok(maxDiff(one, s.state) < 1e-9, `${where}: ${Array.from(one).join()} vs ${s.state.join()}`);
      // …and the whole episode from its start
      const r = env.step(c.controls[i]);
      const state = env.getState().subarray(0, 2);
      worst = Math.max(worst, maxDiff(state, s.state));
      assert.ok(maxDiff(state, s.state) < 1e-7, `${where}: ${Array.from(state).join()} vs ${s.state.join()}`);
      assert.ok(maxDiff(r.observation, s.state) < 1e-6, `${where}: observation`);
      assert.equal(r.reward, s.reward, where);
      assert.equal(r.terminated, s.terminated, where);
      steps++;
    }
  }
  assert.ok(steps > 50, `${steps} steps checked`);
  assert.ok(worst > 0, 'an exact match would mean the reference is not independent');
});

test('the L&P inverted pendulum steps like the SciPy odeint reference under the same total forces (each step to 1e-9; the first 10 steps of an episode to 1e-7, after which the open-loop upright pole has amplified any difference)', () => {
  let steps = 0;
  for (const [k, c] of ODE_REFERENCE['classic/inverted-pendulum-lp'].entries()) {
    let state: ArrayLike<number> = c.state;
    for (const [i, s] of c.steps.entries()) {
      const where = `case ${k} step ${i}`;
      const one = new Float64Array(2);
      const r = invertedPendulumLpStep(i === 0 ? c.state : c.steps[i - 1].state, c.controls[i], one);
      assert.ok(angleDiff(one, s.state) < 1e-9, `${where}: ${Array.from(one).join()} vs ${s.state.join()}`);
      const next = new Float64Array(2);
      invertedPendulumLpStep(state, c.controls[i], next);
      if (i < 10) assert.ok(angleDiff(next, s.state) < 1e-7, `${where}: ${Array.from(next).join()} vs ${s.state.join()}`);
      assert.equal(r.reward, s.reward, where);
      assert.equal(r.terminated, s.terminated, where);
      state = next;
      steps++;
    }
  }
  assert.ok(steps > 70, `${steps} steps checked`);
});

test('the pendulum env adds noise uniform in ±10 N keyed by its state: the step lies between the extreme forces and replays exactly', () => {
  const env = make('classic/inverted-pendulum-lp', 3);
  const twin = make('classic/inverted-pendulum-lp', 3);
  const noises: number[] = [];
  for (let t = 0; t < 20; t++) {
    const before = env.getState();
    const action = t % 3;
    const r = env.step(action);
    assert.deepEqual(twin.step(action), r, 'same seed, same step');
    if (r.terminated) break;
    const u = INVERTED_PENDULUM_LP.forces[action];
    const lo = new Float64Array(2);
    const hi = new Float64Array(2);
    invertedPendulumLpStep(before, u + INVERTED_PENDULUM_LP.noise, lo);
    invertedPendulumLpStep(before, u - INVERTED_PENDULUM_LP.noise, hi);
    const omega = env.getState()[1];
    // the noise comes from the key in the state: replaying it gives the step exactly
    const key = nextNoiseKey(before[2]);
    const replay = new Float64Array(2);
    invertedPendulumLpStep(before, u + noiseOf(key), replay);
    assert.deepEqual(Array.from(env.getState().subarray(0, 2)), Array.from(replay));
    assert.equal(env.getState()[2], key);
    noises.push(noiseOf(key));
    // more force pushes the pole back: ω after the step decreases in u while cos θ > 0
    assert.ok(lo[1] <= omega && omega <= hi[1], `step ${t}: ω ${omega} outside [${lo[1]}, ${hi[1]}]`);
    assert.ok(omega !== lo[1] && omega !== hi[1]);
  }
  assert.notDeepEqual(make('classic/inverted-pendulum-lp', 4).getState(), env.getState());
  assert.ok(noises.length >= 5 && new Set(noises).size === noises.length);
  // the generator's noise is uniform on [−10, 10): mean ≈ 0, variance ≈ 100/3 over 20000 keys
  let key = 12345;
  const draws = Array.from({ length: 20000 }, () => noiseOf((key = nextNoiseKey(key))));
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
  assert.ok(Math.abs(mean) < 0.15 && Math.abs(variance - 100 / 3) < 1, `mean ${mean}, variance ${variance}`);
  assert.ok(Math.min(...draws) >= -10 && Math.max(...draws) < 10 && Math.min(...draws) < -9.99 && Math.max(...draws) > 9.99);
});

test('resets: Car-on-Hill always at (−0.5, 0); the pendulum θ uniform in [−π/8, π/8], ω = 0', () => {
  const coh = make('classic/car-on-hill', 9);
  for (let i = 0; i < 5; i++) assert.deepEqual(Array.from(coh.reset()), [-0.5, 0]);
  const ip = make('classic/inverted-pendulum-lp', 9);
  const angles = Array.from({ length: 200 }, () => ip.reset()[0]);
  assert.ok(angles.every((a) => Math.abs(a) <= Math.fround(Math.PI / 8)));
  assert.ok(Math.min(...angles) < -0.3 && Math.max(...angles) > 0.3, 'spread over the range');
  assert.equal(ip.observe()[1], 0);
  assert.equal(ip.observe().length, 2, 'the pending noise is not observed');
  assert.equal(coh.maxEpisodeSteps, CAR_ON_HILL.maxEpisodeSteps);
  assert.equal(ip.maxEpisodeSteps, INVERTED_PENDULUM_LP.maxEpisodeSteps);
});

test("Car-on-Hill's outcome thresholds and the pendulum's angle wrap are MushroomRL's", () => {
  assert.deepEqual(carOnHillOutcome(1.0001, 3), { reward: 1, terminated: true });
  assert.deepEqual(carOnHillOutcome(1.0001, 3.0001), { reward: -1, terminated: true });
  assert.deepEqual(carOnHillOutcome(1, 0), { reward: 0, terminated: false });
  assert.deepEqual(carOnHillOutcome(-1.0001, 0), { reward: -1, terminated: true });
  assert.deepEqual(carOnHillOutcome(-1, -3), { reward: 0, terminated: false });
  assert.ok(Math.abs(wrapAngle(3 * Math.PI / 2) + Math.PI / 2) < 1e-15);
  assert.ok(Math.abs(wrapAngle(-3 * Math.PI / 2) - Math.PI / 2) < 1e-15);
  assert.equal(wrapAngle(Math.PI), Math.PI);
  assert.equal(wrapAngle(0.25), 0.25);
});
