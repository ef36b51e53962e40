import { parseLayout } from './layout.ts';
import { EIGHT_MOVES } from './moves.ts';
import { makeGridFamily } from './grid-env.ts';

/**
 * "Zig-zag" maze in the style of the OT-reward paper's grid worlds (its layout is not
 * published; this one is ours): a corridor two cells wide that snakes down the grid, with the
 * two tasks' goals at its two ends. 8 moves (a move into a wall stays; diagonals may not cut a
 * wall corner, see moves.ts), −0.01 per step, +1 on reaching the goal (ends the episode),
 * start on a uniformly random free non-goal cell (config `start: [row, col]` fixes it).
 *
 *     ############
 *     #a.........#     a  task `top`     (1,1)
 *     #..........#
 *     #########..#
 *     #..........#
 *     #..........#
 *     #..#########
 *     #..........#
 *     #.........b#     b  task `bottom`  (8,10)
 *     ############
 */
export const ZIGZAG_LAYOUT = parseLayout(`
  ############
  #a.........#
  #..........#
  #########..#
  #..........#
  #..........#
  #..#########
  #..........#
  #.........b#
  ############
`);

export const zigzag = makeGridFamily({
  id: 'grid/zigzag',
  description: 'Snaking two-cell-wide corridor, goals at both ends; 8 moves, −0.01 per step, +1 at the goal, random start',
  layout: ZIGZAG_LAYOUT,
  moves: EIGHT_MOVES,
  goals: [
    { task: 'top', mark: 'a' },
    { task: 'bottom', mark: 'b' },
  ],
  rewards: { step: -0.01, bump: 0, goal: 1 },
  defaultMaxEpisodeSteps: 200,
  start: 'configurable',
});
