import type { MlpSpec, NamedWeight } from './mlp.ts';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { Activation } from './dense.ts';

/**
 * Inference-only MLP in plain typed arrays. Acting in an environment evaluates one observation at a
 * time, where a tensor library's per-op overhead dominates; this runs the same weights (names and
 * [in, out] kernel layout of Mlp) with no tensors, in any thread.
 */
export class JsMlp {
  private readonly buffers: Float32Array[];

  private constructor(
    readonly spec: MlpSpec,
    private readonly kernels: readonly Float32Array[],
    private readonly biases: readonly Float32Array[],
  ) {
    this.buffers = spec.sizes.slice(1).map((n) => new Float32Array(n));
  }

  static fromWeights(spec: MlpSpec, weights: readonly NamedWeight[], prefix = ''): JsMlp {
    const byName = new Map(weights.map((w) => [w.name, w]));
    const kernels: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l + 1 < spec.sizes.length; l++) {
      const k = byName.get(`${prefix}layer${l}/kernel`);
      const b = byName.get(`${prefix}layer${l}/bias`);
      const [i, o] = [spec.sizes[l], spec.sizes[l + 1]];
      if (!k || !b) throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: missing weight ${prefix}layer${l}`));
      if (k.data.length !== i * o || b.data.length !== o)
        throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: weight ${prefix}layer${l} does not match the architecture [${spec.sizes.join(', ')}]`));
      kernels.push(k.data);
      biases.push(b.data);
    }
    return new JsMlp(spec, kernels, biases);
  }

  get inputSize(): number {
    return this.spec.sizes[0];
  }

  get outputSize(): number {
    return this.spec.sizes[this.spec.sizes.length - 1];
  }

  /** Output for one input vector; the returned array is reused by the next call. */
  forward1(x: ArrayLike<number>): Float32Array {
    let input: ArrayLike<number> = x;
    const L = this.kernels.length;
    for (let l = 0; l < L; l++) {
      const k = this.kernels[l];
      const out = this.buffers[l];
      const nIn = this.spec.sizes[l];
      const nOut = this.spec.sizes[l + 1];
      out.set(this.biases[l]);
      for (let i = 0; i < nIn; i++) {
        const xi = input[i];
        if (xi === 0) continue;
        const row = i * nOut;
        for (let j = 0; j < nOut; j++) out[j] += xi * k[row + j];
      }
      applyActivation(out, l === L - 1 ? this.spec.output : this.spec.hidden);
      input = out;
    }
    return this.buffers[L - 1];
  }

  /**
   * Every hidden layer's outputs (after its activation) for n row-major inputs: one row-major
   * [n, width] matrix per hidden layer, new arrays. forward1 leaves each layer's output in its
   * buffer, so capturing them costs a copy, not a second forward pass (shared-computation analysis).
   */
  hiddenActivations(x: Float32Array, n: number): Float32Array[] {
    const widths = this.spec.sizes.slice(1, -1);
    const out = widths.map((w) => new Float32Array(n * w));
    for (let r = 0; r < n; r++) {
      this.forward1(x.subarray(r * this.inputSize, (r + 1) * this.inputSize));
      for (let l = 0; l < widths.length; l++) out[l].set(this.buffers[l], r * widths[l]);
    }
    return out;
  }

  /** Outputs for n row-major inputs (a new array). */
  forward(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * this.outputSize);
    for (let r = 0; r < n; r++) out.set(this.forward1(x.subarray(r * this.inputSize, (r + 1) * this.inputSize)), r * this.outputSize);
    return out;
  }
}

const applyActivation = (v: Float32Array, a: Activation): void => {
  if (a === 'relu') for (let j = 0; j < v.length; j++) v[j] = v[j] > 0 ? v[j] : 0;
  else if (a === 'tanh') for (let j = 0; j < v.length; j++) v[j] = Math.tanh(v[j]);
};
