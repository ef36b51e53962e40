import { parseLayout } from './layout.ts';
import { FOUR_MOVES } from './moves.ts';
import { makeGridFamily } from './grid-env.ts';

/**
 * The thesis' Figure 6.1 toy: a 4×4 grid, start top-left, 4 moves, reward 1 on reaching the
 * task's goal (which ends the episode), 0 otherwise.
 *
 * The point of the figure is two tasks whose optimal trajectories share a prefix and then part.
 * In an open 4×4 grid that cannot be made unambiguous: every goal off the first row and column
 * has several shortest paths. One wall cell below the start fixes it:
 *
 *     S...      S start (0,0)
 *     #...      # the only wall (1,0)
 *     b...      b goal of task `left`  (2,0): right, down, down, left
 *     .a..      a goal of task `down`  (3,1): right, down, down, down
 *
 * Each goal has exactly one shortest path (test/envs/grid.test.ts counts them), and the two
 * share exactly their first three moves (right, down, down); tasks are named after the fourth.
 */
export const FIG61_LAYOUT = parseLayout(`
  S...
  #...
  b...
  .a..
`);

export const fig61 = makeGridFamily({
  id: 'grid/fig61',
  description: '4×4 grid (Fig. 6.1 toy): two goals whose unique shortest paths share the first three moves',
  layout: FIG61_LAYOUT,
  moves: FOUR_MOVES,
  goals: [
    { task: 'down', mark: 'a' },
    { task: 'left', mark: 'b' },
  ],
  rewards: { step: 0, bump: 0, goal: 1 },
  defaultMaxEpisodeSteps: 50,
  start: 'fixed',
});
