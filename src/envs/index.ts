export * from './types.ts';
export { listEnvs, getEnv, makeEnv, makeRewardFn, resolveEnv, resolveEnvTasks, prepareEnv, prepareAllEnvs, type EnvSpec, type ResolvedEnv, type ResolvedEnvTasks } from './registry.ts';
export { strictConfig } from './config.ts';
export { parseLayout, cellOf, rowOf, colOf, isFree, type GridLayout } from './grid/layout.ts';
export { FOUR_MOVES, FIVE_MOVES, EIGHT_MOVES, moveCell, isMove, type MoveSet } from './grid/moves.ts';
export { distancesTo, shortestPath, shortestPathAction, countShortestPaths } from './grid/bfs.ts';
export { GridEnv, makeGridFamily, GRID_STATE_DIM, type GridFamily, type GridWorldSpec, type GridConfig, type GridObservation } from './grid/grid-env.ts';
export { fig61, FIG61_LAYOUT } from './grid/fig61.ts';
export { twoRoom, TWO_ROOM_LAYOUT } from './grid/two-room.ts';
export { zigzag, ZIGZAG_LAYOUT } from './grid/zigzag.ts';
export { separated, SEPARATED_LAYOUT } from './grid/separated.ts';
export { T_MAZE, type MazeGeometry, type MazeTask, type Box } from './pointmass/maze.ts';
export {
  pointMassMaze,
  makePointMassFamily,
  PointMassEnv,
  PointMassConfigCodec,
  POINTMASS_PHYSICS,
  POINTMASS_STATE_DIM,
  goalReward,
  type PointMassConfig,
  type PointMassFamily,
} from './pointmass/pointmass-env.ts';
export { uniformRandom } from './policies/uniform-random.ts';
export { epsilonShortestPath } from './policies/epsilon-shortest-path.ts';
export { waypointController, type WaypointControllerOptions } from './policies/waypoint-controller.ts';
export { makeBehaviorPolicy, BEHAVIOR_NAMES, GRID_EPSILON, POINTMASS_NOISE, type BehaviorName } from './policies/behavior.ts';
export { runEpisode, type EpisodeSummary } from './policies/run-episode.ts';
export { STATE_QPOS as WALKER_STATE_QPOS } from './walker/physics.ts';
export {
  CLASSIC_ENVS,
  ClassicEnv,
  makeClassicFamily,
  cartPole,
  acrobot,
  mountainCar,
  mountainCarContinuous,
  pendulum,
  CARTPOLE,
  ACROBOT,
  MOUNTAIN_CAR,
  MOUNTAIN_CAR_CONTINUOUS,
  PENDULUM,
  type ClassicSpec,
  type ClassicFamily,
  type ClassicConfig,
} from './classic/index.ts';
