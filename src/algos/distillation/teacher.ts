import * as tf from '@tensorflow/tfjs';
import { MlpEnsemble } from '../../nn/ensemble.ts';
import { boundedGaussian, type DiagGaussian } from '../../nn/gaussian.ts';
import type { Mlp } from '../../nn/mlp.ts';

/**
 * A frozen per-task teacher as distillation sees it. All methods return new tensors owned by the
 * caller; `q` must be differentiable with respect to `actions` (the Q-loss backpropagates through it).
 */
export interface Teacher {
  /** Deterministic actions [B, a]. */
  act(states: tf.Tensor2D): tf.Tensor2D;
  /** The stochastic teacher's Gaussian in action space (for the KL loss); absent for deterministic teachers. */
  gaussian?(states: tf.Tensor2D): DiagGaussian;
  /** Q-values [K, B] (critic ensemble) or [B]. */
  q?(states: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor;
}

/**
 * A teacher from networks: a deterministic tanh actor (or, with `gaussianActor`, the thesis'
 * stochastic actor: tanh outputs [μ | log σ], boundedGaussian, deterministic action μ), and optional critics on
 * [state | action] (an ensemble gives [K, B], one network [B]).
 */
export const networkTeacher = (actor: Mlp, options: { critics?: MlpEnsemble | Mlp; gaussianActor?: boolean } = {}): Teacher => {
  const { critics, gaussianActor = false } = options;
  const teacher: Teacher = {
    act: (states) => tf.tidy(() => (gaussianActor ? boundedGaussian(actor.predict(states)).mean : actor.predict(states))),
  };
  const withGaussian: Teacher = gaussianActor ? { ...teacher, gaussian: (states) => boundedGaussian(actor.predict(states)) } : teacher;
  if (!critics) return withGaussian;
  return {
    ...withGaussian,
    // Plain tf ops (not predict's tidy) so that tfjs' autodiff sees the path from actions to Q.
    q: (states, actions) => {
      const sa = tf.concat([states, actions], 1);
      if (critics instanceof MlpEnsemble) {
        // Explicit per-member copies: tfjs' matMul gradient cannot broadcast a shared [1, B, in].
        const perMember = tf.tile(tf.expandDims(sa, 0), [critics.size, 1, 1]) as tf.Tensor3D;
        const outs = critics.forwardAll(perMember);
        return tf.squeeze(outs[outs.length - 1], [2]);
      }
      const outs = critics.forwardAll(sa);
      return tf.squeeze(outs[outs.length - 1], [1]);
    },
  };
};
