import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../../src/core/errors.ts';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../helpers/io.ts';
import { CLASSIC_REFERENCE } from './classic-reference.ts';
import {
  acrobotTerminal,
  angleNormalize,
  cartPoleTerminal,
  mountainCarContinuousTerminal,
  mountainCarTerminal,
} from '../../src/envs/classic/index.ts';
import { getEnv, makeEnv, type Action, type Env } from '../../src/envs/index.ts';

const IDS = ['classic/cartpole', 'classic/acrobot', 'classic/mountain-car', 'classic/mountain-car-continuous', 'classic/pendulum'] as const;
/** Gymnasium's registered TimeLimits. */
const LIMITS: Record<(typeof IDS)[number], number> = {
  'classic/cartpole': 500,
  'classic/acrobot': 500,
  'classic/mountain-car': 200,
  'classic/mountain-car-continuous': 999,
  'classic/pendulum': 200,
};

const make = (id: string, seed = 0, config: Record<string, unknown> = {}): Env =>
  E.getOrElseW((e: { message: string }) => assert.fail(e.message))(makeEnv(id, { task: 'default', ...config }, seed));

const toAction = (a: number | readonly number[]): Action => (typeof a === 'number' ? a : Float32Array.from(a));

/** Gymnasium's state plus the step counter (our getState layout). */
const withStep = (state: readonly number[], step = 0): Float64Array => Float64Array.from([...state, step]);

