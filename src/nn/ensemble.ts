import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { Adam, type AdamOptions } from './adam.ts';
import { activate, activationBackward, sumRows3d, transposeLast, transposedProduct, type Activation } from './dense.ts';
import type { OutputLoss } from './loss.ts';
import { Mlp, layerWeightNames, type MlpSpec, type NamedWeight } from './mlp.ts';

/**
 * K MLPs of one shape evaluated and trained as one batched computation: kernels [K, in, out],
 * biases [K, 1, out], outputs [K, B, out]. Member k's numbers are those of an independent Mlp with
 * the same weights (batched matMul computes each slice separately), and Adam being elementwise,
 * one Adam over the stacked weights is K independent Adams.
 */
export class MlpEnsemble {
  private constructor(
    readonly spec: MlpSpec,
    readonly size: number,
    readonly kernels: readonly tf.Variable<tf.Rank.R3>[],
    readonly biases: readonly tf.Variable<tf.Rank.R3>[],
  ) {}

  /** Member k initialised exactly as `Mlp.create(spec, rng.split(`member${k}`))`. */
  static create(spec: MlpSpec, size: number, rng: Rng): MlpEnsemble {
    const members = Array.from({ length: size }, (_, k) => Mlp.create(spec, rng.split(`member${k}`)));
    const ensemble = MlpEnsemble.fromMembers(members);
    for (const m of members) m.dispose();
    return ensemble;
  }

  /** Stacks the weights of `members` (copied; the members stay the caller's). */
  static fromMembers(members: readonly Mlp[]): MlpEnsemble {
    if (members.length === 0) throw new Error('an ensemble needs at least one member');
    const spec = members[0].spec;
    for (const m of members)
      if (m.spec.sizes.join(',') !== spec.sizes.join(',') || m.spec.hidden !== spec.hidden || m.spec.output !== spec.output)
        throw new Error('ensemble members must share one architecture');
    const kernels = spec.sizes.slice(1).map((_, l) => tf.tidy(() => tf.variable(tf.stack(members.map((m) => m.kernels[l])) as tf.Tensor3D, true)));
    const biases = spec.sizes.slice(1).map((o, l) =>
      tf.tidy(() => tf.variable(tf.reshape(tf.stack(members.map((m) => m.biases[l])), [members.length, 1, o]) as tf.Tensor3D, true)),
    );
    return new MlpEnsemble(spec, members.length, kernels, biases);
  }

  get layers(): number {
    return this.kernels.length;
  }

  get params(): tf.Variable[] {
    return this.kernels.flatMap((k, l) => [k, this.biases[l]]);
  }

  private activationOf(l: number): Activation {
    return l === this.layers - 1 ? this.spec.output : this.spec.hidden;
  }

  /** x is shared [B, in] or per member [K, B, in]; returns [x as rank 3, h_1, …, y]. */
  forwardAll(x: tf.Tensor2D | tf.Tensor3D): tf.Tensor3D[] {
    const x3 = (x.rank === 2 ? tf.reshape(x, [1, x.shape[0], x.shape[1]]) : x) as tf.Tensor3D;
    const outs: tf.Tensor3D[] = [x3];
    let h = x3;
    for (let l = 0; l < this.layers; l++) {
      h = activate(tf.add(tf.matMul(h, this.kernels[l]), this.biases[l]) as tf.Tensor3D, this.activationOf(l));
      outs.push(h);
    }
    return outs;
  }

