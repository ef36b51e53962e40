import { box, discrete } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';

/**
 * CartPole-v1 (Gymnasium `classic_control/cartpole.py`, Barto, Sutton & Anderson 1983): explicit
 * Euler with τ = 0.02 s, force ±10 N, reward 1 on every step (the terminating one included),
 * terminated when |x| > 2.4 or |θ| > 12°, truncated at 500 steps. Reset: each of the 4 state
 * values uniform in [−0.05, 0.05). Gymnasium pays 0 on steps taken after termination (which it
 * calls undefined behavior); here every step pays 1.
 */
export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  /** Half the pole's length. */
  length: 0.5,
  forceMag: 10.0,
  tau: 0.02,
  /** 12° in radians, computed as Gymnasium does (12 · 2π / 360). */
  thetaThreshold: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
  resetHalfWidth: 0.05,
  maxEpisodeSteps: 500,
} as const;

const totalMass = CARTPOLE.massPole + CARTPOLE.massCart;
const poleMassLength = CARTPOLE.massPole * CARTPOLE.length;

export const cartPoleTerminal = (x: number, theta: number): boolean =>
  x < -CARTPOLE.xThreshold || x > CARTPOLE.xThreshold || theta < -CARTPOLE.thetaThreshold || theta > CARTPOLE.thetaThreshold;

const spec: ClassicSpec = {
  id: 'classic/cartpole',
  gymnasiumId: 'CartPole-v1',
  description: "Gymnasium's CartPole-v1: push a cart left or right to keep the pole up; +1 per step, 500 steps",
  stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
  observationSpace: box(
    [-CARTPOLE.xThreshold * 2, -Infinity, -CARTPOLE.thetaThreshold * 2, -Infinity].map(Math.fround),
    [CARTPOLE.xThreshold * 2, Infinity, CARTPOLE.thetaThreshold * 2, Infinity].map(Math.fround),
  ),
  actionSpace: discrete(2),
  maxEpisodeSteps: CARTPOLE.maxEpisodeSteps,
  reset: (rng, out) => {
    const h = CARTPOLE.resetHalfWidth;
    for (let i = 0; i < 4; i++) out[i] = rng.range(-h, h);
  },
  step: (s, action, next) => {
    const { gravity, length, massPole, forceMag, tau } = CARTPOLE;
    const [x, xDot, theta, thetaDot] = s;
    const force = action === 1 ? forceMag : -forceMag;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + poleMassLength * (thetaDot * thetaDot) * sin) / totalMass;
    const thetaAcc = (gravity * sin - cos * temp) / (length * (4.0 / 3.0 - (massPole * (cos * cos)) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cos) / totalMass;
    next[0] = x + tau * xDot;
    next[1] = xDot + tau * xAcc;
    next[2] = theta + tau * thetaDot;
    next[3] = thetaDot + tau * thetaAcc;
    return { reward: 1.0, terminated: cartPoleTerminal(next[0], next[2]) };
  },
  reward: () => 1.0,
  observe: (s) => Float32Array.of(s[0], s[1], s[2], s[3]),
};

export const cartPole = makeClassicFamily(spec);
