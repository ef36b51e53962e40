import type { MultiTaskEnv } from '../types.ts';
import { acrobot } from './acrobot.ts';
import { cartPole } from './cartpole.ts';
import { mountainCar } from './mountain-car.ts';
import { mountainCarContinuous } from './mountain-car-continuous.ts';
import { pendulum } from './pendulum.ts';
import { carOnHill } from './car-on-hill.ts';
import { invertedPendulumLp } from './inverted-pendulum-lp.ts';

export { ClassicEnv, makeClassicFamily, decodeClassicAction, type ClassicSpec, type ClassicFamily, type ClassicConfig } from './classic-env.ts';
export { cartPole, CARTPOLE, cartPoleTerminal } from './cartpole.ts';
export { acrobot, ACROBOT, acrobotTerminal } from './acrobot.ts';
export { mountainCar, MOUNTAIN_CAR, mountainCarTerminal } from './mountain-car.ts';
export { mountainCarContinuous, MOUNTAIN_CAR_CONTINUOUS, mountainCarContinuousTerminal } from './mountain-car-continuous.ts';
export { pendulum, PENDULUM, angleNormalize } from './pendulum.ts';
export { carOnHill, CAR_ON_HILL, carOnHillDerivative, carOnHillOutcome } from './car-on-hill.ts';
export { invertedPendulumLp, INVERTED_PENDULUM_LP, invertedPendulumLpDerivative, invertedPendulumLpStep, wrapAngle, nextNoiseKey, noiseOf } from './inverted-pendulum-lp.ts';
export { integrate, type Derivative, type OdeOptions } from './ode.ts';

/** Gymnasium's classic-control suite and MushroomRL's two D'Eramo et al. 2020 use, in the registry's order. */
export const CLASSIC_ENVS: readonly MultiTaskEnv[] = [cartPole, acrobot, mountainCar, mountainCarContinuous, pendulum, carOnHill, invertedPendulumLp];
