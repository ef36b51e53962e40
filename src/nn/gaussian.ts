import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';

/**
 * Diagonal Gaussian actor heads. A network with 2·d outputs gives [mean | log std]; the log std is
 * clamped to [LOG_STD_MIN, LOG_STD_MAX] = [−20, 2] (the common SAC choice: σ from 2e−9 to 7.4),
 * with zero gradient outside the range, as torch.clamp has.
 */
export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

export interface DiagGaussian {
  readonly mean: tf.Tensor2D;
  readonly logStd: tf.Tensor2D;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Splits raw head outputs [B, 2d] into mean [B, d] and clamped log std [B, d]. */
export const splitGaussian = (raw: tf.Tensor2D): DiagGaussian => {
  const d = raw.shape[1] / 2;
  if (!Number.isInteger(d)) throw new Error(`a Gaussian head needs an even number of outputs, got ${raw.shape[1]}`);
  const [mean, rawLogStd] = tf.split(raw, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mean, logStd: tf.clipByValue(rawLogStd, LOG_STD_MIN, LOG_STD_MAX) };
};

/** log N(x; μ, diag σ²) per row, [B]. */
export const gaussianLogProb = (g: DiagGaussian, x: tf.Tensor2D): tf.Tensor1D =>
  tf.tidy(() => {
    const z = tf.mul(tf.sub(x, g.mean), tf.exp(tf.neg(g.logStd)));
    return tf.neg(tf.sum(tf.add(tf.add(tf.mul(tf.square(z), 0.5), g.logStd), HALF_LOG_2PI), 1)) as tf.Tensor1D;
  });

/**
 * log |det d tanh(u)/du| per row = Σ log(1 − tanh(u)²), in the overflow-free form
 * 2·(log 2 − u − softplus(−2u)).
 */
export const tanhLogDetJacobian = (u: tf.Tensor2D): tf.Tensor1D =>
  tf.tidy(() => tf.sum(tf.mul(tf.sub(tf.sub(Math.log(2), u), tf.softplus(tf.mul(u, -2))), 2), 1) as tf.Tensor1D);

/**
 * Reparameterised sample a = μ + σ·ε (then tanh when `squash`) with its log-density; ε is given
 * (normalNoise) so that every draw comes from an Rng.
 */
export const sampleGaussian = (g: DiagGaussian, noise: tf.Tensor2D, squash: boolean): { action: tf.Tensor2D; logProb: tf.Tensor1D } =>
  tf.tidy(() => {
    const u = tf.add(g.mean, tf.mul(tf.exp(g.logStd), noise)) as tf.Tensor2D;
    const logProb = gaussianLogProb(g, u);
    if (!squash) return { action: u, logProb };
    return { action: tf.tanh(u), logProb: tf.sub(logProb, tanhLogDetJacobian(u)) as tf.Tensor1D };
  });

/** log-density of a squashed action a = tanh(u) (a strictly inside (−1, 1)). */
export const squashedLogProb = (g: DiagGaussian, action: tf.Tensor2D): tf.Tensor1D =>
  tf.tidy(() => {
    const clipped = tf.clipByValue(action, -1 + 1e-6, 1 - 1e-6);
    const u = tf.atanh(clipped) as tf.Tensor2D;
    return tf.sub(gaussianLogProb(g, u), tanhLogDetJacobian(u)) as tf.Tensor1D;
  });

/** The deterministic action: the mean, squashed when the policy is. */
export const gaussianMode = (g: DiagGaussian, squash: boolean): tf.Tensor2D => (squash ? tf.tanh(g.mean) : tf.clone(g.mean));

/** Standard normal noise of the given shape drawn from `rng`. */
export const normalNoise = (rng: Rng, shape: readonly number[]): tf.Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n)) as Float32Array, [...shape]);
};

/**
 * The thesis' stochastic actor (`ActorND` / `ActorMTND` in the MOP reference code): every output of
 * the network goes through tanh, and the outputs are [μ | log σ]. So the mean is a tanh-squashed
 * action in (−1, 1) and log σ is bounded to (−1, 1) (σ between 0.37 and 2.72); the Gaussian lives in
 * action space and its deterministic action is μ. `tanhOutputs` is the network's output after tanh.
 */
export const boundedGaussian = (tanhOutputs: tf.Tensor2D): DiagGaussian => {
  const d = tanhOutputs.shape[1] / 2;
  if (!Number.isInteger(d)) throw new Error(`a Gaussian actor needs an even number of outputs, got ${tanhOutputs.shape[1]}`);
  const [mean, logStd] = tf.split(tanhOutputs, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mean, logStd };
};

/**
 * A reparameterised action of the bounded Gaussian actor, clip(μ + σ·ε, −1, 1), and the map from
 * dL/da back to dL/d[μ | log σ] (what Mlp.backward takes): da/dμ = 1 and da/dlog σ = σ·ε where the
 * clip is inactive, 0 where it is. `noise` ε [B, d] comes from an Rng (normalNoise).
 */
export const boundedGaussianSample = (
  tanhOutputs: tf.Tensor2D,
  noise: tf.Tensor2D,
): { readonly action: tf.Tensor2D; readonly outputGrad: (da: tf.Tensor2D) => tf.Tensor2D } => {
  const g = boundedGaussian(tanhOutputs);
  const scaledNoise = tf.mul(tf.exp(g.logStd), noise);
  const raw = tf.add(g.mean, scaledNoise);
  const inside = tf.cast(tf.logicalAnd(tf.greater(raw, -1), tf.less(raw, 1)), 'float32');
  return {
    action: tf.clipByValue(raw, -1, 1) as tf.Tensor2D,
    outputGrad: (da) => {
      const dRaw = tf.mul(da, inside);
      return tf.concat([dRaw, tf.mul(dRaw, scaledNoise)], 1) as tf.Tensor2D;
    },
  };
};
