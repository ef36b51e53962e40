import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { PositiveInt, oneOf, withDefault } from '../core/codecs.ts';
import type { Rng } from '../core/rng.ts';
import { boundedGaussian, type DiagGaussian } from './gaussian.ts';
import { Mlp, mlpSpec } from './mlp.ts';

/**
 * How the task id enters the student: `onehot` appends m indicator columns (the default: no
 * false ordering between tasks when m > 2); `scalar` appends the task index i itself as one
 * column (0, 1, …), as the MOP reference code does.
 */
export type TaskEncoding = 'onehot' | 'scalar';
/**
 * `deterministic`: tanh outputs are the actions. `gaussian`: the thesis' stochastic actor (ActorMTND),
 * tanh outputs [μ | log σ] (boundedGaussian: μ and log σ in (−1, 1)), deterministic action μ.
 */
export type StudentHead = 'deterministic' | 'gaussian';

export const StudentSpecCodec = t.type({
  stateDim: PositiveInt,
  actionDim: PositiveInt,
  tasks: PositiveInt,
  encoding: withDefault(oneOf<TaskEncoding>(['onehot', 'scalar'], 'TaskEncoding'), 'onehot'),
  hidden: withDefault(t.array(PositiveInt), [256, 256]),
  head: withDefault(oneOf<StudentHead>(['deterministic', 'gaussian'], 'StudentHead'), 'deterministic'),
});
export type StudentSpec = t.TypeOf<typeof StudentSpecCodec>;

export const studentSpec = (
  s: Pick<StudentSpec, 'stateDim' | 'actionDim' | 'tasks'> & Partial<StudentSpec>,
): StudentSpec => ({ encoding: 'onehot', hidden: [256, 256], head: 'deterministic', ...s });

export const taskEncodingWidth = (encoding: TaskEncoding, tasks: number): number => (encoding === 'onehot' ? tasks : 1);

/**
 * The multi-task student π_S(s, i): an MLP on [state | task encoding], ReLU hidden layers
 * (2×256 as published), tanh actions.
 */
export class Student {
  private constructor(
    readonly spec: StudentSpec,
    readonly mlp: Mlp,
  ) {}

  static create(spec: StudentSpec, rng: Rng): Student {
    return new Student(spec, Mlp.create(Student.mlpSpecOf(spec), rng));
  }

  /** Wraps an existing network (e.g. loaded from a checkpoint); its sizes must fit the spec. */
  static fromMlp(spec: StudentSpec, mlp: Mlp): Student {
    const want = Student.mlpSpecOf(spec);
    if (want.sizes.join(',') !== mlp.spec.sizes.join(',') || want.output !== mlp.spec.output || want.hidden !== mlp.spec.hidden)
      throw new Error(`network [${mlp.spec.sizes.join(', ')}] does not fit the student spec [${want.sizes.join(', ')}]`);
    return new Student(spec, mlp);
  }

  static mlpSpecOf(spec: StudentSpec) {
    const inputs = spec.stateDim + taskEncodingWidth(spec.encoding, spec.tasks);
    const outputs = spec.head === 'gaussian' ? 2 * spec.actionDim : spec.actionDim;
    return mlpSpec([inputs, ...spec.hidden, outputs], 'tanh');
  }

  get inputSize(): number {
    return this.mlp.inputSize;
  }

  /** [B, stateDim + encoding] input rows for `states` (row-major [B, stateDim]) under task `task`. */
  encode(states: Float32Array, task: number): tf.Tensor2D {
    const { stateDim, tasks, encoding } = this.spec;
    if (!Number.isInteger(task) || task < 0 || task >= tasks) throw new Error(`task index ${task} out of range [0, ${tasks})`);
    if (states.length % stateDim !== 0) throw new Error(`states length ${states.length} is not a multiple of the state size ${stateDim}`);
    const rows = states.length / stateDim;
    const width = this.inputSize;
    const input = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      input.set(states.subarray(r * stateDim, (r + 1) * stateDim), r * width);
      if (encoding === 'onehot') input[r * width + stateDim + task] = 1;
      else input[r * width + stateDim] = task;
    }
    return tf.tensor2d(input, [rows, width]);
  }

  /** Raw network outputs for encoded inputs. */
  forward(input: tf.Tensor2D): tf.Tensor2D {
    return this.mlp.predict(input);
  }

  /** Deterministic actions [B, actionDim] from the network's outputs (the Gaussian head gives μ). */
  actionsFromOutput(output: tf.Tensor2D): tf.Tensor2D {
    return this.spec.head === 'gaussian' ? (tf.slice(output, [0, 0], [-1, this.spec.actionDim]) as tf.Tensor2D) : output;
  }

  /** Gaussian parameters from raw outputs (Gaussian head only). */
  gaussianFromOutput(output: tf.Tensor2D): DiagGaussian {
    if (this.spec.head !== 'gaussian') throw new Error('this student has a deterministic head');
    return boundedGaussian(output);
  }

  /** Deterministic actions (row-major [B, actionDim]) for `states` under task `task`. */
  act(states: Float32Array, task: number): Float32Array {
    return tf.tidy(() => {
      const input = this.encode(states, task);
      return this.actionsFromOutput(this.mlp.predict(input)).dataSync() as Float32Array;
    });
  }

  dispose(): void {
    this.mlp.dispose();
  }
}
