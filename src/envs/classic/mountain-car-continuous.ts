import { box, boxOf } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';

/**
 * MountainCarContinuous-v0 (Gymnasium `classic_control/continuous_mountain_car.py`): force
 * f = clip(a, −1, 1), v ← v + 0.0015·f − 0.0025·cos 3p clipped to ±0.07, p ← p + v clipped to
 * [−1.2, 0.6], v ← 0 at the left wall when moving left. Reward −0.1·a² per step (the unclipped
 * action) plus 100 on the step that reaches p ≥ 0.45 with v ≥ 0, which terminates; truncated at
 * 999 steps. Reset: p uniform in [−0.6, −0.4), v = 0.
 *
 * Precision, as Gymnasium computes it with NumPy ≥ 2 (NEP 50 promotion): the state is stored as
 * float32 after every step but is float64 after reset, and a step from a float32 state computes
 * in float32 wherever a float32 value meets a Python float (3p, the force term, the velocity and
 * position updates, and the comparisons with 0.07, 0.6, −1.2 and 0.45). A state whose values are
 * all float32 numbers is taken as float32 (what every step leaves); one with a position that is
 * not a float32 number as float64 (what reset leaves).
 */
export const MOUNTAIN_CAR_CONTINUOUS = {
  minAction: -1.0,
  maxAction: 1.0,
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.45,
  goalVelocity: 0,
  power: 0.0015,
  gravity: 0.0025,
  goalReward: 100.0,
  actionCost: 0.1,
  resetLow: -0.6,
  resetHigh: -0.4,
  maxEpisodeSteps: 999,
} as const;

const f32 = Math.fround;

/** A value as NumPy holds it: its number and whether it is a float32 scalar (else float64 / Python float). */
const isF32State = (s: Float64Array): boolean => f32(s[0]) === s[0] && f32(s[1]) === s[1];

/** Terminal test on a stored (float32) next state: p ≥ 0.45 and v ≥ 0, compared in float32. */
export const mountainCarContinuousTerminal = (position: number, velocity: number): boolean =>
  position >= f32(MOUNTAIN_CAR_CONTINUOUS.goalPosition) && velocity >= MOUNTAIN_CAR_CONTINUOUS.goalVelocity;

const actionReward = (terminated: boolean, action: number): number =>
  (terminated ? MOUNTAIN_CAR_CONTINUOUS.goalReward : 0) - action * action * MOUNTAIN_CAR_CONTINUOUS.actionCost;

const spec: ClassicSpec = {
  id: 'classic/mountain-car-continuous',
  gymnasiumId: 'MountainCarContinuous-v0',
  description: "Gymnasium's MountainCarContinuous-v0: the mountain car with a force in [−1, 1]; −0.1·a² per step, +100 at the flag, 999 steps",
  stateNames: ['position', 'velocity'],
  observationSpace: box(
    [MOUNTAIN_CAR_CONTINUOUS.minPosition, -MOUNTAIN_CAR_CONTINUOUS.maxSpeed].map(f32),
    [MOUNTAIN_CAR_CONTINUOUS.maxPosition, MOUNTAIN_CAR_CONTINUOUS.maxSpeed].map(f32),
  ),
  actionSpace: boxOf(1, MOUNTAIN_CAR_CONTINUOUS.minAction, MOUNTAIN_CAR_CONTINUOUS.maxAction),
  maxEpisodeSteps: MOUNTAIN_CAR_CONTINUOUS.maxEpisodeSteps,
  reset: (rng, out) => {
    out[0] = rng.range(MOUNTAIN_CAR_CONTINUOUS.resetLow, MOUNTAIN_CAR_CONTINUOUS.resetHigh);
    out[1] = 0;
  },
  step: (s, action, next) => {
    const { minAction, maxAction, power, gravity, maxSpeed, minPosition, maxPosition, goalPosition, goalVelocity } = MOUNTAIN_CAR_CONTINUOUS;
    // In float32 state, a Python float meeting a float32 value is first rounded to float32.
    const single = isF32State(s);
    const r = single ? f32 : (x: number) => x;
    let position = s[0];
    let velocity = s[1];
    // The action is a float32; clipping replaces it by a Python float (float64 arithmetic).
    const clipped = action < minAction || action > maxAction;
    const forceTerm = clipped ? Math.max(minAction, Math.min(maxAction, action)) * power : f32(action * f32(power));
    const cosine = gravity * Math.cos(single ? f32(3 * position) : 3 * position);
    const dv = clipped ? forceTerm - cosine : f32(forceTerm - f32(cosine));
    velocity = single ? f32(velocity + (clipped ? f32(dv) : dv)) : velocity + dv;
    // After a clip, velocity / position are the Python floats ±0.07, 0.6, −1.2 (float64).
    let velocityF32 = single;
    if (velocity > r(maxSpeed)) [velocity, velocityF32] = [maxSpeed, false];
    if (velocity < r(-maxSpeed)) [velocity, velocityF32] = [-maxSpeed, false];
    position = single ? f32(position + f32(velocity)) : position + velocity;
    let positionF32 = single;
    if (position > r(maxPosition)) [position, positionF32] = [maxPosition, false];
    if (position < r(minPosition)) [position, positionF32] = [minPosition, false];
    if (position === (positionF32 ? f32(minPosition) : minPosition) && velocity < 0) [velocity, velocityF32] = [0, false];
    const terminated = position >= (positionF32 ? f32(goalPosition) : goalPosition) && velocity >= (velocityF32 ? f32(goalVelocity) : goalVelocity);
    next[0] = f32(position);
    next[1] = f32(velocity);
    return { reward: actionReward(terminated, action), terminated };
  },
  // From the stored float32 state: equals the step's reward except from a float64 state set by
  // hand within one float32 rounding of the goal (a reset state is never near it).
  reward: (_s, action, next) => actionReward(mountainCarContinuousTerminal(next[0], next[1]), action),
  observe: (s) => Float32Array.of(s[0], s[1]),
};

export const mountainCarContinuous = makeClassicFamily(spec);