  /** [K, B, out]. */
  predict(x: tf.Tensor2D | tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const outs = this.forwardAll(x);
      return outs[outs.length - 1];
    });
  }

  /** Parameter gradients (aligned with params) of a loss whose gradient w.r.t. the outputs is dy [K, B, out]. */
  backward(outs: readonly tf.Tensor3D[], dy: tf.Tensor3D): tf.Tensor[] {
    const grads: tf.Tensor[] = new Array(2 * this.layers);
    let dz = activationBackward(dy, outs[this.layers], this.activationOf(this.layers - 1));
    for (let l = this.layers - 1; l >= 0; l--) {
      // A shared input [1, B, in] broadcasts against dz [K, B, out]: dW_k = xᵀ dz_k.
      grads[2 * l] = transposedProduct(outs[l], dz);
      grads[2 * l + 1] = sumRows3d(dz);
      if (l > 0) dz = activationBackward(tf.matMul(dz, transposeLast(this.kernels[l])) as tf.Tensor3D, outs[l], this.activationOf(l - 1));
    }
    return grads;
  }

  lossAndGrads(x: tf.Tensor2D | tf.Tensor3D, loss: OutputLoss<tf.Tensor3D>): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const outs = this.forwardAll(x);
    const { loss: value, grad } = loss(outs[outs.length - 1]);
    return { loss: value, grads: this.backward(outs, grad) };
  }

  /** An independent copy of member k. */
  member(k: number): Mlp {
    if (!Number.isInteger(k) || k < 0 || k >= this.size) throw new Error(`ensemble member ${k} out of range [0, ${this.size})`);
    return Mlp.fromWeights(this.spec, this.memberWeights(k));
  }

  private memberWeights(k: number): NamedWeight[] {
    const names = layerWeightNames(this.layers);
    return this.params.map((p, i) => {
      const perMember = p.size / this.size;
      const shape = (i % 2 === 0 ? p.shape.slice(1) : [p.shape[2]]) as number[];
      return { name: names[i], shape, data: (p.dataSync() as Float32Array).slice(k * perMember, (k + 1) * perMember) };
    });
  }

  /** Stacked weights, named like an Mlp's with a leading member axis. */
  weights(): NamedWeight[] {
    const names = layerWeightNames(this.layers);
    return this.params.map((p, i) => ({ name: names[i], shape: [...p.shape], data: p.dataSync() as Float32Array }));
  }

  static fromWeights(spec: MlpSpec, size: number, weights: readonly NamedWeight[]): MlpEnsemble {
    const byName = new Map(weights.map((w) => [w.name, w]));
    const take = (name: string, shape: number[]): tf.Variable<tf.Rank.R3> => {
      const w = byName.get(name);
      if (!w) throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: missing weight ${name}`));
      if (w.shape.length !== 3 || w.shape.some((d, i) => d !== shape[i]) || w.data.length !== shape[0] * shape[1] * shape[2])
        throw new DistilleryFailure(distilleryError('bad-file', `checkpoint: weight ${name} has shape [${w.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`));
      return tf.tidy(() => tf.variable(tf.tensor3d(w.data, shape as [number, number, number]), true));
    };
    const kernels: tf.Variable<tf.Rank.R3>[] = [];
    const biases: tf.Variable<tf.Rank.R3>[] = [];
    try {
      for (let l = 0; l + 1 < spec.sizes.length; l++) {
        kernels.push(take(`layer${l}/kernel`, [size, spec.sizes[l], spec.sizes[l + 1]]));
        biases.push(take(`layer${l}/bias`, [size, 1, spec.sizes[l + 1]]));
      }
    } catch (e) {
      for (const v of [...kernels, ...biases]) v.dispose();
      throw e;
    }
    return new MlpEnsemble(spec, size, kernels, biases);
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }
}

/** An ensemble with its (batched) Adam state. */
export class EnsembleTrainer {
  readonly optimizer: Adam;

  constructor(readonly ensemble: MlpEnsemble, adam: Partial<AdamOptions> = {}) {
    this.optimizer = new Adam(ensemble.params, adam);
  }

  /**
   * One Adam step. With a loss that sums the members' own losses (e.g. mseLoss over [K, B, out]
   * scaled by K), every member follows its own gradient.
   */
  step(x: tf.Tensor2D | tf.Tensor3D, loss: OutputLoss<tf.Tensor3D>): number {
    return tf.tidy(() => {
      const { loss: value, grads } = this.ensemble.lossAndGrads(x, loss);
      this.optimizer.step(grads);
      return value.dataSync()[0];
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
