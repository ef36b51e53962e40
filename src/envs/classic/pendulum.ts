import { box, boxOf } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';

/**
 * Pendulum-v1 (Gymnasium `classic_control/pendulum.py`): state [θ, θ̇] (θ = 0 upright), torque
 * u = clip(a, −2, 2); reward −(norm(θ)² + 0.1·θ̇² + 0.001·u²) with norm(θ) = ((θ + π) mod 2π) − π,
 * computed on the state before the step; θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·u)·dt, ±8),
 * θ ← θ + θ̇·dt (semi-implicit Euler, dt = 0.05, g = 10, m = l = 1). Never terminates; truncated
 * at 200 steps. Reset: θ uniform in [−π, π), θ̇ uniform in [−1, 1). Observation
 * [cos θ, sin θ, θ̇] in float32. The torque stays a float32 as in Gymnasium with NumPy ≥ 2
 * (u², 0.001·u² and 3u are float32 products); everything else is float64.
 */
export const PENDULUM = {
  maxSpeed: 8,
  maxTorque: 2.0,
  dt: 0.05,
  g: 10.0,
  m: 1.0,
  l: 1.0,
  resetAngle: Math.PI,
  resetSpeed: 1.0,
  maxEpisodeSteps: 200,
} as const;

const f32 = Math.fround;

/** ((x + π) mod 2π) − π with NumPy's floor modulo (the result takes the divisor's sign). */
export const angleNormalize = (x: number): number => {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r !== 0 && r < 0) r += period;
  return r - Math.PI;
};

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** The torque Gymnasium applies: the float32 action clipped to ±2. */
const torqueOf = (action: number): number => clip(action, -PENDULUM.maxTorque, PENDULUM.maxTorque);

const pendulumReward = (theta: number, thetaDot: number, action: number): number => {
  const u = torqueOf(action);
  const th = angleNormalize(theta);
  const costs = th * th + 0.1 * (thetaDot * thetaDot) + f32(f32(0.001) * f32(u * u));
  return -costs;
};

const spec: ClassicSpec = {
  id: 'classic/pendulum',
  gymnasiumId: 'Pendulum-v1',
  description: "Gymnasium's Pendulum-v1: swing a torque-limited pendulum up and hold it; reward −(θ² + 0.1θ̇² + 0.001u²), 200 steps",
  stateNames: ['theta', 'theta_dot'],
  observationSpace: box([-1, -1, -PENDULUM.maxSpeed], [1, 1, PENDULUM.maxSpeed]),
  actionSpace: boxOf(1, -PENDULUM.maxTorque, PENDULUM.maxTorque),
  maxEpisodeSteps: PENDULUM.maxEpisodeSteps,
  reset: (rng, out) => {
    out[0] = rng.range(-PENDULUM.resetAngle, PENDULUM.resetAngle);
    out[1] = rng.range(-PENDULUM.resetSpeed, PENDULUM.resetSpeed);
  },
  step: (s, action, next) => {
    const { g, m, l, dt, maxSpeed } = PENDULUM;
    const [theta, thetaDot] = s;
    const u = torqueOf(action);
    const newThetaDot = clip(thetaDot + (((3 * g) / (2 * l)) * Math.sin(theta) + f32((3.0 / (m * l ** 2)) * u)) * dt, -maxSpeed, maxSpeed);
    next[0] = theta + newThetaDot * dt;
    next[1] = newThetaDot;
    return { reward: pendulumReward(theta, thetaDot, action), terminated: false };
  },
  reward: (s, action) => pendulumReward(s[0], s[1], action),
  observe: (s) => Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), s[1]),
};

export const pendulum = makeClassicFamily(spec);