const failureOf = (f: () => unknown): DistilleryFailure => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DistilleryFailure, `expected a DistilleryFailure, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e;
  }
  return assert.fail('expected a failure');
};

test('every classic env steps like the float64 NumPy reference (observations equal in float32, states to 1e-14)', () => {
  let steps = 0;
  for (const id of IDS) {
    const cases = CLASSIC_REFERENCE[id];
    assert.ok(cases && cases.length > 0, `${id}: no reference cases`);
    for (const [k, c] of cases.entries()) {
      const env = make(id);
      env.setState(withStep(c.state));
      for (const [i, s] of c.steps.entries()) {
        const r = env.step(toAction(c.actions[i]));
        const where = `${id} case ${k} step ${i}`;
        assert.deepEqual(Array.from(r.observation), s.obs, where);
        assert.equal(r.terminated, s.terminated, where);
        assert.ok(Math.abs(r.reward - s.reward) <= 1e-14 * Math.max(1, Math.abs(s.reward)), `${where}: reward ${r.reward} vs ${s.reward}`);
        const state = env.getState();
        s.state.forEach((x, j) => assert.ok(Math.abs(state[j] - x) <= 1e-14 * Math.max(1, Math.abs(x)), `${where}: state[${j}] ${state[j]} vs ${x}`));
        assert.equal(state[state.length - 1], i + 1, 'the step counter');
        steps++;
      }
    }
  }
  // The reference covers terminations (cartpole, acrobot, both mountain cars) and hundreds of steps.
  assert.ok(steps > 400, `only ${steps} reference steps`);
});

test('cartpole: one Euler step from rest computed by hand; termination at |x| > 2.4 and |θ| > 12°', () => {
  const env = make('classic/cartpole');
  env.setState(withStep([0, 0, 0, 0]));
  const r = env.step(1);
  // θ = 0: temp = F/(M+m), θ̈ = −temp / (l (4/3 − m/(M+m))), ẍ = temp − m l θ̈ / (M+m).
  const temp = 10 / 1.1;
  const thetaAcc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
  const xAcc = temp - (0.05 * thetaAcc) / 1.1;
  const s = env.getState();
  assert.equal(s[0], 0); // Euler: positions move with the old velocities
  assert.equal(s[2], 0);
  assert.ok(Math.abs(s[1] - 0.02 * xAcc) < 1e-15 && Math.abs(s[3] - 0.02 * thetaAcc) < 1e-15);
  assert.ok(Math.abs(s[1] - 0.1951219512195122) < 1e-12 && Math.abs(s[3] + 0.2926829268292683) < 1e-12);
  assert.deepEqual([r.reward, r.terminated, r.truncated], [1, false, false]);
  const limit = (12 * 2 * Math.PI) / 360;
  assert.ok(Math.abs(limit - 0.20943951023931953) < 1e-16);
  assert.equal(cartPoleTerminal(2.4, 0), false);
  assert.equal(cartPoleTerminal(2.4000001, 0), true);
  assert.equal(cartPoleTerminal(-2.4000001, 0), true);
  assert.equal(cartPoleTerminal(0, limit), false);
  assert.equal(cartPoleTerminal(0, -limit - 1e-12), true);
  // The terminating step pays 1, like every other.
  env.setState(withStep([2.39, 1, 0, 0]));
  const last = env.step(1);
  assert.deepEqual([last.reward, last.terminated], [1, true]);
});

test('acrobot: at rest hanging down with no torque it stays (up to cos(π/2) ≈ 6e-17); the tip threshold −cos θ1 − cos(θ1+θ2) > 1', () => {
  const env = make('classic/acrobot');
  env.setState(withStep([0, 0, 0, 0]));
  const r = env.step(1);
  for (const x of env.getState().subarray(0, 4)) assert.ok(Math.abs(x) < 1e-14);
  Array.from(r.observation).forEach((x, i) => assert.ok(Math.abs(x - [1, 0, 1, 0, 0, 0][i]) < 1e-15));
  assert.deepEqual([r.reward, r.terminated], [-1, false]);
  // With θ2 = 0 the tip is above the bar when cos θ1 < −1/2, i.e. |θ1| > 2π/3.
  assert.equal(acrobotTerminal((2 * Math.PI) / 3 + 1e-9, 0), true);
  assert.equal(acrobotTerminal((2 * Math.PI) / 3 - 1e-9, 0), false);
  assert.equal(acrobotTerminal(-Math.PI, 0), true);
  // Velocities are clipped to ±4π and ±9π and angles wrapped into [−π, π].
  env.setState(withStep([3.0, 3.0, 12.0, 27.0]));
  env.step(2);
  const s = env.getState();
  assert.ok(Math.abs(s[0]) <= Math.PI && Math.abs(s[1]) <= Math.PI);
  assert.ok(Math.abs(s[2]) <= 4 * Math.PI && Math.abs(s[3]) <= 9 * Math.PI);
});

test('mountain car: one step by hand, the left wall stops the car, the flag at 0.5', () => {
  const env = make('classic/mountain-car');
  env.setState(withStep([-0.5, 0]));
  const r = env.step(2);
  const v = 0 + (1 * 0.001 + Math.cos(-1.5) * -0.0025);
  assert.deepEqual(Array.from(env.getState()), [-0.5 + v, v, 1]);
  // cos 1.5 = 0.0707372016677029…, so v = 0.001 − 0.0025 · 0.0707372016677029 = 0.000823156995830743.
  assert.ok(Math.abs(v - 0.000823156995830743) < 1e-17);
  assert.deepEqual([r.reward, r.terminated], [-1, false]);
  env.setState(withStep([-1.19, -0.05]));
  env.step(0);
  assert.deepEqual(Array.from(env.getState()), [-1.2, 0, 1]);
  assert.equal(mountainCarTerminal(0.5, 0), true);
  assert.equal(mountainCarTerminal(0.4999999, 0.07), false);
  env.setState(withStep([0.49, 0.02]));
  assert.deepEqual(((x) => [x.reward, x.terminated])(env.step(1)), [-1, true]);
});

test('continuous mountain car: one float32 step by hand, −0.1·a² with the unclipped action, +100 at p ≥ 0.45', () => {
  const f = Math.fround;
  const env = make('classic/mountain-car-continuous');
  // After reset the state is float64: 3p and cos in float64, the force term in float32 (a float32 action).
  env.setState(withStep([-0.5, 0]));
  const r = env.step(Float32Array.of(1));
  const dv = f(f(1 * f(0.0015)) - f(0.0025 * Math.cos(-1.5)));
  assert.deepEqual(Array.from(env.getState()), [f(-0.5 + dv), f(dv), 1]);
  assert.ok(Math.abs(r.reward + 0.1) < 1e-15);
  // A clipped action still pays for its full size: a = 2 costs 0.4.
  env.setState(withStep([-0.5, 0]));
  assert.ok(Math.abs(env.step(Float32Array.of(2)).reward + 0.4) < 1e-15);
  assert.equal(mountainCarContinuousTerminal(f(0.45), 0), true);
  assert.equal(mountainCarContinuousTerminal(0.4499998, 0), false);
  env.setState(withStep([f(0.443), f(0.0069)]));
  const goal = env.step(Float32Array.of(0.5));
  assert.deepEqual([goal.reward, goal.terminated], [100 - 0.025, true]);
});

test('pendulum: one step by hand from upright at rest with u = 2; the angle is normalized into [−π, π)', () => {
  const env = make('classic/pendulum');
  env.setState(withStep([0, 0]));
  const r = env.step(Float32Array.of(2));
  const thetaDot = (15 * Math.sin(0) + 3 * 2) * 0.05;
  assert.deepEqual(Array.from(env.getState()), [0 + thetaDot * 0.05, thetaDot, 1]);
  assert.equal(r.reward, -Math.fround(Math.fround(0.001) * 4));
  assert.deepEqual(Array.from(r.observation), [Math.cos(0.015), Math.sin(0.015), thetaDot].map(Math.fround));
  assert.equal(r.terminated, false);
  assert.ok(Math.abs(angleNormalize(3 * Math.PI / 2) + Math.PI / 2) < 1e-15);
  assert.ok(Math.abs(angleNormalize(-3 * Math.PI / 2) - Math.PI / 2) < 1e-15);
  assert.equal(angleNormalize(0), 0);
  // The torque is clipped to ±2 (also in the cost) and the speed to ±8.
  env.setState(withStep([0, 0]));
  assert.equal(env.step(Float32Array.of(5)).reward, r.reward);
  env.setState(withStep([Math.PI / 2, 7.9]));
  env.step(Float32Array.of(2));
  assert.equal(env.getState()[1], 8);
});

test("Gymnasium's TimeLimit: truncated on the step that reaches 500/500/200/999/200, also together with terminated; configurable", () => {
  const still: Record<string, readonly number[]> = {
    'classic/cartpole': [0, 0, 0, 0],
    'classic/acrobot': [0, 0, 0, 0],
    'classic/mountain-car': [-0.5, 0],
    'classic/mountain-car-continuous': [-0.5, 0],
    'classic/pendulum': [Math.PI, 0],
  };
  const idle = (id: string): Action => (id === 'classic/mountain-car-continuous' || id === 'classic/pendulum' ? Float32Array.of(0) : id === 'classic/cartpole' ? 0 : 1);
  for (const id of IDS) {
    const env = make(id);
    assert.equal(env.maxEpisodeSteps, LIMITS[id], id);
    env.setState(withStep(still[id], LIMITS[id] - 2));
    assert.equal(env.step(idle(id)).truncated, false, id);
    const r = env.step(idle(id));
    assert.deepEqual([r.truncated, r.terminated], [true, false], id);
    const short = make(id, 0, { maxEpisodeSteps: 3 });
    short.reset();
    const flags = [0, 1, 2].map(() => short.step(idle(id)).truncated);
    assert.deepEqual(flags, [false, false, true], id);
  }
  // A whole pendulum episode from reset: exactly 200 steps, only the last truncated.
  const env = make('classic/pendulum', 4);
  let n = 0;
  for (;;) {
    n++;
    const r = env.step(Float32Array.of(0));
    if (r.truncated || r.terminated) break;
  }
  assert.equal(n, 200);
  // Terminated and truncated together on the last step, as Gymnasium's TimeLimit reports them.
  const cart = make('classic/cartpole');
  cart.setState(withStep([2.39, 1, 0, 0], 499));
  const both = cart.step(1);
  assert.deepEqual([both.terminated, both.truncated], [true, true]);
});

test("reset draws Gymnasium's start distributions from the env's seeded Rng", () => {
  const n = 2000;
  const ranges: Record<string, readonly (readonly [number, number])[]> = {
    'classic/cartpole': [[-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05]],
    'classic/acrobot': [[-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1]],
    'classic/mountain-car': [[-0.6, -0.4], [0, 0]],
    'classic/mountain-car-continuous': [[-0.6, -0.4], [0, 0]],
    'classic/pendulum': [[-Math.PI, Math.PI], [-1, 1]],
  };
  for (const id of IDS) {
    const env = make(id, 11);
    const lo = ranges[id].map(() => Infinity);
    const hi = ranges[id].map(() => -Infinity);
    for (let i = 0; i < n; i++) {
      env.reset();
      const s = env.getState();
      assert.equal(s[s.length - 1], 0);
      ranges[id].forEach(([a, b], j) => {
        // Acrobot's reset state is rounded to float32, which may land on ±0.1 itself.
        assert.ok(s[j] >= a && (s[j] < b || (a === b && s[j] === b) || (id === 'classic/acrobot' && s[j] <= Math.fround(b))), `${id}: state[${j}] = ${s[j]}`);
        if (id === 'classic/acrobot') assert.equal(Math.fround(s[j]), s[j], 'float32 reset state');
        lo[j] = Math.min(lo[j], s[j]);
        hi[j] = Math.max(hi[j], s[j]);
      });
    }
    // Uniform: 2000 draws come within 1% of the width of both ends.
    ranges[id].forEach(([a, b], j) => assert.ok(lo[j] - a <= 0.01 * (b - a) && b - hi[j] <= 0.01 * (b - a), `${id}: [${lo[j]}, ${hi[j]}]`));
  }
});

test('determinism per seed: same seed same starts and trajectories, another seed other starts; reset(seed) reseeds', () => {
  for (const id of IDS) {
    const play = (seed: number): number[] => {
      const env = make(id, seed);
      const out: number[] = [];
      for (let e = 0; e < 3; e++) {
        out.push(...env.reset());
        for (let t = 0; t < 20; t++) {
          const r = env.step(id.endsWith('continuous') || id.endsWith('pendulum') ? Float32Array.of(((t % 3) - 1) * 0.7) : t % 2);
          out.push(...r.observation, r.reward);
          if (r.terminated || r.truncated) break;
        }
      }
      return out;
    };
    assert.deepEqual(play(5), play(5), id);
    assert.notDeepEqual(play(5), play(6), id);
    const env = make(id, 0);
    const first = Array.from(env.reset(123));
    env.reset();
    assert.deepEqual(Array.from(env.reset(123)), first, id);
  }
});

test('bad actions and states are DistilleryFailures (invalid-input) or Lefts with one line', () => {
  assert.equal(failureOf(() => make('classic/cartpole').step(2)).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/acrobot').step(1.5)).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/pendulum').step(Float32Array.of(NaN))).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/mountain-car-continuous').step(Float32Array.of(0, 1))).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/pendulum').setState(Float64Array.of(0, 0))).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/pendulum').setState(Float64Array.of(0, Infinity, 0))).error.code, 'invalid-input');
  assert.equal(failureOf(() => make('classic/pendulum').setState(Float64Array.of(0, 0, 1.5))).error.code, 'invalid-input');
  const family = E.getOrElseW(() => assert.fail('no pendulum'))(getEnv('classic/pendulum'));
  for (const bad of [[1], [1, 2, 3, 4], [1, 'x'], { theta: 1 }, [0, 0, -1]]) {
    const r = family.stateFromJson!(bad, 'state.json');
    assert.ok(E.isLeft(r) && r.left.code === 'invalid-input' && !r.left.message.includes('\n'), JSON.stringify(bad));
  }
  assert.deepEqual(family.stateFromJson!([1, 2], 's'), E.right(Float64Array.of(1, 2, 0)));
  assert.deepEqual(family.stateFromJson!([1, 2, 7], 's'), E.right(Float64Array.of(1, 2, 7)));
  assert.ok(E.isLeft(makeEnv('classic/cartpole', { task: 'swing' }, 0)));
  assert.ok(E.isLeft(makeEnv('classic/cartpole', { task: 'default', maxEpisodeSteps: 0 }, 0)));
  assert.ok(E.isLeft(makeEnv('classic/cartpole', { task: 'default', gravity: 3 }, 0)));
});

test('distillery rollout --init-state (Gymnasium state) --actions prints the reference steps', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'distillery-classic-'));
  const run = async (...argv: string[]) => {
    const io = captureIO();
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };
  for (const id of IDS) {
    const c = CLASSIC_REFERENCE[id][0];
    const state = join(tmp, 'state.json');
    const actions = join(tmp, 'actions.json');
    writeFileSync(state, JSON.stringify(c.state));
    writeFileSync(actions, JSON.stringify(c.actions));
    const r = await run('rollout', '--env', id, '--task', 'default', '--init-state', state, '--actions', actions, '--json');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { observation: number[]; reward: number; terminated: boolean; truncated: boolean });
    assert.equal(lines.length, c.steps.length, id);
    lines.forEach((line, i) => {
      assert.deepEqual(line.observation, c.steps[i].obs, `${id} step ${i}`);
      assert.equal(line.terminated, c.steps[i].terminated);
      assert.equal(line.truncated, false);
      assert.ok(Math.abs(line.reward - c.steps[i].reward) <= 1e-14 * Math.max(1, Math.abs(c.steps[i].reward)));
    });
  }
  // A state of the wrong length and an action out of range: one line, exit 1.
  const state = join(tmp, 'bad-state.json');
  const actions = join(tmp, 'bad-actions.json');
  writeFileSync(state, JSON.stringify([0, 0, 0, 0]));
  writeFileSync(actions, JSON.stringify([[0.5]]));
  const bad = await run('rollout', '--env', 'classic/pendulum', '--task', 'default', '--init-state', state, '--actions', actions, '--json');
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
  writeFileSync(actions, JSON.stringify([3]));
  const badAction = await run('rollout', '--env', 'classic/cartpole', '--task', 'default', '--actions', actions, '--json');
  assert.equal(badAction.code, 1);
  assert.equal(badAction.err.trim().split('\n').length, 1, badAction.err);
});
