import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import * as t from 'io-ts';
import { PositiveInt, oneOf } from '../core/codecs.ts';
import type { Rng } from '../core/rng.ts';
import { Adam, type AdamOptions } from './adam.ts';
import { activate, activationBackward, sumRows2d, transposeLast, transposedProduct, type Activation } from './dense.ts';
import { linearInit } from './init.ts';
import type { OutputLoss } from './loss.ts';

export const ActivationCodec = oneOf<Activation>(['relu', 'tanh', 'none'], 'Activation');

/** sizes = [input, hidden…, output]; `hidden` after every layer but the last, `output` after the last. */
export const MlpSpecCodec = t.type({
  sizes: t.array(PositiveInt),
  hidden: ActivationCodec,
  output: ActivationCodec,
});
export type MlpSpec = t.TypeOf<typeof MlpSpecCodec>;

export const mlpSpec = (sizes: readonly number[], output: Activation = 'none', hidden: Activation = 'relu'): MlpSpec => ({
  sizes: [...sizes],
  hidden,
  output,
});

/** A named weight array, the unit of checkpoints. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export const layerWeightNames = (layers: number): string[] =>
  Array.from({ length: layers }, (_, l) => [`layer${l}/kernel`, `layer${l}/bias`]).flat();

/**
 * A fully connected network y = f_L(… f_1(x W_1 + b_1) …) with kernels [in, out] and a hand-written
 * backward pass (see dense.ts for why). Tensors returned by methods belong to the caller.
 */
export class Mlp {
  private constructor(
    readonly spec: MlpSpec,
    readonly kernels: readonly tf.Variable<tf.Rank.R2>[],
    readonly biases: readonly tf.Variable<tf.Rank.R1>[],
  ) {}

  /** Deterministic initialisation (PyTorch nn.Linear default, init.ts), one sub-stream per layer. */
  static create(spec: MlpSpec, rng: Rng): Mlp {
    checkSpec(spec);
    const weights: NamedWeight[] = [];
    for (let l = 0; l + 1 < spec.sizes.length; l++) {
      const [fanIn, fanOut] = [spec.sizes[l], spec.sizes[l + 1]];
      const { kernel, bias } = linearInit(rng.split(`layer${l}`), fanIn, fanOut);
      weights.push({ name: `layer${l}/kernel`, shape: [fanIn, fanOut], data: kernel }, { name: `layer${l}/bias`, shape: [fanOut], data: bias });
    }
    return Mlp.fromWeights(spec, weights);
  }

