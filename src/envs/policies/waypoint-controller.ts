import { fail } from '../../core/errors.ts';
import type { Env, Policy } from '../types.ts';
import { PointMassEnv } from '../pointmass/pointmass-env.ts';
import { segmentClear } from '../pointmass/maze.ts';

export interface WaypointControllerOptions {
  /** Std of the Gaussian noise added to the force before clipping to [−1, 1]. */
  readonly noise: number;
  /** Proportional gain on the offset to the current waypoint. */
  readonly kp?: number;
  /** Derivative gain (on the velocity). */
  readonly kd?: number;
  /** Walls are grown by this much when testing whether a waypoint is in sight. */
  readonly clearance?: number;
}

const pointMassOf = (env: Env | undefined): PointMassEnv =>
  env instanceof PointMassEnv ? env : fail('invalid-input', `waypointController: needs the point-mass env it acts in, got ${env ? env.id : 'none'}`);

/**
 * PD steering through the task's waypoints. The target is the furthest waypoint in line of sight
 * (walls grown by a clearance, so the mass does not clip corners), which makes the controller
 * stateless: it needs only the observation [x, y, vx, vy] and works from any state.
 * With noise 0 it is a near-expert. Noise is added to the clipped PD action, N(0, noise²) per
 * component, and the sum is clipped again (the noise is in units of the action range).
 */
export const waypointController = (options: WaypointControllerOptions): Policy => {
  const { noise, kp = 2, kd = 1.2, clearance = 0.3 } = options;
  return {
    name: `waypoint-controller(noise=${noise})`,
    act: (o, rng, env) => {
      const pm = pointMassOf(env);
      const walls = pm.family.maze.walls;
      const wps = pm.mazeTask.waypoints;
      const x = o[0];
      const y = o[1];
      let [tx, ty] = wps[0];
      for (let i = wps.length - 1; i >= 0; i--) {
        if (segmentClear(walls, clearance, x, y, wps[i][0], wps[i][1])) {
          [tx, ty] = wps[i];
          break;
        }
      }
      const a = new Float32Array(2);
      a[0] = kp * (tx - x) - kd * o[2];
      a[1] = kp * (ty - y) - kd * o[3];
      for (let i = 0; i < 2; i++) {
        const clean = a[i] > 1 ? 1 : a[i] < -1 ? -1 : a[i];
        const v = noise > 0 ? clean + rng.normal(0, noise) : clean;
        a[i] = v > 1 ? 1 : v < -1 ? -1 : v;
      }
      return a;
    },
  };
};
