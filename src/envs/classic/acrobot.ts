import { box, discrete } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';

/**
 * Acrobot-v1 (Gymnasium `classic_control/acrobot.py`, Sutton 1996; the book's dynamics,
 * `book_or_nips = "book"`): two unit links, torque −1/0/+1 on the middle joint, one RK4 step of
 * 0.2 s, angles wrapped into [−π, π], velocities clipped to ±4π and ±9π. Reward −1 per step, 0 on
 * the step that lifts the tip above the target (−cos θ1 − cos(θ1 + θ2) > 1), which terminates;
 * truncated at 500 steps. Reset: each state value uniform in [−0.1, 0.1) rounded to float32
 * (Gymnasium stores the reset state as float32; steps compute in float64). No torque noise
 * (Gymnasium's `torque_noise_max = 0`).
 */
export const ACROBOT = {
  dt: 0.2,
  linkLength1: 1.0,
  linkLength2: 1.0,
  linkMass1: 1.0,
  linkMass2: 1.0,
  linkComPos1: 0.5,
  linkComPos2: 0.5,
  linkMoi: 1.0,
  gravity: 9.8,
  maxVel1: 4 * Math.PI,
  maxVel2: 9 * Math.PI,
  torques: [-1.0, 0.0, 1.0],
  resetHalfWidth: 0.1,
  maxEpisodeSteps: 500,
} as const;

/** The tip is above the target height: −cos θ1 − cos(θ2 + θ1) > 1. */
export const acrobotTerminal = (theta1: number, theta2: number): boolean => -Math.cos(theta1) - Math.cos(theta2 + theta1) > 1.0;

/** The book's equations of motion: (θ1, θ2, θ̇1, θ̇2) ↦ (θ̇1, θ̇2, θ̈1, θ̈2) under torque `a`. */
const derivatives = (y: Float64Array, a: number, out: Float64Array): void => {
  const { linkMass1: m1, linkMass2: m2, linkLength1: l1, linkComPos1: lc1, linkComPos2: lc2, linkMoi: i1, linkMoi: i2, gravity: g } = ACROBOT;
  const theta1 = y[0];
  const theta2 = y[1];
  const dtheta1 = y[2];
  const dtheta2 = y[3];
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * cos2) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * cos2) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin2 -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin2 - phi2) / (m2 * lc2 ** 2 + i2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
};

/** Wraps into [lo, hi] by whole turns, as Gymnasium's `wrap` does (repeated subtraction). */
const wrap = (x: number, lo: number, hi: number): number => {
  const diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
};

const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

const k1 = new Float64Array(4);
const k2 = new Float64Array(4);
const k3 = new Float64Array(4);
const k4 = new Float64Array(4);
const y = new Float64Array(4);

/** One classical RK4 step of length dt from s (the torque is constant over the step). */
const rk4 = (s: Float64Array, a: number, dt: number, out: Float64Array): void => {
  const dt2 = dt / 2.0;
  derivatives(s, a, k1);
  for (let i = 0; i < 4; i++) y[i] = s[i] + dt2 * k1[i];
  derivatives(y, a, k2);
  for (let i = 0; i < 4; i++) y[i] = s[i] + dt2 * k2[i];
  derivatives(y, a, k3);
  for (let i = 0; i < 4; i++) y[i] = s[i] + dt * k3[i];
  derivatives(y, a, k4);
  const h = dt / 6.0;
  for (let i = 0; i < 4; i++) out[i] = s[i] + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
};

const spec: ClassicSpec = {
  id: 'classic/acrobot',
  gymnasiumId: 'Acrobot-v1',
  description: "Gymnasium's Acrobot-v1: swing the tip of a two-link chain above the bar with the middle joint's torque; −1 per step, 500 steps",
  stateNames: ['theta1', 'theta2', 'dtheta1', 'dtheta2'],
  observationSpace: box([-1, -1, -1, -1, -ACROBOT.maxVel1, -ACROBOT.maxVel2].map(Math.fround), [1, 1, 1, 1, ACROBOT.maxVel1, ACROBOT.maxVel2].map(Math.fround)),
  actionSpace: discrete(3),
  maxEpisodeSteps: ACROBOT.maxEpisodeSteps,
  reset: (rng, out) => {
    const h = ACROBOT.resetHalfWidth;
    for (let i = 0; i < 4; i++) out[i] = Math.fround(rng.range(-h, h));
  },
  step: (s, action, next) => {
    rk4(s, ACROBOT.torques[action], ACROBOT.dt, next);
    next[0] = wrap(next[0], -Math.PI, Math.PI);
    next[1] = wrap(next[1], -Math.PI, Math.PI);
    next[2] = clip(next[2], -ACROBOT.maxVel1, ACROBOT.maxVel1);
    next[3] = clip(next[3], -ACROBOT.maxVel2, ACROBOT.maxVel2);
    const terminated = acrobotTerminal(next[0], next[1]);
    return { reward: terminated ? 0.0 : -1.0, terminated };
  },
  reward: (_s, _a, next) => (acrobotTerminal(next[0], next[1]) ? 0.0 : -1.0),
  observe: (s) => Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]),
};

export const acrobot = makeClassicFamily(spec);
