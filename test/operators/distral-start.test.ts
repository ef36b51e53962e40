import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TWO_ROOM_LAYOUT } from '../../src/envs/index.ts';
import { distralStartCells } from '../../src/operators/stages/train-distral.ts';

test("distral start cells: S's room of the two-room grid is the left 5×5 room; 'anywhere' is every free non-goal cell", () => {
  const { cols, marks } = TWO_ROOM_LAYOUT;
  const goals = new Set(['a', 'b', 'c'].map((m) => marks.get(m)!));
  const room = distralStartCells(TWO_ROOM_LAYOUT, 'start-room', goals);
  assert.equal(room.length, 25);
  for (const c of room) {
    const [r, col] = [Math.floor(c / cols), c % cols];
    assert.ok(r >= 1 && r <= 5 && col >= 1 && col <= 5, `cell (${r}, ${col}) is outside the left room`);
  }
  assert.deepEqual(Array.from(distralStartCells(TWO_ROOM_LAYOUT, 'fixed', goals)), [marks.get('S')]);
  // 25 + 25 room cells + 3 corridor cells, minus the 3 goals
  assert.equal(distralStartCells(TWO_ROOM_LAYOUT, 'anywhere', goals).length, 50);
});
