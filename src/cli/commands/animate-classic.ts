/**
 * Classic-control episodes from the side: the env's state (Gymnasium's `env.unwrapped.state`,
 * the physics column without its step count) as world geometry, drawn as Gymnasium's renderers
 * draw them: the cart and its pole (length 2·l), the acrobot's two links from the pivot, the
 * mountain car on its hill y = 0.45·sin(3x) + 0.55 with the flag, the pendulum (θ = 0 upright).
 */
import { ACROBOT } from '../../envs/classic/acrobot.ts';
import { CARTPOLE } from '../../envs/classic/cartpole.ts';
import { MOUNTAIN_CAR } from '../../envs/classic/mountain-car.ts';
import { MOUNTAIN_CAR_CONTINUOUS } from '../../envs/classic/mountain-car-continuous.ts';
import { PENDULUM } from '../../envs/classic/pendulum.ts';
import { sideViewEpisodeSvg, type SideViewEpisode, type SideViewFrame } from '../../report/side-view-svg.ts';

type Scene = Omit<SideViewEpisode, 'title' | 'frames' | 'every'> & { readonly frame: (s: readonly number[]) => SideViewFrame; readonly stateValues: number };

const hill = (x: number): number => 0.45 * Math.sin(3 * x) + 0.55;
const mountainCar = (goal: number): Scene => ({
  stateValues: 2,
  bounds: { xmin: MOUNTAIN_CAR.minPosition, xmax: MOUNTAIN_CAR.maxPosition, ymin: 0, ymax: 1.15 },
  backdrop: [Array.from({ length: 91 }, (_, i) => {
    const x = MOUNTAIN_CAR.minPosition + ((MOUNTAIN_CAR.maxPosition - MOUNTAIN_CAR.minPosition) * i) / 90;
    return [x, hill(x)] as const;
  })],
  marks: [{ x: goal, y: hill(goal), label: 'goal' }],
  dt: 1 / 30, // Gymnasium's render_fps (the env has no time step)
  lineWidth: 5,
  frame: (s) => ({ lines: [], dots: [[s[0], hill(s[0]) + 0.03]] }),
});

const SCENES: Readonly<Record<string, Scene>> = {
  'classic/cartpole': {
    stateValues: 4,
    bounds: { xmin: -CARTPOLE.xThreshold - 0.3, xmax: CARTPOLE.xThreshold + 0.3, ymin: -0.3, ymax: 2 * CARTPOLE.length + 0.3 },
    backdrop: [[[-CARTPOLE.xThreshold, 0], [CARTPOLE.xThreshold, 0]]],
    dt: CARTPOLE.tau,
    frame: ([x, , theta]) => ({ lines: [[x, 0, x + 2 * CARTPOLE.length * Math.sin(theta), 2 * CARTPOLE.length * Math.cos(theta)]], dots: [[x, 0]] }),
  },
  'classic/acrobot': {
    stateValues: 4,
    bounds: { xmin: -2.2, xmax: 2.2, ymin: -2.2, ymax: 2.2 },
    backdrop: [[[-2.2, ACROBOT.linkLength1], [2.2, ACROBOT.linkLength1]]], // the height the tip must pass
    dt: ACROBOT.dt,
    frame: ([t1, t2]) => {
      const p1 = [ACROBOT.linkLength1 * Math.sin(t1), -ACROBOT.linkLength1 * Math.cos(t1)] as const;
      const p2 = [p1[0] + ACROBOT.linkLength2 * Math.sin(t1 + t2), p1[1] - ACROBOT.linkLength2 * Math.cos(t1 + t2)] as const;
      return { lines: [[0, 0, p1[0], p1[1]], [p1[0], p1[1], p2[0], p2[1]]], dots: [[0, 0], [p1[0], p1[1]]] };
    },
  },
  'classic/mountain-car': mountainCar(MOUNTAIN_CAR.goalPosition),
  'classic/mountain-car-continuous': mountainCar(MOUNTAIN_CAR_CONTINUOUS.goalPosition),
  'classic/pendulum': {
    stateValues: 2,
    bounds: { xmin: -1.3, xmax: 1.3, ymin: -1.3, ymax: 1.3 },
    backdrop: [],
    dt: PENDULUM.dt,
    frame: ([theta]) => ({ lines: [[0, 0, Math.sin(theta), Math.cos(theta)]], dots: [[0, 0]] }),
  },
};

/** The physics values per row of a classic env this file draws (its state and the step count), or undefined. */
export const classicStateDim = (envId: string): number | undefined => (Object.hasOwn(SCENES, envId) ? SCENES[envId].stateValues + 1 : undefined);

/** An episode of `count` physics rows of `dim` values as an animated side view. */
export const classicEpisodeSvg = (envId: string, states: ArrayLike<number>, count: number, dim: number, title: string, every: number): string => {
  const { frame, stateValues: _, ...scene } = SCENES[envId];
  const frames = Array.from({ length: count }, (_, k) => frame(Array.prototype.slice.call(states, k * dim, k * dim + dim) as number[]));
  return sideViewEpisodeSvg({ ...scene, title, frames, every });
};
