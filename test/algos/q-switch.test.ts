import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { qSwitchChoice, qSwitchTeacher, type Teacher } from '../../src/algos/distillation/index.ts';
import { useCpu } from './replay-fixtures.ts';

before(useCpu);

/**
 * Teacher j acts a constant action c_j; its critic is an ensemble of two members whose minimum is
 * (weight_j · s) − |a − c_j|, so each critic prefers its own action and the switch must compare
 * Q_ij(s, π_ij(s)) = weight_j · s across teachers, state by state.
 */
const toyTeacher = (action: readonly number[], weight: readonly number[]): Teacher => ({
  act: (s) => tf.tidy(() => tf.tile(tf.tensor2d([action as number[]]), [s.shape[0], 1]) as tf.Tensor2D),
  q: (s, a) =>
    tf.tidy(() => {
      const v = tf.sub(tf.squeeze(tf.matMul(s, tf.tensor2d(weight as number[], [weight.length, 1])), [1]), tf.sum(tf.abs(tf.sub(a, tf.tensor2d([action as number[]]))), 1));
      return tf.stack([tf.add(v, 1), v]); // [2, B]; the minimum is v
    }),
});

test('Q-switch: each state takes the action of the teacher whose critic values its own action most', () => {
  const teachers = [toyTeacher([0.5, -0.1], [1, 0]), toyTeacher([-0.5, 0.2], [0, 1]), toyTeacher([0.9, 0.9], [-1, -1])];
  // Rows: s0 > s1 → teacher 0; s1 > s0 → teacher 1; both negative → teacher 2 (value −(s0 + s1) > 0).
  const states = tf.tensor2d([
    [2, 1],
    [0.5, 3],
    [-1, -2],
    [1, 1], // a tie between 0 and 1 (value 1 each, teacher 2: −2) goes to the first
  ]);
  assert.deepEqual([...qSwitchChoice(teachers, states)], [0, 1, 2, 0]);
  const got = Array.from(qSwitchTeacher(teachers).act(states).dataSync());
  const want = [0.5, -0.1, -0.5, 0.2, 0.9, 0.9, 0.5, -0.1];
  got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-6, `action ${k}: ${v} vs ${want[k]}`));
});

test('Q-switch: teachers without critics are refused', () => {
  assert.throws(() => qSwitchTeacher([{ act: (s) => s }]), /every teacher needs a critic/);
  assert.throws(() => qSwitchTeacher([]), /no teachers/);
});
