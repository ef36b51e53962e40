/**
 * The distill job's ORT engine hook: saved teachers as the ORT student step wants them (actor,
 * stacked critics for the Q loss, state normaliser) and the trainer built from them.
 */
import { weightsUnder } from '../algos/learner.ts';
import type { DistillLossKind } from '../algos/distillation/index.ts';
import { StateNormalizer, type NamedWeight } from '../nn/index.ts';
import { OrtStudentTrainer, type OrtTeacherShape, type OrtTeacherWeights } from '../nn/ort-student.ts';
import type { AdamOptions } from '../nn/adam.ts';
import type { StudentSpec } from '../nn/student.ts';
import { actorSpecOf, criticSpecOf, type PolicyModel } from './policy-model.ts';

export const ortTeacherShape = (model: PolicyModel, loss: DistillLossKind): OrtTeacherShape => {
  const a = model.architecture;
  return {
    actor: actorSpecOf(a),
    stateNorm: a.stateNorm,
    ...(loss === 'q' ? { critic: { spec: criticSpecOf(a), members: a.critics } } : {}),
  };
};

export const ortTeacherWeights = (model: PolicyModel, loss: DistillLossKind): OrtTeacherWeights => {
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
  options: { loss: DistillLossKind; adam: Partial<AdamOptions>; teacherStd: number; exposeGradients?: boolean },
): OrtStudentTrainer => {
  if (options.loss === 'q' && models.some((m) => m.architecture.critics === 0))
    throw new Error('the Q-loss needs teachers with critics (Teacher.q)');
  return new OrtStudentTrainer(
    spec,
    ortTeacherShape(models[0], options.loss),
    models.map((m) => ortTeacherWeights(m, options.loss)),
    initial,
    { loss: options.loss, adam: { lr: 1e-4, ...options.adam } as AdamOptions, teacherStd: options.teacherStd, exposeGradients: options.exposeGradients },
  );
};
