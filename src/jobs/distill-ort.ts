/**
 * The distill job's ORT engine hook: saved teachers as the ORT student step wants them (actor,
 * stacked critics for the Q loss, state normaliser) and the trainer built from them.
 */
import { weightsUnder } from '../algos/learner.ts';
import type { DistillLossKind } from '../algos/distillation/index.ts';
import { StateNormalizer, type NamedWeight } from '../nn/index.ts';
import { OrtStudentTrainer, type OrtDistillLoss, type OrtTeacherShape, type OrtTeacherWeights } from '../nn/ort-student.ts';
import { ADAM_DEFAULTS, type AdamOptions } from '../nn/adam.ts';
import type { StudentSpec } from '../nn/student.ts';
import { actorSpecOf, criticSpecOf, type PolicyModel } from './policy-model.ts';

/**
 * Whether the ORT student step covers this distillation: MSE or Q loss, one deterministic teacher
 * per task, every teacher with the same hidden sizes (one graph; ensemble sizes and state
 * normalisers may differ), no ranking regularizer. Everything else (KL between stochastic
 * teachers, Offline Q-Switch teachers, regularizers) runs on tfjs.
 */
export const ortCovers = (loss: DistillLossKind, teachersPerTask: readonly (readonly PolicyModel[])[], regularized: boolean): loss is OrtDistillLoss =>
  (loss === 'mse' || loss === 'q') &&
  !regularized &&
  teachersPerTask.every((group) => group.length === 1 && (group[0].architecture as { actorHead?: string }).actorHead !== 'gaussian') &&
  teachersPerTask.every((group) => group[0].architecture.hidden.join(',') === teachersPerTask[0][0].architecture.hidden.join(',')) &&
  (loss !== 'q' || teachersPerTask.every((group) => group[0].architecture.critics > 0));

export const ortTeacherShape = (model: PolicyModel, loss: OrtDistillLoss): OrtTeacherShape => {
  const a = model.architecture;
  return {
    actor: actorSpecOf(a),
    ...(loss === 'q' ? { critic: { spec: criticSpecOf(a) } } : {}),
  };
};

export const ortTeacherWeights = (model: PolicyModel, loss: OrtDistillLoss): OrtTeacherWeights => {
  const norm = model.architecture.stateNorm ? StateNormalizer.fromWeights(model.weights) : undefined;
  return {
    actor: weightsUnder('actor', model.weights),
    ...(loss === 'q' ? { critic: weightsUnder('critic', model.weights) } : {}),
    ...(norm ? { norm: { mean: norm.mean, std: norm.std } } : {}),
  };
};

/** The ORT student trainer for teachers `models` (same architecture), starting from `initial`. */
export const ortStudentTrainer = (
  spec: StudentSpec,
  models: readonly PolicyModel[],
  initial: readonly NamedWeight[],
  options: { loss: OrtDistillLoss; adam: Partial<AdamOptions>; exposeGradients?: boolean },
): OrtStudentTrainer => {
  return new OrtStudentTrainer(
    spec,
    ortTeacherShape(models[0], options.loss),
    models.map((m) => ortTeacherWeights(m, options.loss)),
    initial,
    { loss: options.loss, adam: { ...ADAM_DEFAULTS, lr: 1e-4, ...options.adam }, exposeGradients: options.exposeGradients },
  );
};
