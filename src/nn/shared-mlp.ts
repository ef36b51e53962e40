import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt } from '../core/codecs.ts';
import type { Rng } from '../core/rng.ts';
import type { Activation } from './dense.ts';
import type { OutputLoss } from './loss.ts';
import { ActivationCodec, Mlp, mlpSpec, type NamedWeight } from './mlp.ts';

/**
 * The shared architecture of D'Eramo et al. (2020), y_t = f_t(h(w_t(x_t))): per task an input
 * block w_t (one layer from the task's own observation size to the common width), a hidden block
 * h shared by every task, and per task an output head f_t. Tasks whose observations have
 * different sizes share one zero-padded input matrix of the largest size: task t's input layer
 * reads its own first n_t columns (the padding columns meet no weights, so they change nothing).
 */
export const SharedMlpSpecCodec = t.type({
  /** n_t per task: each task's observation size. */
  inputSizes: t.array(PositiveInt),
  /** Per task: the head's output size (e.g. the task's number of actions). */
  outputSizes: t.array(PositiveInt),
  /** The shared block's sizes, [width, …, width_out]; its first size is the input blocks' output size. */
  sharedSizes: t.array(PositiveInt),
  /** Activation after the input blocks and every shared layer. */
  hidden: ActivationCodec,
  /** Activation of the heads' output. */
  output: ActivationCodec,
});
export type SharedMlpSpec = t.TypeOf<typeof SharedMlpSpecCodec>;

export const sharedMlpSpec = (
  inputSizes: readonly number[],
  outputSizes: readonly number[],
  sharedSizes: readonly number[],
  output: Activation = 'none',
  hidden: Activation = 'relu',
): SharedMlpSpec => ({ inputSizes: [...inputSizes], outputSizes: [...outputSizes], sharedSizes: [...sharedSizes], hidden, output });

/** Right-pads each row of x with zeros to `width` columns (the common input of every task). */
export const zeroPadColumns = (x: tf.Tensor2D, width: number): tf.Tensor2D => {
  const missing = width - x.shape[1];
  if (missing < 0) throw new Error(`zeroPadColumns: ${x.shape[1]} columns do not fit in ${width}`);
  return missing === 0 ? x : tf.pad(x, [
    [0, 0],
    [0, missing],
  ]);
};

/** One task's batch of discrete-action transitions, row-major (MT-DQN's, on tfjs and on ORT). */
export interface TaskTransitionBatch {
  readonly task: number;
  /** [B, n_t] (or padded to the largest observation size). */
  readonly observations: Float32Array;
  readonly actions: ArrayLike<number>;
  readonly rewards: ArrayLike<number>;
  readonly nextObservations: Float32Array;
  /** 1 where the transition ended in a terminal state (no bootstrap); truncation is not terminal. */
  readonly terminated: ArrayLike<number>;
}

/** One task's batch and its loss on the task's head output. */
export interface TaskBatch {
  readonly task: number;
  /** [batch, ≥ n_t]: the task's observations, possibly zero-padded to the largest input size. */
  readonly x: tf.Tensor2D;
  readonly loss: OutputLoss<tf.Tensor2D>;
}

export class SharedMlp {
  private constructor(
    readonly spec: SharedMlpSpec,
    readonly inputs: readonly Mlp[],
    readonly shared: Mlp,
    readonly heads: readonly Mlp[],
  ) {}

  /** Deterministic initialisation: sub-streams `task<t>/input`, `shared`, `task<t>/head`. */
  static create(spec: SharedMlpSpec, rng: Rng): SharedMlp {
    checkSpec(spec);
    const width = spec.sharedSizes[0];
    const top = spec.sharedSizes[spec.sharedSizes.length - 1];
    const inputs = spec.inputSizes.map((n, i) => Mlp.create(mlpSpec([n, width], spec.hidden, spec.hidden), rng.split(`task${i}/input`)));
    const shared = Mlp.create(mlpSpec(spec.sharedSizes, spec.hidden, spec.hidden), rng.split('shared'));
    const heads = spec.outputSizes.map((n, i) => Mlp.create(mlpSpec([top, n], spec.output, spec.hidden), rng.split(`task${i}/head`)));
    return new SharedMlp(spec, inputs, shared, heads);
  }

  get tasks(): number {
    return this.spec.inputSizes.length;
  }

  /** The largest input size: the width of the common zero-padded input. */
  get paddedInputSize(): number {
    return Math.max(...this.spec.inputSizes);
  }

  /** Every parameter: each task's input block, the shared block, each task's head. */
  get params(): tf.Variable[] {
    return [...this.inputs.flatMap((m) => m.params), ...this.shared.params, ...this.heads.flatMap((m) => m.params)];
  }

  /** The task-specific parameters of task t (w_t and f_t): what transfer trains with h frozen. */
  taskParams(task: number): tf.Variable[] {
    return [...this.inputs[task].params, ...this.heads[task].params];
  }

  private taskInput(task: number, x: tf.Tensor2D): tf.Tensor2D {
    this.checkTask(task);
    const n = this.spec.inputSizes[task];
    if (x.shape[1] < n) throw new Error(`SharedMlp: task ${task} needs ${n} input columns, got ${x.shape[1]}`);
    return x.shape[1] === n ? x : tf.slice(x, [0, 0], [x.shape[0], n]);
  }

