/**
 * Activation capture for a saved student: its weights as a JsMlp (plain typed arrays, so nothing
 * to dispose and no tensor can leak) and every hidden layer's activations for a batch of states
 * under one task id — what the shared-computation analysis (docs/facts.md) ranks.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { decode } from '../core/codecs.ts';
import { DistilleryFailure, distilleryError, type DistilleryError } from '../core/errors.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { JsMlp } from './js-mlp.ts';
import { Student, StudentSpecCodec, type StudentSpec } from './student.ts';

const StudentArchitecture = t.type({ kind: t.literal('student'), spec: StudentSpecCodec });

/** A student checkpoint ready for inference in JS. */
export interface StudentNet {
  readonly spec: StudentSpec;
  readonly net: JsMlp;
}

/** Loads a student checkpoint directory; a missing, foreign or mismatched checkpoint is a Left. */
export const loadStudentNet = (dir: string): TE.TaskEither<DistilleryError, StudentNet> =>
  pipe(
    loadCheckpoint(dir),
    TE.chainEitherK((cp) =>
      pipe(
        decode(StudentArchitecture, cp.architecture, `student checkpoint ${dir}`),
        // JsMlp.fromWeights throws a DistilleryFailure for weights that do not fit: a Left here.
        E.chain(({ spec }) =>
          E.tryCatch(
            (): StudentNet => ({ spec, net: JsMlp.fromWeights(Student.mlpSpecOf(spec), cp.weights) }),
            (e) => (e instanceof DistilleryFailure ? e.error : distilleryError('bad-file', `student checkpoint ${dir}: ${String(e)}`)),
          ),
        ),
      ),
    ),
  );

/** One row-major [rows, width] matrix: row r is state r's activations. */
export interface ActivationMatrix {
  readonly rows: number;
  readonly width: number;
  readonly data: Float32Array;
}

/**
 * Every hidden layer's activations (after ReLU) for `states` (row-major [rows, stateDim]) under
 * task index `task`, encoded as the student was trained (one-hot or scalar id). A task index out
 * of range or states that are not whole rows is a Left (they come from parameters and datasets).
 */
export const studentActivations = (student: StudentNet, states: Float32Array, task: number): E.Either<DistilleryError, ActivationMatrix[]> => {
  const { stateDim, tasks, encoding, hidden } = student.spec;
  if (!Number.isInteger(task) || task < 0 || task >= tasks)
    return E.left(distilleryError('invalid-input', `task index ${task} is out of range for a student of ${tasks} tasks`));
  if (states.length % stateDim !== 0)
    return E.left(distilleryError('invalid-input', `${states.length} state values are not whole rows of the student's state size ${stateDim}`));
  const rows = states.length / stateDim;
  const width = student.net.inputSize;
  const input = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    input.set(states.subarray(r * stateDim, (r + 1) * stateDim), r * width);
    if (encoding === 'onehot') input[r * width + stateDim + task] = 1;
    else input[r * width + stateDim] = task;
  }
  return E.right(student.net.hiddenActivations(input, rows).map((data, l) => ({ rows, width: hidden[l], data })));
};
