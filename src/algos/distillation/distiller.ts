import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { Adam, type AdamOptions } from '../../nn/adam.ts';
import { activationBackward, sumRows2d, transposeLast, transposedProduct } from '../../nn/dense.ts';
import type { Mlp } from '../../nn/mlp.ts';
import { autodiffLoss, mseLoss, type OutputLoss } from '../../nn/loss.ts';
import type { Student } from '../../nn/student.ts';
import { klDistillLoss, mseDistillLoss, qDistillLoss } from './losses.ts';
import { rankingLossBatch, type RankingLossKind } from './ranking.ts';
import type { Teacher } from './teacher.ts';

export type DistillLossKind = 'mse' | 'q' | 'kl';

/**
 * A ranking regularizer (thesis chapter 6) added to the distillation loss of task i:
 * λ · mean_{j≠i} ranking(h_l(s, i), h_l(s, j)), on hidden layer `layer` (1-based) of the same
 * states under the two task ids.
 */
export interface RegularizerOptions {
  readonly kind: Exclude<RankingLossKind, 'none'>;
  /** λ (thesis: 100); 0 keeps the combined (autodiff) path with no regularizer contribution. */
  readonly weight: number;
  /** 1-based hidden layer. */
  readonly layer: number;
  /** NDCG surrogate's temperature. */
  readonly temperature: number;
}

export interface DistillerOptions {
  readonly loss: DistillLossKind;
  /** Adam settings; lr 1e-4 as published, the rest PyTorch defaults. */
  readonly adam: Partial<AdamOptions>;
  readonly regularizer?: RegularizerOptions;
}

export const DISTILLER_DEFAULTS: DistillerOptions = { loss: 'mse', adam: { lr: 1e-4 } };

/**
 * Distils frozen per-task teachers into one multi-task student (MOP step 2). The caller supplies
 * each step's states (sampled from D_i); `nextTask` gives the published round-robin order.
 * The student's network is trained in place; the teachers are never modified.
 */
export class Distiller {
  readonly options: DistillerOptions;
  private readonly optimizer: Adam;
  private cursor = 0;

  constructor(
    readonly student: Student,
    readonly teachers: readonly Teacher[],
    options: Partial<DistillerOptions> = {},
  ) {
    this.options = { ...DISTILLER_DEFAULTS, ...options, adam: { ...DISTILLER_DEFAULTS.adam, ...options.adam } };
    if (teachers.length !== student.spec.tasks) throw new Error(`${teachers.length} teachers for a student of ${student.spec.tasks} tasks`);
    const { loss } = this.options;
    if (loss === 'q' && teachers.some((t) => !t.q)) throw new Error('the Q-loss needs teachers with critics (Teacher.q)');
    if (loss === 'kl' && (student.spec.head !== 'gaussian' || teachers.some((t) => !t.gaussian)))
      throw new Error('the KL loss needs a Gaussian student head and Gaussian teachers (Teacher.gaussian)');
    const reg = this.options.regularizer;
    if (reg) {
      const hidden = student.spec.hidden.length;
      if (!Number.isInteger(reg.layer) || reg.layer < 1 || reg.layer > hidden)
        throw new DistilleryFailure(distilleryError('invalid-input', `regularizer layer ${reg.layer} is not a hidden layer of the student (1 to ${hidden})`));
      if (!(reg.weight >= 0)) throw new DistilleryFailure(distilleryError('invalid-input', `regularizer weight must be ≥ 0, got ${reg.weight}`));
    }
    this.optimizer = new Adam(student.mlp.params, this.options.adam);
  }

  /** The next task in round-robin order (0, 1, …, m − 1, 0, …). */
  nextTask(): number {
    const task = this.cursor;
    this.cursor = (this.cursor + 1) % this.teachers.length;
    return task;
  }

  /** One Adam step of the student on `states` (row-major [B, stateDim]) for `task`; returns the loss. */
  step(task: number, states: Float32Array): number {
    return tf.tidy(() => {
      const { loss, grads } = this.lossAndGrads(task, states);
      this.optimizer.step(grads);
      return loss.dataSync()[0];
    });
  }