  /** Builds from named weights (layer{l}/kernel, layer{l}/bias); throws on a missing or misshaped one. */
  static fromWeights(spec: MlpSpec, weights: readonly NamedWeight[]): Mlp {
    checkSpec(spec);
    const byName = new Map(weights.map((w) => [w.name, w]));
    const take = (name: string, shape: number[]): Float32Array => {
      const w = byName.get(name);
      if (!w) throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: missing weight ${name}`));
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.data.length !== shape.reduce((a, b) => a * b, 1))
        throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: weight ${name} has shape [${w.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`));
      return w.data;
    };
    const kernels: tf.Variable<tf.Rank.R2>[] = [];
    const biases: tf.Variable<tf.Rank.R1>[] = [];
    // Every shape is checked before the first variable exists, so a failure leaks nothing.
    const data = spec.sizes.slice(1).map((o, l) => ({
      kernel: take(`layer${l}/kernel`, [spec.sizes[l], o]),
      bias: take(`layer${l}/bias`, [o]),
    }));
    data.forEach(({ kernel, bias }, l) => {
      const [i, o] = [spec.sizes[l], spec.sizes[l + 1]];
      kernels.push(tf.tidy(() => tf.variable(tf.tensor2d(kernel, [i, o]), true)));
      biases.push(tf.tidy(() => tf.variable(tf.tensor1d(bias), true)));
    });
    return new Mlp(spec, kernels, biases);
  }

  get layers(): number {
    return this.kernels.length;
  }

  get inputSize(): number {
    return this.spec.sizes[0];
  }

  get outputSize(): number {
    return this.spec.sizes[this.spec.sizes.length - 1];
  }

  /** Parameters in checkpoint order: kernel0, bias0, kernel1, … */
  get params(): tf.Variable[] {
    return this.kernels.flatMap((k, l) => [k, this.biases[l]]);
  }

  private activationOf(l: number): Activation {
    return l === this.layers - 1 ? this.spec.output : this.spec.hidden;
  }

  /** Output of every layer, [input, h_1, …, y]; the input is included as given (not copied). */
  forwardAll(x: tf.Tensor2D): tf.Tensor2D[] {
    const outs: tf.Tensor2D[] = [x];
    let h = x;
    for (let l = 0; l < this.layers; l++) {
      h = activate(tf.add(tf.matMul(h, this.kernels[l]), this.biases[l]), this.activationOf(l));
      outs.push(h);
    }
    return outs;
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const outs = this.forwardAll(x);
      return outs[outs.length - 1];
    });
  }

  /** Hidden and output activations (without the input), e.g. for activation capture. */
  activations(x: tf.Tensor2D): tf.Tensor2D[] {
    return tf.tidy(() => this.forwardAll(x).slice(1));
  }

  /**
   * Gradients of the loss with respect to params (aligned with `params`), given the outputs of
   * forwardAll and dL/dy. With `inputGrad`, dL/dx is appended.
   */
  backward(outs: readonly tf.Tensor2D[], dy: tf.Tensor2D, inputGrad = false): tf.Tensor[] {
    const grads: tf.Tensor[] = new Array(2 * this.layers);
    let dz = activationBackward(dy, outs[this.layers], this.activationOf(this.layers - 1));
    let dx: tf.Tensor2D | undefined;
    for (let l = this.layers - 1; l >= 0; l--) {
      grads[2 * l] = transposedProduct(outs[l], dz);
      grads[2 * l + 1] = sumRows2d(dz);
      if (l > 0 || inputGrad) {
        const dh = tf.matMul(dz, transposeLast(this.kernels[l])) as tf.Tensor2D;
        if (l > 0) dz = activationBackward(dh, outs[l], this.activationOf(l - 1));
        else dx = dh;
      }
    }
    if (dx) grads.push(dx);
    return grads;
  }

  /** Loss and parameter gradients for one batch (call inside tf.tidy or dispose the results). */
  lossAndGrads(x: tf.Tensor2D, loss: OutputLoss<tf.Tensor2D>): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const outs = this.forwardAll(x);
    const { loss: value, grad } = loss(outs[outs.length - 1]);
    return { loss: value, grads: this.backward(outs, grad) };
  }

  weights(): NamedWeight[] {
    const names = layerWeightNames(this.layers);
    return this.params.map((p, i) => ({ name: names[i], shape: [...p.shape], data: p.dataSync() as Float32Array }));
  }

  /** Overwrites the parameters (same architecture) from named weights. */
  setWeights(weights: readonly NamedWeight[]): void {
    const fresh = Mlp.fromWeights(this.spec, weights);
    this.params.forEach((p, i) => p.assign(fresh.params[i]));
    fresh.dispose();
  }

  clone(): Mlp {
    return Mlp.fromWeights(this.spec, this.weights());
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }
}

const checkSpec = (spec: MlpSpec): void => {
  if (spec.sizes.length < 2) throw new Error(`an MLP needs at least input and output sizes, got [${spec.sizes.join(', ')}]`);
  if (spec.sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(`MLP sizes must be positive integers, got [${spec.sizes.join(', ')}]`);
};

/** An MLP with its Adam state: one call per gradient step. */
export class MlpTrainer {
  readonly optimizer: Adam;

  constructor(readonly mlp: Mlp, adam: Partial<AdamOptions> = {}) {
    this.optimizer = new Adam(mlp.params, adam);
  }

  /** One Adam step on the batch `x`; returns the loss before the update. */
  step(x: tf.Tensor2D, loss: OutputLoss<tf.Tensor2D>): number {
    return tf.tidy(() => {
      const { loss: value, grads } = this.mlp.lossAndGrads(x, loss);
      this.optimizer.step(grads);
      return value.dataSync()[0];
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
