/**
 * Policy distillation (MOP step 2): frozen per-task teachers → one multi-task student, states
 * sampled from each task's offline data, tasks in round-robin. RxJS-free; runs in a worker.
 */
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import type { JobContext } from '../core/job.ts';
import { Rng } from '../core/rng.ts';
import { Distiller, networkTeacher, qSwitchTeacher, type DistillLossKind, type RegularizerOptions, type Teacher } from '../algos/distillation/index.ts';
import { weightsUnder } from '../algos/learner.ts';
import { Mlp, MlpEnsemble, StateNormalizer, Student, saveNetwork, studentSpec, type BackendPreference, type StudentHead, type TaskEncoding } from '../nn/index.ts';
import { readAllBatches, trainingLoop, useBackend, type StepMetric } from './common.ts';
import { actorSpecOf, criticSpecOf, loadPolicyModel, type PolicyModel } from './policy-model.ts';
import { ortCovers, ortStudentTrainer } from './distill-ort.ts';
import { tfjsBackendOf, usesOrt } from '../nn/backend.ts';
import type { OrtDistillLoss } from '../nn/ort-student.ts';
import { StudentStatePools, type StudentStatesOptions } from './student-states.ts';
import { StudentCurves, type StudentCurvesOptions } from './student-curves.ts';

export interface DistillInput {
  /** Tasks in student order: the student's task index i is the position here. */
  readonly tasks: readonly {
    readonly task: string;
    readonly teacherDir: string;
    readonly datasets: readonly string[];
    /** Offline Q-Switch: the teachers T_i1 … T_im of this task; the target is qSwitchTeacher's (teacherDir is then unused). */
    readonly switchTeacherDirs?: readonly string[];
  }[];
  /**
   * 'kl' needs stochastic teachers (trained with actorHead 'gaussian'); the student then gets the
   * same bounded Gaussian head and learns KL(S‖T) between the two real Gaussians, as the thesis.
   */
  readonly loss: DistillLossKind;
  /** A ranking regularizer across task ids added to the loss (thesis chapter 6). */
  readonly regularizer?: RegularizerOptions;
  readonly student: { readonly hidden: readonly number[]; readonly encoding: TaskEncoding };
  readonly steps: number;
  /** States per task per step (1024 in the thesis). */
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly backend: BackendPreference;
  readonly checkpointDir: string;
  readonly metricsEvery: number;
  /**
   * Distillation states from the student's own episodes instead of the datasets (on-policy,
   * DAgger-like: see student-states.ts). Absent: states are sampled from each task's datasets.
   */
  readonly studentStates?: StudentStatesOptions;
  /** Evaluation returns during distillation (metric `student/return`, tagged with the task). */
  readonly curves?: StudentCurvesOptions;
}

export interface DistillOutput {
  readonly checkpointDir: string;
  readonly finalLoss: Record<string, number>;
  readonly backend: string;
  readonly seconds: number;
}