  /** The loss and its gradients with respect to `student.mlp.params` (call inside tf.tidy). */
  lossAndGrads(task: number, states: Float32Array): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const { stateDim } = this.student.spec;
    const input = this.student.encode(states, task);
    const s = tf.tensor2d(states, [states.length / stateDim, stateDim]);
    const reg = this.options.regularizer;
    if (!reg || this.teachers.length < 2) return this.student.mlp.lossAndGrads(input, this.outputLoss(this.teachers[task], s));
    return this.regularizedLossAndGrads(task, states, input, s, reg);
  }

  /**
   * Distillation loss + λ·ranking regularizer. The regularizer's gradient with respect to the
   * layer's activations comes from the float64 losses (rankingLossBatch); it enters the student's
   * hand-written backward pass at that layer, for task i's forward pass and (except NDCG, whose
   * second vector is the reference ranking) for task j's. tfjs' autodiff through the whole
   * student ran 2–5× slower on tfjs-wasm (transposed matMuls, see nn/dense.ts).
   */
  private regularizedLossAndGrads(task: number, states: Float32Array, input: tf.Tensor2D, s: tf.Tensor2D, reg: RegularizerOptions): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const mlp = this.student.mlp;
    const others = this.teachers.map((_, j) => j).filter((j) => j !== task);
    const outs = mlp.forwardAll(input);
    const distill = this.outputLoss(this.teachers[task], s)(outs[outs.length - 1]);
    const h = outs[reg.layer];
    const [rows, width] = h.shape;
    const hData = h.dataSync();
    // Mean over the other tasks j, times λ.
    const scale = reg.weight / others.length;
    const gradH = new Float32Array(rows * width);
    let regularizer = 0;
    const grads = others.map((j) => {
      const otherOuts = mlp.forwardAll(this.student.encode(states, j));
      const r = rankingLossBatch(reg.kind, hData, otherOuts[reg.layer].dataSync(), width, reg.temperature);
      regularizer += r.loss;
      for (let k = 0; k < gradH.length; k++) gradH[k] += scale * r.gradX[k];
      if (reg.kind === 'ndcg') return undefined;
      return backwardInjected(mlp, otherOuts, new Map([[reg.layer, tf.tensor2d(Float32Array.from(r.gradY!, (g) => scale * g), [rows, width])]]));
    });
    const own = backwardInjected(
      mlp,
      outs,
      new Map([
        [mlp.layers, distill.grad],
        [reg.layer, tf.tensor2d(gradH, [rows, width])],
      ]),
    );
    const total = grads.reduce<tf.Tensor[]>((acc, g) => (g ? acc.map((a, k) => tf.add(a, g[k])) : acc), own);
    return { loss: tf.add(distill.loss, scale * regularizer) as tf.Scalar, grads: total };
  }

  /** The loss for `task` on `states` without training (for evaluation curves). */
  evaluate(task: number, states: Float32Array): number {
    const { stateDim } = this.student.spec;
    return tf.tidy(() => {
      const input = this.student.encode(states, task);
      const s = tf.tensor2d(states, [states.length / stateDim, stateDim]);
      return this.outputLoss(this.teachers[task], s)(this.student.mlp.predict(input)).loss.dataSync()[0];
    });
  }

  private outputLoss(teacher: Teacher, states: tf.Tensor2D): OutputLoss<tf.Tensor2D> {
    // A tanh head's outputs are the actions: closed-form MSE gradient, no autodiff at all.
    if (this.options.loss === 'mse' && this.student.spec.head === 'deterministic') return mseLoss(teacher.act(states));
    return autodiffLoss(this.scalarLoss(teacher, states));
  }

  /** The distillation loss as a differentiable function of the student's raw outputs. */
  private scalarLoss(teacher: Teacher, states: tf.Tensor2D): (out: tf.Tensor2D) => tf.Scalar {
    const student = this.student;
    switch (this.options.loss) {
      case 'mse': {
        const target = teacher.act(states);
        return (out) => mseDistillLoss(student.actionsFromOutput(out), target);
      }
      case 'q':
        return (out) => qDistillLoss(teacher.q!, states, student.actionsFromOutput(out));
      case 'kl': {
        const target = teacher.gaussian!(states);
        return (out) => klDistillLoss(student.gaussianFromOutput(out), target);
      }
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Parameter gradients of an MLP (aligned with `mlp.params`) given dL/d outs[k] for some k (the
 * output is k = layers, hidden layer l is k = l): Mlp.backward's pass, with gradients joining at
 * hidden layers too. Layers above the highest k get zero gradients.
 */
export const backwardInjected = (mlp: Mlp, outs: readonly tf.Tensor2D[], inject: ReadonlyMap<number, tf.Tensor2D>): tf.Tensor[] => {
  const L = mlp.layers;
  const grads: tf.Tensor[] = new Array(2 * L);
  let dOut: tf.Tensor2D | undefined; // dL/d outs[l + 1]
  for (let l = L - 1; l >= 0; l--) {
    const extra = inject.get(l + 1);
    dOut = dOut && extra ? (tf.add(dOut, extra) as tf.Tensor2D) : (dOut ?? extra);
    if (!dOut) {
      grads[2 * l] = tf.zerosLike(mlp.kernels[l]);
      grads[2 * l + 1] = tf.zerosLike(mlp.biases[l]);
      continue;
    }
    const dz = activationBackward(dOut, outs[l + 1], l === L - 1 ? mlp.spec.output : mlp.spec.hidden);
    grads[2 * l] = transposedProduct(outs[l], dz);
    grads[2 * l + 1] = sumRows2d(dz);
    if (l > 0) dOut = tf.matMul(dz, transposeLast(mlp.kernels[l])) as tf.Tensor2D;
  }
  return grads;
};
