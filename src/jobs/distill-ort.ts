/**
 * The distill job's ORT engine hook: saved teachers as the ORT student step wants them (actor,
 * stacked critics for the Q loss and the Q-switch, state normaliser) and the trainer built from them.
 */
import { weightsUnder } from '../algos/learner.ts';
import type { DistillLossKind, RegularizerOptions } from '../algos/distillation/index.ts';
import { StateNormalizer, type NamedWeight } from '../nn/index.ts';
import { OrtStudentTrainer, type OrtDistillLoss, type OrtTaskTeachers, type OrtTeacherShape, type OrtTeacherWeights } from '../nn/ort-student.ts';
import { ADAM_DEFAULTS, type AdamOptions } from '../nn/adam.ts';
import type { StudentSpec } from '../nn/student.ts';
import { actorSpecOf, criticSpecOf, type PolicyModel } from './policy-model.ts';

const isGaussian = (m: PolicyModel): boolean => (m.architecture as { actorHead?: string }).actorHead === 'gaussian';

/**
 * Whether the ORT student step covers this distillation: every loss (MSE, Q, KL) and ranking
 * regularizer, one teacher per task or Offline Q-Switch groups of the same size m ≥ 2 (MSE loss,
 * teachers with critics), as long as every teacher has the same hidden sizes and actor head (one
 * graph; ensemble sizes and state normalisers may differ). Anything else (mixed groups, mixed
 * architectures) runs on tfjs, which also reports the invalid combinations.
 */
export const ortCovers = (loss: DistillLossKind, teachersPerTask: readonly (readonly PolicyModel[])[]): loss is OrtDistillLoss => {
  const models = teachersPerTask.flat();
  if (models.length === 0) return false;
  const m = teachersPerTask[0].length;
  const first = models[0];
  return (
    teachersPerTask.every((group) => group.length === m) &&
    models.every((x) => x.architecture.hidden.join(',') === first.architecture.hidden.join(',') && isGaussian(x) === isGaussian(first)) &&
    (loss !== 'kl' || isGaussian(first)) &&
    (m === 1 || loss === 'mse') &&
    ((loss !== 'q' && m === 1) || models.every((x) => x.architecture.critics > 0))
  );
};

export const ortTeacherShape = (model: PolicyModel, loss: OrtDistillLoss, qSwitch?: number): OrtTeacherShape => {
  const a = model.architecture;
  return {
    actor: actorSpecOf(a),
    ...(isGaussian(model) ? { gaussian: true } : {}),
    ...(loss === 'q' || qSwitch !== undefined ? { critic: { spec: criticSpecOf(a) } } : {}),
    ...(qSwitch !== undefined ? { qSwitch } : {}),
  };
};

export const ortTeacherWeights = (model: PolicyModel, withCritics: boolean): OrtTeacherWeights => {
  const norm = model.architecture.stateNorm ? StateNormalizer.fromWeights(model.weights) : undefined;
  return {
    actor: weightsUnder('actor', model.weights),
    ...(withCritics ? { critic: weightsUnder('critic', model.weights) } : {}),
    ...(norm ? { norm: { mean: norm.mean, std: norm.std } } : {}),
  };
};

/**
 * The ORT student trainer for per-task teachers (a model, or a task's m Q-switch models; every
 * model with the same architecture), starting from `initial`.
 */
export const ortStudentTrainer = (
  spec: StudentSpec,
  teachers: readonly (PolicyModel | readonly PolicyModel[])[],
  initial: readonly NamedWeight[],
  options: { loss: OrtDistillLoss; adam: Partial<AdamOptions>; regularizer?: RegularizerOptions; exposeGradients?: boolean },
): OrtStudentTrainer => {
  const groups = teachers.map((t) => (Array.isArray(t) ? (t as readonly PolicyModel[]) : [t as PolicyModel]));
  const qSwitch = groups[0].length > 1 ? groups[0].length : undefined;
  const withCritics = options.loss === 'q' || qSwitch !== undefined;
  const weights: OrtTaskTeachers[] = groups.map((group) =>
    qSwitch === undefined ? ortTeacherWeights(group[0], withCritics) : group.map((m) => ortTeacherWeights(m, withCritics)),
  );
  return new OrtStudentTrainer(spec, ortTeacherShape(groups[0][0], options.loss, qSwitch), weights, initial, {
    loss: options.loss,
    adam: { ...ADAM_DEFAULTS, lr: 1e-4, ...options.adam },
    ...(options.regularizer ? { regularizer: options.regularizer } : {}),
    exposeGradients: options.exposeGradients,
  });
};