export const distillJob = async (input: DistillInput, ctx: JobContext): Promise<DistillOutput> => {
  const backend = await useBackend(input.backend);
  // One model per task, or m per task under the Q-switch.
  const modelsPerTask: PolicyModel[][] = [];
  for (const t of input.tasks) {
    const group: PolicyModel[] = [];
    for (const dir of t.switchTeacherDirs ?? [t.teacherDir]) {
      const m = await loadPolicyModel(dir)();
      if (E.isLeft(m)) throw new DistilleryFailure(m.left);
      group.push(m.right);
    }
    modelsPerTask.push(group);
  }
  const models = modelsPerTask.flat();
  const { obsDim, actDim } = models[0].architecture;
  if (models.some((m) => m.architecture.obsDim !== obsDim || m.architecture.actDim !== actDim))
    throw new DistilleryFailure(distilleryError('invalid-input', 'distill: teachers differ in observation or action size'));
  const states: Float32Array[] = [];
  if (!input.studentStates) for (const t of input.tasks) states.push(observationsOf(await readAllBatches(t.datasets), t.task));

  const deterministic = input.tasks.filter((_, i) => modelsPerTask[i].some((m) => m.architecture.actorHead !== 'gaussian')).map((t) => t.task);
  if (input.loss === 'kl' && deterministic.length > 0)
    throw new DistilleryFailure(
      distilleryError('invalid-input', `distill: the KL loss needs stochastic teachers (teacher.actorHead=gaussian); deterministic for: ${deterministic.join(', ')}`),
    );
  const rng = Rng.fromSeed(input.seed);
  const student = Student.create(
    studentSpec({
      stateDim: obsDim,
      actionDim: actDim,
      tasks: input.tasks.length,
      encoding: input.student.encoding,
      hidden: [...input.student.hidden],
      head: studentHeadFor(input.loss),
    }),
    rng.split('student'),
  );
  const loaded = modelsPerTask.map((group) => group.map(teacherOf));
  const teachers = loaded
    .map((group) => (group.length === 1 ? group[0].teacher : qSwitchTeacher(group.map((t) => t.teacher))));
  const distiller = new Distiller(student, teachers, { loss: input.loss, adam: { lr: input.lr }, ...(input.regularizer ? { regularizer: input.regularizer } : {}) });
  // The ORT engine runs the student step when it covers this distillation (ortCovers: every loss
  // and regularizer, Q-switch groups, teachers of one architecture); the tfjs Distiller stays the reference.
  const ort =
    usesOrt(backend) && ortCovers(input.loss, modelsPerTask)
      ? ortStudentTrainer(student.spec, modelsPerTask, student.mlp.weights(), {
          loss: input.loss as OrtDistillLoss,
          adam: { lr: input.lr },
          ...(input.regularizer ? { regularizer: input.regularizer } : {}),
        })
      : undefined;
  const sampler = rng.split('states');
  const pools = input.studentStates ? await StudentStatePools.create(input.tasks.map((t) => t.task), input.studentStates, rng.split('student-states'), obsDim) : undefined;
  const curves = input.curves ? await StudentCurves.create(input.tasks.map((t) => t.task), input.curves, rng.split('curves')) : undefined;
  const batch = new Float32Array(input.batchSize * obsDim);
  const started = Date.now();
  const finalLoss: Record<string, number> = {};
  const before = tf.memory().numTensors;
  try {
    await trainingLoop({
      steps: input.steps,
      metricsEvery: input.metricsEvery,
      ctx,
      what: 'distill',
      update: (step) => {
        if (pools?.due(step)) {
          if (ort) student.mlp.setWeights(ort.weights());
          pools.refresh((obs, task) => student.act(obs, task));
        }
        // One step = one student update per task (round-robin), so `steps` means the same for any m.
        const losses: StepMetric[] = [];
        for (let k = 0; k < input.tasks.length; k++) {
          const task = distiller.nextTask();
          fillRows(batch, pools ? pools.pool(task) : states[task], obsDim, input.batchSize, sampler);
          const loss = ort ? ort.step(task, batch) : distiller.step(task, batch);
          finalLoss[input.tasks[task].task] = loss;
          losses.push({ name: 'student/loss', value: loss, tags: { task: input.tasks[task].task } });
        }
        if (curves?.due(step, input.steps)) {
          const weights = ort ? ort.weights() : student.mlp.weights();
          for (const [task, value] of curves.returns(student.spec, student.mlp.spec, weights).entries()) ctx.report({ kind: 'metric', name: 'student/return', step, value, tags: { task: input.tasks[task].task } });
        }
        return losses;
      },
    });
    if (ort) student.mlp.setWeights(ort.weights());
    const saved = await saveNetwork(input.checkpointDir, student)();
    if (E.isLeft(saved)) throw new DistilleryFailure(saved.left);
  } finally {
    ort?.dispose();
    distiller.dispose();
    student.mlp.dispose();
    for (const t of loaded.flat()) t.dispose();
  }
  if (tf.memory().numTensors > before) ctx.report({ kind: 'log', message: `distill: ${tf.memory().numTensors - before} tensors left behind` });
  return { checkpointDir: input.checkpointDir, finalLoss, backend: ort ? 'ort' : tfjsBackendOf(backend), seconds: (Date.now() - started) / 1000 };
};

const fillRows = (out: Float32Array, pool: Float32Array, dim: number, rows: number, rng: Rng): void => {
  const n = pool.length / dim;
  for (let r = 0; r < rows; r++) {
    const i = rng.int(n);
    out.set(pool.subarray(i * dim, (i + 1) * dim), r * dim);
  }
};

const observationsOf = (batches: readonly { observation: Float32Array; size: number; obsDim: number }[], task: string): Float32Array => {
  const total = batches.reduce((s, b) => s + b.size * b.obsDim, 0);
  if (total === 0) throw new DistilleryFailure(distilleryError('invalid-input', `distill: no states for task ${task}`));
  const out = new Float32Array(total);
  let at = 0;
  for (const b of batches) {
    out.set(b.observation.subarray(0, b.size * b.obsDim), at);
    at += b.size * b.obsDim;
  }
  return out;
};

/** The student head a loss trains: KL compares Gaussians, MSE and Q compare actions. */
export const studentHeadFor = (loss: DistillLossKind): StudentHead => (loss === 'kl' ? 'gaussian' : 'deterministic');

/** A frozen tfjs teacher from a saved policy model (state normalization applied when stored). */
export const teacherOf = (model: PolicyModel): { teacher: Teacher; dispose(): void } => {
  const a = model.architecture;
  const actor = Mlp.fromWeights(actorSpecOf(a), weightsUnder('actor', model.weights));
  const critics = a.critics > 0 ? MlpEnsemble.fromWeights(criticSpecOf(a), a.critics, weightsUnder('critic', model.weights)) : undefined;
  const base = networkTeacher(actor, { ...(critics ? { critics } : {}), gaussianActor: a.actorHead === 'gaussian' });
  const dispose = (): void => {
    actor.dispose();
    critics?.dispose();
  };
  const norm = a.stateNorm ? StateNormalizer.fromWeights(model.weights) : undefined;
  if (!norm) return { teacher: base, dispose };
  const { q, gaussian } = base;
  return {
    teacher: {
      act: (s) => tf.tidy(() => base.act(norm.apply(s))),
      ...(q ? { q: (s: tf.Tensor2D, act: tf.Tensor2D) => q(norm.apply(s), act) } : {}),
      ...(gaussian ? { gaussian: (s: tf.Tensor2D) => gaussian(norm.apply(s)) } : {}),
    },
    dispose: () => {
      dispose();
      norm.dispose();
    },
  };
};

export default distillJob;
