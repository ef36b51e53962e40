import { parseLayout } from './layout.ts';
import { FIVE_MOVES } from './moves.ts';
import { makeGridFamily } from './grid-env.ts';

/**
 * Distral's two-room grid world (Teh et al. 2017; docs/facts.md): two 5×5 rooms joined by a corridor
 * one row high and three cells long. Every episode starts in the left room's top-left corner;
 * each task has its goal in the right room. Actions: no-op, up, right, down, left.
 * Reward per step: −0.1, −0.5 more when a move bumps into a wall (the agent stays), +1 on
 * reaching the goal, which ends the episode. The terms add up: the goal step pays 1 − 0.1 = 0.9
 * (it cannot also bump, since reaching the goal is a move).
 *
 *     ###############
 *     #S....###....a#     a  task `top-right`     (1,13)
 *     #.....###.....#
 *     #...........c.#     c  task `middle`        (3,12); the corridor is row 3, columns 6–8
 *     #.....###.....#
 *     #.....###....b#     b  task `bottom-right`  (5,13)
 *     ###############
 */
export const TWO_ROOM_LAYOUT = parseLayout(`
  ###############
  #S....###....a#
  #.....###.....#
  #...........c.#
  #.....###.....#
  #.....###....b#
  ###############
`);

export const twoRoom = makeGridFamily({
  id: 'grid/two-room',
  description: "Distral's two rooms joined by a one-row corridor; start in the left room, one goal per task in the right room",
  layout: TWO_ROOM_LAYOUT,
  moves: FIVE_MOVES,
  goals: [
    { task: 'top-right', mark: 'a' },
    { task: 'bottom-right', mark: 'b' },
    { task: 'middle', mark: 'c' },
  ],
  rewards: { step: -0.1, bump: -0.5, goal: 1 },
  defaultMaxEpisodeSteps: 200,
  start: 'fixed',
});
