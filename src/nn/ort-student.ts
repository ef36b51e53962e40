/**
 * The distillation student's training step on ONNX Runtime: frozen teacher forward, the MOP loss
 * (MSE or Q, as src/algos/distillation computes them on tfjs), the student's hand-derived
 * backward pass and Adam, all one graph per step. Weights and Adam moments go in as inputs and
 * come out updated, into pre-allocated buffers that alternate between steps.
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { layerWeightNames, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { adamNames, adamScalars, adamUpdate, ensembleForward, ensembleInputGrad, mlpBackward, mlpForward, mlpParamInputs } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { Student, type StudentSpec } from './student.ts';

export type OrtDistillLoss = 'mse' | 'q';

/** The frozen teachers' shared architecture (every task's teacher has the same shapes). */
export interface OrtTeacherShape {
  /** Tanh actor on (normalised) states. */
  readonly actor: MlpSpec;
  /** Critic ensemble on [normalised state | action] (Q loss only); its size may differ per task. */
  readonly critic?: { readonly spec: MlpSpec };
}

/** One task's teacher weights: actor `layer{l}/…` [in, out], critics stacked [K, in, out] / [K, 1, out]. */
export interface OrtTeacherWeights {
  readonly actor: readonly NamedWeight[];
  readonly critic?: readonly NamedWeight[];
  readonly norm?: { readonly mean: Float32Array; readonly std: Float32Array };
}

export interface OrtStudentOptions {
  readonly loss: OrtDistillLoss;
  readonly adam: AdamOptions;
  /** Also output every gradient as `grad/<weight name>` (for gradient checks). */
  readonly exposeGradients?: boolean;
}

const STUDENT = 'student/';
const TEACHER_ACTOR = 'teacher/actor/';
const TEACHER_CRITIC = 'teacher/critic/';

/**
 * The step graph. Inputs: x [batch, in] (encoded student input), s [batch, stateDim] (raw states),
 * teacher weights (and normaliser), student weights with their Adam moments, and the scalars
 * stepSize, epsHat. Outputs: loss and every updated weight and moment.
 */
export const studentStepGraph = (spec: StudentSpec, teacher: OrtTeacherShape, options: OrtStudentOptions) => {
  const g = new GraphBuilder(`student-${options.loss}`);
  const sSpec = Student.mlpSpecOf(spec);
  const x = g.input('x', ['batch', sSpec.sizes[0]]);
  const s = g.input('s', ['batch', spec.stateDim]);
  const stepSize = g.input('stepSize', []);
  const epsHat = g.input('epsHat', []);
  // Teachers see (s − mean)·(1/std); a teacher without a normaliser gets mean 0 and 1/std 1, which
  // leaves s exactly as it is, so one graph serves both kinds.
  const sTeacher = g.mul(g.sub(s, g.input('teacher/mean', [spec.stateDim])), g.input('teacher/invStd', [spec.stateDim]));
  const student = mlpParamInputs(g, STUDENT, sSpec);
  const outs = mlpForward(g, sSpec, student, x);
  const y = outs[outs.length - 1];
  const rows = g.dimAsFloat(x, 0);
  let loss: Value;
  let dy: Value;
  if (options.loss === 'mse') {
    if (spec.head !== 'deterministic') throw new Error('the ORT MSE step needs a deterministic student head');
    const target = lastOf(mlpForward(g, teacher.actor, mlpParamInputs(g, TEACHER_ACTOR, teacher.actor), sTeacher));
    // mseLoss: Σ(y − t)²/n, gradient 2(y − t)/n, n = every element of y.
    const diff = g.sub(y, target);
    const n = g.sizeAsFloat(y);
    loss = g.div(g.reduceSum(g.mul(diff, diff), [0, 1], false), n);
    dy = g.mul(diff, g.div(g.scalar(2), n));
  } else if (options.loss === 'q') {
    if (spec.head !== 'deterministic') throw new Error('the ORT Q step needs a deterministic student head');
    if (!teacher.critic) throw new Error('the Q loss needs teacher critics');
    const cSpec = teacher.critic.spec;
    const critic = mlpParamInputs(g, TEACHER_CRITIC, cSpec, 'members');
    // −mean_s min_k Q_k(s, a): the gradient reaches a through every member that attains the min
    // (tfjs' min gradient does the same with ties), scaled by −1/B.
    const cOuts = ensembleForward(g, cSpec, critic, g.concat([sTeacher, y], 1));
    const q = lastOf(cOuts);
    const minQ = g.reduceMin(q, [0], true);
    loss = g.neg(g.reduceMean(minQ, [0, 1, 2], false));
    const dq = g.mul(g.equalMask(q, minQ), g.neg(g.div(g.scalar(1), rows)));
    const dsa = ensembleInputGrad(g, cSpec, critic, cOuts, dq);
    dy = g.slice(dsa, [spec.stateDim], [spec.stateDim + spec.actionDim], [1]);
  } else {
    // The KL loss (stochastic teachers, bounded Gaussian heads) still runs on tfjs.
    throw new Error(`the ORT student step has no ${options.loss as string} loss`);
  }
  const grads = mlpBackward(g, sSpec, student, outs, dy);
  g.output(loss, 'loss', []);
  const names = layerWeightNames(student.length);
  names.forEach((name, i) => {
    const param = i % 2 === 0 ? student[i >> 1].kernel : student[i >> 1].bias;
    const dims = i % 2 === 0 ? [sSpec.sizes[i >> 1], sSpec.sizes[(i >> 1) + 1]] : [sSpec.sizes[(i >> 1) + 1]];
    const n = adamNames(STUDENT + name);
    const next = adamUpdate(g, options.adam, param, g.input(n.m, dims), g.input(n.v, dims), grads[i], stepSize, epsHat);
    g.output(next.p, n.next, dims);
    g.output(next.m, n.nextM, dims);
    g.output(next.v, n.nextV, dims);
    if (options.exposeGradients) g.output(grads[i], `grad/${name}`, dims);
  });
  return g.build();
};