  /** Task t's output f_t(h(w_t(x))) for x of at least n_t columns (extra columns are ignored). */
  predict(task: number, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const a = this.inputs[task].predict(this.taskInput(task, x));
      return this.heads[task].predict(this.shared.predict(a));
    });
  }

  /**
   * The summed loss of one batch per task and the gradients aligned with `params`: the shared
   * block's gradient is the sum of every task's, each input block and head only sees its task's
   * batch (zero for tasks without one). Call inside tf.tidy or dispose the results.
   */
  lossAndGrads(batches: readonly TaskBatch[]): { loss: tf.Scalar; losses: tf.Scalar[]; grads: tf.Tensor[] } {
    const inputGrads: (tf.Tensor[] | undefined)[] = this.inputs.map(() => undefined);
    const headGrads: (tf.Tensor[] | undefined)[] = this.heads.map(() => undefined);
    let sharedGrads: tf.Tensor[] | undefined;
    const losses: tf.Scalar[] = [];
    for (const { task, x, loss } of batches) {
      if (inputGrads[task]) throw new Error(`SharedMlp.lossAndGrads: two batches for task ${task}`);
      const inOuts = this.inputs[task].forwardAll(this.taskInput(task, x));
      const shOuts = this.shared.forwardAll(inOuts[inOuts.length - 1]);
      const headOuts = this.heads[task].forwardAll(shOuts[shOuts.length - 1]);
      const { loss: value, grad } = loss(headOuts[headOuts.length - 1]);
      losses.push(value);
      const hg = this.heads[task].backward(headOuts, grad, true);
      const dHead = hg.pop() as tf.Tensor2D;
      headGrads[task] = hg;
      const sg = this.shared.backward(shOuts, dHead, true);
      const dShared = sg.pop() as tf.Tensor2D;
      sharedGrads = sharedGrads ? sharedGrads.map((g, i) => tf.add(g, sg[i])) : sg;
      inputGrads[task] = this.inputs[task].backward(inOuts, dShared);
    }
    const orZeros = (grads: tf.Tensor[] | undefined, m: Mlp): tf.Tensor[] => grads ?? m.params.map((p) => tf.zerosLike(p));
    const grads = [
      ...this.inputs.flatMap((m, i) => orZeros(inputGrads[i], m)),
      ...orZeros(sharedGrads, this.shared),
      ...this.heads.flatMap((m, i) => orZeros(headGrads[i], m)),
    ];
    const loss = losses.length > 0 ? (tf.addN(losses) as tf.Scalar) : tf.scalar(0);
    return { loss, losses, grads };
  }

  /**
   * Task t's output y for x, and the gradient with respect to x (its first n_t columns) of
   * Σ y ⊙ dy, where dy = outputGrad(y): what DDPG's actor update needs from the critic (dQ/da).
   * Call inside tf.tidy or dispose the results.
   */
  outputAndInputGrad(task: number, x: tf.Tensor2D, outputGrad: (y: tf.Tensor2D) => tf.Tensor2D): { y: tf.Tensor2D; dx: tf.Tensor2D } {
    const inOuts = this.inputs[task].forwardAll(this.taskInput(task, x));
    const shOuts = this.shared.forwardAll(inOuts[inOuts.length - 1]);
    const headOuts = this.heads[task].forwardAll(shOuts[shOuts.length - 1]);
    const y = headOuts[headOuts.length - 1];
    const dHead = this.heads[task].backward(headOuts, outputGrad(y), true).pop() as tf.Tensor2D;
    const dShared = this.shared.backward(shOuts, dHead, true).pop() as tf.Tensor2D;
    const dx = this.inputs[task].backward(inOuts, dShared, true).pop() as tf.Tensor2D;
    return { y, dx };
  }

  /** Polyak averaging into this (target) network: θ ← τ θ_other + (1 − τ) θ. */
  softUpdateFrom(other: SharedMlp, tau: number): void {
    const mine = this.params;
    const theirs = other.params;
    if (mine.length !== theirs.length || mine.some((p, i) => p.shape.join() !== theirs[i].shape.join())) throw new Error('SharedMlp.softUpdateFrom: different architectures');
    tf.tidy(() => mine.forEach((p, i) => p.assign(tf.add(tf.mul(theirs[i], tau), tf.mul(p, 1 - tau)))));
  }

  /** Copies another network's parameters (same spec), e.g. into a target network. */
  copyFrom(other: SharedMlp): void {
    const mine = this.params;
    const theirs = other.params;
    if (mine.length !== theirs.length || mine.some((p, i) => p.shape.join() !== theirs[i].shape.join())) throw new Error('SharedMlp.copyFrom: different architectures');
    mine.forEach((p, i) => p.assign(theirs[i]));
  }

  /** Named weights: `task<t>/input/…`, `shared/…`, `task<t>/head/…` (Mlp's layer names inside). */
  weights(): NamedWeight[] {
    const prefixed = (prefix: string, m: Mlp): NamedWeight[] => m.weights().map((w) => ({ ...w, name: `${prefix}/${w.name}` }));
    return [
      ...this.inputs.flatMap((m, i) => prefixed(`task${i}/input`, m)),
      ...prefixed('shared', this.shared),
      ...this.heads.flatMap((m, i) => prefixed(`task${i}/head`, m)),
    ];
  }

  dispose(): void {
    for (const m of [...this.inputs, this.shared, ...this.heads]) m.dispose();
  }

  private checkTask(task: number): void {
    if (!Number.isInteger(task) || task < 0 || task >= this.tasks) throw new Error(`SharedMlp: task ${task} is not in [0, ${this.tasks})`);
  }
}

const checkSpec = (spec: SharedMlpSpec): void => {
  if (spec.inputSizes.length === 0 || spec.inputSizes.length !== spec.outputSizes.length)
    throw new Error(`SharedMlp: one input size and one output size per task, got ${spec.inputSizes.length} and ${spec.outputSizes.length}`);
  if (spec.sharedSizes.length < 2) throw new Error(`SharedMlp: the shared block needs at least one layer, got sizes [${spec.sharedSizes.join(', ')}]`);
};
