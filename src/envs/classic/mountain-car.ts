import { box, discrete } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';

/**
 * MountainCar-v0 (Gymnasium `classic_control/mountain_car.py`, Moore 1990): actions push left /
 * nothing / right; v ← clip(v + (a − 1)·0.001 − 0.0025·cos 3p, ±0.07), p ← clip(p + v, [−1.2, 0.6]),
 * v ← 0 when the car hits the left wall moving left. Reward −1 per step; terminated when p ≥ 0.5
 * (and v ≥ 0, Gymnasium's `goal_velocity`); truncated at 200 steps. Reset: p uniform in
 * [−0.6, −0.4), v = 0. All in float64, observations rounded to float32.
 */
export const MOUNTAIN_CAR = {
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.5,
  goalVelocity: 0,
  force: 0.001,
  gravity: 0.0025,
  resetLow: -0.6,
  resetHigh: -0.4,
  maxEpisodeSteps: 200,
} as const;

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

export const mountainCarTerminal = (position: number, velocity: number): boolean =>
  position >= MOUNTAIN_CAR.goalPosition && velocity >= MOUNTAIN_CAR.goalVelocity;

const spec: ClassicSpec = {
  id: 'classic/mountain-car',
  gymnasiumId: 'MountainCar-v0',
  description: "Gymnasium's MountainCar-v0: rock an underpowered car out of a valley to the flag at 0.5; −1 per step, 200 steps",
  stateNames: ['position', 'velocity'],
  observationSpace: box([MOUNTAIN_CAR.minPosition, -MOUNTAIN_CAR.maxSpeed].map(Math.fround), [MOUNTAIN_CAR.maxPosition, MOUNTAIN_CAR.maxSpeed].map(Math.fround)),
  actionSpace: discrete(3),
  maxEpisodeSteps: MOUNTAIN_CAR.maxEpisodeSteps,
  reset: (rng, out) => {
    out[0] = rng.range(MOUNTAIN_CAR.resetLow, MOUNTAIN_CAR.resetHigh);
    out[1] = 0;
  },
  step: (s, action, next) => {
    const { force, gravity, maxSpeed, minPosition, maxPosition } = MOUNTAIN_CAR;
    let position = s[0];
    let velocity = s[1];
    velocity += (action - 1) * force + Math.cos(3 * position) * -gravity;
    velocity = clip(velocity, -maxSpeed, maxSpeed);
    position += velocity;
    position = clip(position, minPosition, maxPosition);
    if (position === minPosition && velocity < 0) velocity = 0;
    next[0] = position;
    next[1] = velocity;
    return { reward: -1.0, terminated: mountainCarTerminal(position, velocity) };
  },
  reward: () => -1.0,
  observe: (s) => Float32Array.of(s[0], s[1]),
};

export const mountainCar = makeClassicFamily(spec);