const lastOf = (values: readonly Value[]): Value => values[values.length - 1];

/** A weight, its two moments, in two alternating copies. */
interface Slot {
  readonly name: string;
  readonly dims: readonly number[];
  readonly p: [Float32Array, Float32Array];
  readonly m: [Float32Array, Float32Array];
  readonly v: [Float32Array, Float32Array];
}

/** The student trained on ORT; `weights()` gives checkpoint-ready weights (same names as Mlp). */
export class OrtStudentTrainer {
  readonly options: OrtStudentOptions;
  private readonly session: OrtSession;
  private readonly slots: Slot[];
  private readonly outputNames: string[];
  private readonly teacherFeeds: Feeds[];
  private current = 0;
  private t = 0;

  constructor(
    readonly spec: StudentSpec,
    teacher: OrtTeacherShape,
    teachers: readonly OrtTeacherWeights[],
    initial: readonly NamedWeight[],
    options: Partial<OrtStudentOptions> & Pick<OrtStudentOptions, 'loss'>,
  ) {
    this.options = { ...options, adam: { ...ADAM_DEFAULTS, ...options.adam } };
    if (teachers.length !== spec.tasks) throw new Error(`${teachers.length} teachers for a student of ${spec.tasks} tasks`);
    const byName = new Map(initial.map((w) => [w.name, w]));
    this.slots = layerWeightNames(Student.mlpSpecOf(spec).sizes.length - 1).map((name) => {
      const w = byName.get(name);
      if (!w) throw new Error(`student weights: missing ${name}`);
      const zeros = (): Float32Array => new Float32Array(w.data.length);
      return { name, dims: [...w.shape], p: [Float32Array.from(w.data), zeros()], m: [zeros(), zeros()], v: [zeros(), zeros()] };
    });
    this.outputNames = ['loss', ...this.slots.flatMap((s) => Object.values(adamNames(STUDENT + s.name)).slice(2))];
    this.teacherFeeds = teachers.map((tw) => teacherFeeds(teacher, tw, spec.stateDim));
    this.session = OrtSession.create(studentStepGraph(spec, teacher, this.options));
  }

  get stepCount(): number {
    return this.t;
  }

  /** One Adam step on `states` (row-major [B, stateDim]) for `task`; returns the loss before the update. */
  step(task: number, states: Float32Array): number {
    const { stateDim } = this.spec;
    const rows = states.length / stateDim;
    if (!Number.isInteger(rows)) throw new Error(`states length ${states.length} is not a multiple of the state size ${stateDim}`);
    this.t += 1;
    const { stepSize, epsHat } = adamScalars(this.options.adam, this.t);
    const [cur, next] = [this.current, 1 - this.current];
    const feeds: Feeds = {
      ...this.teacherFeeds[task],
      x: { data: encodeStudentInput(this.spec, states, task), dims: [rows, Student.mlpSpecOf(this.spec).sizes[0]] },
      s: { data: states, dims: [rows, stateDim] },
      stepSize: { data: Float32Array.of(stepSize), dims: [] },
      epsHat: { data: Float32Array.of(epsHat), dims: [] },
    };
    const into: Feeds = {};
    for (const slot of this.slots) {
      const n = adamNames(STUDENT + slot.name);
      feeds[STUDENT + slot.name] = { data: slot.p[cur], dims: slot.dims };
      feeds[n.m] = { data: slot.m[cur], dims: slot.dims };
      feeds[n.v] = { data: slot.v[cur], dims: slot.dims };
      into[n.next] = { data: slot.p[next], dims: slot.dims };
      into[n.nextM] = { data: slot.m[next], dims: slot.dims };
      into[n.nextV] = { data: slot.v[next], dims: slot.dims };
    }
    const out = this.session.run(feeds, this.outputNames, into);
    this.current = next;
    return out.loss[0];
  }

