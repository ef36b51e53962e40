import * as tf from '@tensorflow/tfjs';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { Adam, type AdamOptions } from '../../nn/adam.ts';
import { autodiffLoss, mseLoss, type OutputLoss } from '../../nn/loss.ts';
import type { Student } from '../../nn/student.ts';
import { klDistillLoss, mseDistillLoss, qDistillLoss } from './losses.ts';
import { rankingLossTensor, type RankingLossKind } from './ranking.ts';
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
   * Distillation loss + λ·ranking regularizer, gradients by tfjs' autodiff through the whole
   * student (the regularizer reaches a hidden layer, which the hand-written backward pass, fed
   * only at the output, cannot). Both task ids' forward passes carry gradient, except for NDCG,
   * whose second vector is the reference ranking (a constant, as in ndcgSurrogate).
   */
  private regularizedLossAndGrads(task: number, states: Float32Array, input: tf.Tensor2D, s: tf.Tensor2D, reg: RegularizerOptions): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const mlp = this.student.mlp;
    const others = this.teachers.map((_, j) => j).filter((j) => j !== task);
    const otherInputs = others.map((j) => this.student.encode(states, j));
    const constantOthers = reg.kind === 'ndcg' ? otherInputs.map((x) => mlp.forwardAll(x)[reg.layer]) : undefined;
    const distillLoss = this.scalarLoss(this.teachers[task], s);
    const params = mlp.params;
    const { value, grads } = tf.variableGrads(() => {
      const outs = mlp.forwardAll(input);
      const h = outs[reg.layer];
      const ranking = otherInputs.map((x, k) => rankingLossTensor(reg.kind, h, constantOthers ? constantOthers[k] : mlp.forwardAll(x)[reg.layer], reg.temperature));
      const regularizer = tf.div(tf.addN(ranking), others.length);
      return tf.add(distillLoss(outs[outs.length - 1]), tf.mul(regularizer, reg.weight)) as tf.Scalar;
    }, params);
    return { loss: value, grads: params.map((p) => grads[p.name]) };
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
