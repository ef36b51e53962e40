import * as tf from '@tensorflow/tfjs';
import type { NamedWeight } from './mlp.ts';

/**
 * Per-dimension state normalisation (s − mean) / std, the one implementation for learners
 * (TD3+BC), saved models (`stateNorm/mean`, `stateNorm/std` weights) and frozen teachers. The JS
 * path divides by std; the tensor path multiplies by the float32 1/std (as it always has: results
 * stay bit-identical to the checkpoints trained so far).
 */
export class StateNormalizer {
  private tensors: { readonly mean: tf.Tensor1D; readonly invStd: tf.Tensor1D } | undefined;

  constructor(
    readonly mean: Float32Array,
    readonly std: Float32Array,
  ) {}

  /** The stored normaliser of a model, or undefined when the model has none. */
  static fromWeights(weights: readonly NamedWeight[]): StateNormalizer | undefined {
    const mean = weights.find((w) => w.name === 'stateNorm/mean');
    const std = weights.find((w) => w.name === 'stateNorm/std');
    return mean && std ? new StateNormalizer(Float32Array.from(mean.data), Float32Array.from(std.data)) : undefined;
  }

  get dim(): number {
    return this.mean.length;
  }

  weights(): NamedWeight[] {
    return [
      { name: 'stateNorm/mean', shape: [this.dim], data: this.mean.slice() },
      { name: 'stateNorm/std', shape: [this.dim], data: this.std.slice() },
    ];
  }

  /** Normalises `rows` states of `src` into `dst` (row-major, `dim` columns). */
  normalizeInto(src: ArrayLike<number>, dst: Float32Array, rows = 1): Float32Array {
    const d = this.dim;
    for (let i = 0; i < rows; i++) for (let k = 0; k < d; k++) dst[i * d + k] = (src[i * d + k] - this.mean[k]) / this.std[k];
    return dst;
  }

  /** The normalised states as a tensor (the caller owns the result; this keeps its constants until dispose). */
  apply(s: tf.Tensor2D): tf.Tensor2D {
    // Made on first use, possibly inside a tidy scope: kept, so they live until dispose().
    this.tensors ??= { mean: tf.keep(tf.tensor1d(this.mean)), invStd: tf.keep(tf.tensor1d(this.std.map((x) => 1 / x))) };
    return tf.mul(tf.sub(s, this.tensors.mean), this.tensors.invStd);
  }

  dispose(): void {
    this.tensors?.mean.dispose();
    this.tensors?.invStd.dispose();
    this.tensors = undefined;
  }
}