  /** The loss and its gradients at the current weights, without a step (needs exposeGradients). */
  lossAndGradients(task: number, states: Float32Array): { loss: number; grads: NamedWeight[] } {
    if (!this.options.exposeGradients) throw new Error('lossAndGradients needs the exposeGradients option');
    const { stateDim } = this.spec;
    const rows = states.length / stateDim;
    const feeds: Feeds = {
      ...this.teacherFeeds[task],
      x: { data: encodeStudentInput(this.spec, states, task), dims: [rows, Student.mlpSpecOf(this.spec).sizes[0]] },
      s: { data: states, dims: [rows, stateDim] },
      stepSize: { data: Float32Array.of(0), dims: [] },
      epsHat: { data: Float32Array.of(1), dims: [] },
    };
    for (const slot of this.slots) {
      const n = adamNames(STUDENT + slot.name);
      feeds[STUDENT + slot.name] = { data: slot.p[this.current], dims: slot.dims };
      feeds[n.m] = { data: slot.m[this.current], dims: slot.dims };
      feeds[n.v] = { data: slot.v[this.current], dims: slot.dims };
    }
    const out = this.session.run(feeds, ['loss', ...this.slots.map((s) => `grad/${s.name}`)]);
    return { loss: out.loss[0], grads: this.slots.map((s) => ({ name: s.name, shape: s.dims, data: out[`grad/${s.name}`] })) };
  }

  /** Overwrites the current weights (same shapes); the Adam state is kept. */
  setWeights(weights: readonly NamedWeight[]): void {
    const byName = new Map(weights.map((w) => [w.name, w]));
    for (const s of this.slots) {
      const w = byName.get(s.name);
      if (!w || w.data.length !== s.p[this.current].length) throw new Error(`student weights: ${s.name} missing or misshaped`);
      s.p[this.current].set(w.data);
    }
  }

  /** The current student weights (copies), named as Mlp.weights() names them. */
  weights(): NamedWeight[] {
    return this.slots.map((s) => ({ name: s.name, shape: s.dims, data: s.p[this.current].slice() }));
  }

  dispose(): void {
    this.session.dispose();
  }
}

const teacherFeeds = (shape: OrtTeacherShape, w: OrtTeacherWeights, stateDim: number): Feeds => {
  const feeds: Feeds = {};
  for (const x of w.actor) feeds[TEACHER_ACTOR + x.name] = { data: x.data, dims: x.shape };
  if (shape.critic) {
    if (!w.critic) throw new Error('the Q loss needs every teacher to have critics');
    for (const x of w.critic) feeds[TEACHER_CRITIC + x.name] = { data: x.data, dims: x.shape };
  }
  // The float32 1/std, as StateNormalizer.apply multiplies by it.
  feeds['teacher/mean'] = { data: w.norm ? w.norm.mean : new Float32Array(stateDim), dims: [stateDim] };
  feeds['teacher/invStd'] = { data: w.norm ? w.norm.std.map((x) => 1 / x) : new Float32Array(stateDim).fill(1), dims: [stateDim] };
  return feeds;
};

/** [B, stateDim + encoding] student inputs, as Student.encode builds them. */
export const encodeStudentInput = (spec: StudentSpec, states: Float32Array, task: number): Float32Array => {
  const { stateDim, tasks, encoding } = spec;
  if (!Number.isInteger(task) || task < 0 || task >= tasks) throw new Error(`task index ${task} out of range [0, ${tasks})`);
  const rows = states.length / stateDim;
  const width = Student.mlpSpecOf(spec).sizes[0];
  const input = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    input.set(states.subarray(r * stateDim, (r + 1) * stateDim), r * width);
    if (encoding === 'onehot') input[r * width + stateDim + task] = 1;
    else input[r * width + stateDim] = task;
  }
  return input;
};
