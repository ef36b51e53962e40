import { parseLayout } from './layout.ts';
import { EIGHT_MOVES } from './moves.ts';
import { makeGridFamily } from './grid-env.ts';

/**
 * "Separated mazes" in the style of the OT-reward paper's grid worlds (layout not published;
 * this one is ours): four 5×5 rooms in a ring, each joined to its two neighbours by a one-cell
 * opening, one goal in the far corner of each room. Because diagonals may not cut wall corners,
 * an opening can only be crossed straight. 8 moves, −0.01 per step, +1 on reaching the goal
 * (ends the episode), start on a uniformly random free non-goal cell (config `start` fixes it).
 *
 *     #############
 *     #a....#....b#     a  `top-left`      (1,1)     b  `top-right`     (1,11)
 *     #.....#.....#
 *     #...........#     openings (3,6) and (9,6) in the vertical wall,
 *     #.....#.....#              (6,3) and (6,9) in the horizontal one
 *     #.....#.....#
 *     ###.#####.###
 *     #.....#.....#
 *     #.....#.....#
 *     #...........#
 *     #.....#.....#
 *     #c....#....d#     c  `bottom-left`   (11,1)    d  `bottom-right`  (11,11)
 *     #############
 */
export const SEPARATED_LAYOUT = parseLayout(`
  #############
  #a....#....b#
  #.....#.....#
  #...........#
  #.....#.....#
  #.....#.....#
  ###.#####.###
  #.....#.....#
  #.....#.....#
  #...........#
  #.....#.....#
  #c....#....d#
  #############
`);

export const separated = makeGridFamily({
  id: 'grid/separated',
  description: 'Four rooms in a ring joined by one-cell openings, a goal per room; 8 moves, −0.01 per step, +1 at the goal, random start',
  layout: SEPARATED_LAYOUT,
  moves: EIGHT_MOVES,
  goals: [
    { task: 'top-left', mark: 'a' },
    { task: 'top-right', mark: 'b' },
    { task: 'bottom-left', mark: 'c' },
    { task: 'bottom-right', mark: 'd' },
  ],
  rewards: { step: -0.01, bump: 0, goal: 1 },
  defaultMaxEpisodeSteps: 200,
  start: 'configurable',
});
