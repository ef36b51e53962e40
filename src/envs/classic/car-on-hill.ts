import { box, discrete } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';
import { integrate } from './ode.ts';

/**
 * Car-on-Hill (Ernst et al. 2005, "Tree-based batch mode RL"), as MushroomRL defines it
 * (`mushroom_rl/environments/car_on_hill.py`), the task D'Eramo et al. 2020 use: a car of mass
 * m = 1 on the hill Hill(p) = p² + p (p < 0), p/√(1 + 5p²) (p ≥ 0), force u ∈ {−4, 4}, g = 9.81,
 *
 *   ṗ = v,  v̇ = (u − g m Hill'(p) − v² m Hill'(p) Hill''(p)) / (m (1 + Hill'(p)²)),
 *
 * with Hill' = 2p + 1, Hill'' = 2 (p < 0) and Hill' = (1 + 5p²)^−3/2, Hill'' = −15p (1 + 5p²)^−5/2
 * (p ≥ 0), integrated over dt = 0.1 s (MushroomRL: scipy's odeint; here Dormand–Prince, ode.ts).
 * After the step: p < −1 or |v| > 3 → reward −1, terminal; p > 1 and |v| ≤ 3 → reward 1, terminal;
 * else 0. Start (−0.5, 0), always (MushroomRL's reset); horizon 100 (γ = 0.95 there).
 * Observation [p, v] in float32.
 */
export const CAR_ON_HILL = {
  mass: 1,
  g: 9.81,
  forces: [-4, 4],
  dt: 0.1,
  maxPosition: 1,
  maxVelocity: 3,
  start: [-0.5, 0],
  maxEpisodeSteps: 100,
} as const;

/** Hill'(p) and Hill''(p). */
const hillSlope = (p: number): [number, number] =>
  p < 0 ? [2 * p + 1, 2] : [1 / (1 + 5 * p * p) ** 1.5, (-15 * p) / (1 + 5 * p * p) ** 2.5];

/** The car's continuous dynamics under force u: writes [ṗ, v̇] into dy. */
export const carOnHillDerivative =
  (u: number) =>
  (y: Float64Array, dy: Float64Array): void => {
    const { mass: m, g } = CAR_ON_HILL;
    const [p, v] = y;
    const [d1, d2] = hillSlope(p);
    dy[0] = v;
    dy[1] = (u - g * m * d1 - v * v * m * d1 * d2) / (m * (1 + d1 * d1));
  };

/** MushroomRL's reward and absorbing test on the state after a step. */
export const carOnHillOutcome = (p: number, v: number): { reward: number; terminated: boolean } => {
  const { maxPosition, maxVelocity } = CAR_ON_HILL;
  if (p < -maxPosition || Math.abs(v) > maxVelocity) return { reward: -1, terminated: true };
  if (p > maxPosition && Math.abs(v) <= maxVelocity) return { reward: 1, terminated: true };
  return { reward: 0, terminated: false };
};

const spec: ClassicSpec = {
  id: 'classic/car-on-hill',
  gymnasiumId: 'MushroomRL CarOnHill',
  description: 'Car-on-Hill (Ernst et al. 2005, MushroomRL): push a car (force ±4) up to the hilltop p > 1 without leaving [−1, ·] or |v| ≤ 3; +1 / −1 at the end, 100 steps',
  stateNames: ['position', 'velocity'],
  observationSpace: box([-CAR_ON_HILL.maxPosition, -CAR_ON_HILL.maxVelocity], [CAR_ON_HILL.maxPosition, CAR_ON_HILL.maxVelocity]),
  actionSpace: discrete(2),
  maxEpisodeSteps: CAR_ON_HILL.maxEpisodeSteps,
  reset: (_rng, out) => out.set(CAR_ON_HILL.start),
  step: (s, action, next) => {
    next.set(integrate(carOnHillDerivative(CAR_ON_HILL.forces[action]), s, CAR_ON_HILL.dt));
    return carOnHillOutcome(next[0], next[1]);
  },
  reward: (_s, _a, next) => carOnHillOutcome(next[0], next[1]).reward,
  observe: (s) => Float32Array.of(s[0], s[1]),
};

export const carOnHill = makeClassicFamily(spec);
