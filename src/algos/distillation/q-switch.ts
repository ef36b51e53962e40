import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import type { Teacher } from './teacher.ts';

/**
 * Offline Q-Switch (thesis chapter 6): for task i, teachers T_i1 … T_im, T_ij trained on task j's
 * data relabeled with task i's reward, so all their critics estimate task i's return. The target
 * for (s, i) is the action of the teacher whose critic values its own action most:
 * π_ij*(s) with j* = argmax_j Q_ij(s, π_ij(s)). An ensemble critic counts its minimum over
 * members (pessimistic, as the Q-loss does); ties go to the first teacher.
 */
export const qSwitchTeacher = (candidates: readonly Teacher[]): Teacher => {
  if (candidates.length === 0) throw new DistilleryFailure(distilleryError('invalid-input', 'Q-switch: no teachers to switch between'));
  if (candidates.some((t) => !t.q)) throw new DistilleryFailure(distilleryError('invalid-input', 'Q-switch: every teacher needs a critic'));
  return {
    act: (states) =>
      tf.tidy(() => {
        const actions = candidates.map((t) => t.act(states));
        const values = candidates.map((t, j) => {
          const q = t.q!(states, actions[j]);
          return q.rank === 1 ? q : tf.min(q, 0);
        });
        const best = tf.oneHot(tf.argMax(tf.stack(values, 1), 1), candidates.length); // [B, m]
        return tf.sum(tf.mul(tf.stack(actions, 1), tf.expandDims(best, 2)), 1) as tf.Tensor2D; // [B, a]
      }),
  };
};

/** Which teacher the switch picks per state (for reports and tests): argmax_j Q_ij(s, π_ij(s)). */
export const qSwitchChoice = (candidates: readonly Teacher[], states: tf.Tensor2D): Int32Array =>
  tf.tidy(() => {
    const values = candidates.map((t) => {
      const q = t.q!(states, t.act(states));
      return q.rank === 1 ? q : tf.min(q, 0);
    });
    return tf.argMax(tf.stack(values, 1), 1).dataSync() as Int32Array;
  });
