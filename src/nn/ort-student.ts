/**
 * The distillation student's training step on ONNX Runtime: frozen teacher forward, the MOP loss
 * (MSE, Q or KL, as src/algos/distillation computes them on tfjs), optionally a ranking
 * regularizer across task ids (ort-ranking.ts), the student's hand-derived backward pass and
 * Adam, all one graph per step. Weights and Adam moments go in as inputs and come out updated,
 * into pre-allocated buffers that alternate between steps.
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { layerWeightNames, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder, type Value } from './ort-graph.ts';
import { adamNames, adamParamStep, ensembleForward, feedAdamScalars, ensembleInputGrad, mlpBackward, mlpForward, mlpParamInputs } from './ort-mlp.ts';
import { rankingTerms, type OrtRankingRegularizer } from './ort-ranking.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';
import { Student, type StudentSpec } from './student.ts';

export type OrtDistillLoss = 'mse' | 'q' | 'kl';

/** The frozen teachers' shared architecture (every task's teacher has the same shapes). */
export interface OrtTeacherShape {
  /** Tanh actor on (normalised) states. */
  readonly actor: MlpSpec;
  /** The thesis' stochastic actor: outputs [μ | log σ] (boundedGaussian), deterministic action μ. */
  readonly gaussian?: boolean;
  /** Critic ensemble on [normalised state | action] (Q loss, Q-switch); its size may differ per teacher. */
  readonly critic?: { readonly spec: MlpSpec };
  /**
   * Offline Q-Switch: m teachers per task, the target is the action of the one whose critic
   * values it most (argmax_j min_k Q_ij(s, π_ij(s)), qSwitchTeacher's rule); MSE loss only.
   */
  readonly qSwitch?: number;
}

/** One teacher's weights: actor `layer{l}/…` [in, out], critics stacked [K, in, out] / [K, 1, out]. */
export interface OrtTeacherWeights {
  readonly actor: readonly NamedWeight[];
  readonly critic?: readonly NamedWeight[];
  readonly norm?: { readonly mean: Float32Array; readonly std: Float32Array };
}

/** A task's teacher, or its m Q-switch teachers. */
export type OrtTaskTeachers = OrtTeacherWeights | readonly OrtTeacherWeights[];

export interface OrtStudentOptions {
  readonly loss: OrtDistillLoss;
  readonly adam: AdamOptions;
  /** A ranking regularizer across task ids (with one task there is no other task: ignored, as on tfjs). */
  readonly regularizer?: OrtRankingRegularizer;
  /** Also output every gradient as `grad/<weight name>` (for gradient checks). */
  readonly exposeGradients?: boolean;
}

const STUDENT = 'student/';
const TEACHER = 'teacher/';

/** Input name prefix of teacher `j` of a Q-switch (or of the single teacher). */
const teacherPrefix = (j: number | undefined): string => (j === undefined ? TEACHER : `${TEACHER}${j}/`);

/** Whether a step regularizes (a regularizer and at least two tasks). */
const regularizerOf = (spec: StudentSpec, options: Pick<OrtStudentOptions, 'regularizer'>): OrtRankingRegularizer | undefined =>
  options.regularizer && spec.tasks >= 2 ? options.regularizer : undefined;

/**
 * The step graph. Inputs: x (encoded student input: [B, in], or with a regularizer [tasks·B, in],
 * task i's rows first, then every other task's in order), s [B, stateDim] (raw states), teacher
 * weights (and normalisers), student weights with their Adam moments, and the scalars stepSize,
 * epsHat. Outputs: loss and every updated weight and moment.
 */
export const studentStepGraph = (spec: StudentSpec, teacher: OrtTeacherShape, options: OrtStudentOptions) => {
  const g = new GraphBuilder(`student-${options.loss}`);
  const sSpec = Student.mlpSpecOf(spec);
  const reg = regularizerOf(spec, options);
  const tasks = reg ? spec.tasks : 1;
  if (reg && !(Number.isInteger(reg.layer) && reg.layer >= 1 && reg.layer <= spec.hidden.length))
    throw new Error(`regularizer layer ${reg.layer} is not a hidden layer of the student (1 to ${spec.hidden.length})`);
  const x = g.input('x', ['rows', sSpec.sizes[0]]);
  const s = g.input('s', ['batch', spec.stateDim]);
  const stepSize = g.input('stepSize', []);
  const epsHat = g.input('epsHat', []);
  // Teachers see (s − mean)·(1/std); a teacher without a normaliser gets mean 0 and 1/std 1, which
  // leaves s exactly as it is, so one graph serves both kinds.
  const sTeacherOf = (j?: number): Value =>
    g.mul(g.sub(s, g.input(`${teacherPrefix(j)}mean`, [spec.stateDim])), g.input(`${teacherPrefix(j)}invStd`, [spec.stateDim]));
  const teacherAction = (sT: Value, j?: number): Value => {
    const out = lastOf(mlpForward(g, teacher.actor, mlpParamInputs(g, `${teacherPrefix(j)}actor/`, teacher.actor), sT));
    return teacher.gaussian ? g.slice(out, [0], [spec.actionDim], [1]) : out;
  };
  const student = mlpParamInputs(g, STUDENT, sSpec);
  const outs = mlpForward(g, sSpec, student, x);
  const width = sSpec.sizes[sSpec.sizes.length - 1];
  // With a regularizer the forward pass ran on every task's rows; the distillation loss sees task i's.
  const y = reg ? g.reshape(g.slice(g.reshape(lastOf(outs), [tasks, -1, width]), [0], [1], [0]), [-1, width]) : lastOf(outs);
  const rows = g.dimAsFloat(s, 0);
  let loss: Value;
  let dy: Value;
  if (options.loss === 'mse') {
    if (spec.head !== 'deterministic') throw new Error('the ORT MSE step needs a deterministic student head');
    let target: Value;
    if (teacher.qSwitch !== undefined) {
      if (!teacher.critic) throw new Error('the Q-switch needs teacher critics');
      target = qSwitchTarget(g, teacher, spec.actionDim, (j) => sTeacherOf(j), teacherAction);
    } else target = teacherAction(sTeacherOf());
    // mseLoss: Σ(y − t)²/n, gradient 2(y − t)/n, n = every element of y.
    const diff = g.sub(y, target);
    const n = g.sizeAsFloat(y);
    loss = g.div(g.reduceSum(g.mul(diff, diff), [0, 1], false), n);
    dy = g.mul(diff, g.div(g.scalar(2), n));
  } else if (options.loss === 'q') {
    if (spec.head !== 'deterministic') throw new Error('the ORT Q step needs a deterministic student head');
    if (!teacher.critic) throw new Error('the Q loss needs teacher critics');
    if (teacher.qSwitch !== undefined) throw new Error('the Q-switch distils with the MSE loss');
    const cSpec = teacher.critic.spec;
    const critic = mlpParamInputs(g, `${TEACHER}critic/`, cSpec, 'members');
    // −mean_s min_k Q_k(s, a): the gradient reaches a through every member that attains the min
    // (tfjs' min gradient does the same with ties), scaled by −1/B.
    const cOuts = ensembleForward(g, cSpec, critic, g.concat([sTeacherOf(), y], 1));
    const q = lastOf(cOuts);
    const minQ = g.reduceMin(q, [0], true);
    loss = g.neg(g.reduceMean(minQ, [0, 1, 2], false));
    const dq = g.mul(g.equalMask(q, minQ), g.neg(g.div(g.scalar(1), rows)));
    const dsa = ensembleInputGrad(g, cSpec, critic, cOuts, dq);
    dy = g.slice(dsa, [spec.stateDim], [spec.stateDim + spec.actionDim], [1]);
  } else {
    if (spec.head !== 'gaussian' || !teacher.gaussian) throw new Error('the ORT KL step needs a Gaussian student head and Gaussian teachers');
    if (teacher.qSwitch !== undefined) throw new Error('the Q-switch distils with the MSE loss');
    const d = spec.actionDim;
    const tOut = lastOf(mlpForward(g, teacher.actor, mlpParamInputs(g, `${TEACHER}actor/`, teacher.actor), sTeacherOf()));
    const [muS, logStdS] = [g.slice(y, [0], [d], [1]), g.slice(y, [d], [2 * d], [1])];
    const [muT, logStdT] = [g.slice(tOut, [0], [d], [1]), g.slice(tOut, [d], [2 * d], [1])];
    // gaussianKl(S, T) per dimension, in losses.ts' order:
    // (log σ_T − log σ_S) + (exp(2(log σ_S − log σ_T)) + (μ_S − μ_T)²·exp(−2 log σ_T))·½ − ½.
    const varRatio = g.exp(g.mul(g.sub(logStdS, logStdT), g.scalar(2)));
    const diff = g.sub(muS, muT);
    const invVarT = g.exp(g.mul(logStdT, g.scalar(-2)));
    const half = g.scalar(0.5);
    const perDim = g.sub(g.add(g.sub(logStdT, logStdS), g.mul(g.add(varRatio, g.mul(g.mul(diff, diff), invVarT)), half)), half);
    loss = g.reduceMean(g.reduceSum(perDim, [1], false), [0], false);
    // mean over B of the per-row sum: dKL/dμ_S = (μ_S − μ_T)/σ_T², dKL/dlog σ_S = σ_S²/σ_T² − 1.
    const invRows = g.div(g.scalar(1), rows);
    dy = g.concat([g.mul(g.mul(diff, invVarT), invRows), g.mul(g.sub(varRatio, g.scalar(1)), invRows)], 1);
  }
  let inject = new Map<number, Value>();
  if (reg) {
    const n = sSpec.sizes[reg.layer];
    const h = g.reshape(outs[reg.layer], [tasks, -1, n]);
    const own = g.slice(h, [0], [1], [0]);
    // λ·mean_{j≠i} (mean over rows of the per-row loss), as Distiller.regularizedLossAndGrads.
    const scale = g.scalar(reg.weight / (tasks - 1));
    const perRow = g.div(scale, rows);
    // One other task at a time (unrolled: the task count is fixed) rather than all as one [tasks − 1,
    // B, n, n] tensor: a smaller peak for the pairwise loss (ORT still keeps some buffers per task).
    let sum: Value | undefined;
    let gradOwn: Value | undefined;
    const others = Array.from({ length: tasks - 1 }, (_, k) => g.slice(h, [k + 1], [k + 2], [0]));
    const gradOthers = rankingTerms(g, reg.kind, own, others, n, reg.temperature).map((terms, k) => {
      const mean = g.reduceMean(terms.rowLoss, [0, 1], false);
      const gx = g.mul(terms.gradX, perRow);
      sum = sum === undefined ? mean : g.add(sum, mean);
      gradOwn = gradOwn === undefined ? gx : g.add(gradOwn, gx);
      // NDCG's y is only the reference ranking: the other tasks' rows get no gradient.
      return terms.gradY ? g.mul(terms.gradY, perRow) : zerosShapedAs(g, others[k]);
    });
    loss = g.add(loss, g.mul(scale, sum!));
    inject = new Map([[reg.layer, g.reshape(g.concat([gradOwn!, ...gradOthers], 0), [-1, n])]]);
    // Above the regularized layer only task i's rows carry a loss.
    const otherOutputs = g.slice(g.reshape(lastOf(outs), [tasks, -1, width]), [1], [tasks], [0]);
    dy = g.reshape(g.concat([g.reshape(dy, [1, -1, width]), zerosShapedAs(g, otherOutputs)], 0), [-1, width]);
  }
  const grads = mlpBackward(g, sSpec, student, outs, dy, false, inject);
  g.output(loss, 'loss', []);
  const names = layerWeightNames(student.length);
  names.forEach((name, i) => {
    const param = i % 2 === 0 ? student[i >> 1].kernel : student[i >> 1].bias;
    const dims = i % 2 === 0 ? [sSpec.sizes[i >> 1], sSpec.sizes[(i >> 1) + 1]] : [sSpec.sizes[(i >> 1) + 1]];
    adamParamStep(g, options.adam, STUDENT + name, param, dims, grads[i], stepSize, epsHat);
    if (options.exposeGradients) g.output(grads[i], `grad/${name}`, dims);
  });
  return g.build();
};

const lastOf = (values: readonly Value[]): Value => values[values.length - 1];

const zerosShapedAs = (g: GraphBuilder, v: Value): Value => g.op('Expand', [g.scalar(0), g.op('Shape', [v])[0]])[0];

/**
 * qSwitchTeacher's target: every candidate's action π_j(s) [B, a] and pessimistic value
 * min_k Q_j(s, π_j(s)); per state, the action of the first candidate with the largest value
 * (ArgMax picks the first of ties, as tf.argMax does).
 */
const qSwitchTarget = (
  g: GraphBuilder,
  teacher: OrtTeacherShape,
  actionDim: number,
  sTeacherOf: (j: number) => Value,
  teacherAction: (sT: Value, j: number) => Value,
): Value => {
  const m = teacher.qSwitch!;
  const cSpec = teacher.critic!.spec;
  const actions: Value[] = [];
  const values: Value[] = [];
  for (let j = 0; j < m; j++) {
    const sT = sTeacherOf(j);
    const a = teacherAction(sT, j);
    const critic = mlpParamInputs(g, `${teacherPrefix(j)}critic/`, cSpec, `members${j}`);
    const q = lastOf(ensembleForward(g, cSpec, critic, g.concat([sT, a], 1))); // [K, B, 1]
    actions.push(g.reshape(a, [-1, 1, actionDim]));
    values.push(g.reshape(g.reduceMin(q, [0], false), [-1, 1]));
  }
  const best = g.op('ArgMax', [g.concat(values, 1)], [
    { name: 'axis', kind: 'int', value: 1 },
    { name: 'keepdims', kind: 'int', value: 1 },
  ])[0]; // [B, 1] int64
  const index = g.op('Expand', [g.reshape(best, [-1, 1, 1]), g.ints([1, 1, actionDim])])[0];
  const picked = g.op('GatherElements', [g.concat(actions, 1), index], [{ name: 'axis', kind: 'int', value: 1 }])[0];
  return g.reshape(picked, [-1, actionDim]);
};

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
    teachers: readonly OrtTaskTeachers[],
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
    this.teacherFeeds = teachers.map((tw) => taskTeacherFeeds(teacher, tw, spec.stateDim));
    this.session = OrtSession.create(studentStepGraph(spec, teacher, this.options));
  }

  get stepCount(): number {
    return this.t;
  }

  /** One Adam step on `states` (row-major [B, stateDim]) for `task`; returns the loss before the update. */
  step(task: number, states: Float32Array): number {
    const feeds = this.dataFeeds(task, states);
    this.t += 1;
    const [cur, next] = [this.current, 1 - this.current];
    feedAdamScalars(feeds, '', this.options.adam, this.t);
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
    const feeds = this.dataFeeds(task, states);
    feeds.stepSize = { data: Float32Array.of(0), dims: [] };
    feeds.epsHat = { data: Float32Array.of(1), dims: [] };
    for (const slot of this.slots) {
      const n = adamNames(STUDENT + slot.name);
      feeds[STUDENT + slot.name] = { data: slot.p[this.current], dims: slot.dims };
      feeds[n.m] = { data: slot.m[this.current], dims: slot.dims };
      feeds[n.v] = { data: slot.v[this.current], dims: slot.dims };
    }
    const out = this.session.run(feeds, ['loss', ...this.slots.map((s) => `grad/${s.name}`)]);
    return { loss: out.loss[0], grads: this.slots.map((s) => ({ name: s.name, shape: s.dims, data: out[`grad/${s.name}`] })) };
  }

  /** Teacher weights, the raw states and the student's input (every task's rows when regularized). */
  private dataFeeds(task: number, states: Float32Array): Feeds {
    const { stateDim } = this.spec;
    const rows = states.length / stateDim;
    if (!Number.isInteger(rows)) throw new Error(`states length ${states.length} is not a multiple of the state size ${stateDim}`);
    const width = Student.mlpSpecOf(this.spec).sizes[0];
    let x: Float32Array;
    if (regularizerOf(this.spec, this.options)) {
      // Task i's rows first, then the other tasks' in order (the graph's layout).
      const order = [task, ...Array.from({ length: this.spec.tasks }, (_, j) => j).filter((j) => j !== task)];
      x = new Float32Array(order.length * rows * width);
      order.forEach((j, k) => x.set(encodeStudentInput(this.spec, states, j), k * rows * width));
    } else x = encodeStudentInput(this.spec, states, task);
    return { ...this.teacherFeeds[task], x: { data: x, dims: [x.length / width, width] }, s: { data: states, dims: [rows, stateDim] } };
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

const taskTeacherFeeds = (shape: OrtTeacherShape, w: OrtTaskTeachers, stateDim: number): Feeds => {
  if (shape.qSwitch === undefined) {
    if (isCandidates(w)) throw new Error('several teachers for one task need the qSwitch shape');
    return teacherFeeds(shape, w, TEACHER, stateDim);
  }
  if (!isCandidates(w) || w.length !== shape.qSwitch) throw new Error(`the Q-switch needs ${shape.qSwitch} teachers for every task`);
  return Object.assign({}, ...w.map((c, j) => teacherFeeds(shape, c, teacherPrefix(j), stateDim))) as Feeds;
};

const isCandidates = (w: OrtTaskTeachers): w is readonly OrtTeacherWeights[] => Array.isArray(w);

const teacherFeeds = (shape: OrtTeacherShape, w: OrtTeacherWeights, prefix: string, stateDim: number): Feeds => {
  const feeds: Feeds = {};
  for (const x of w.actor) feeds[`${prefix}actor/${x.name}`] = { data: x.data, dims: x.shape };
  if (shape.critic) {
    if (!w.critic) throw new Error('the Q loss and the Q-switch need every teacher to have critics');
    for (const x of w.critic) feeds[`${prefix}critic/${x.name}`] = { data: x.data, dims: x.shape };
  }
  // The float32 1/std, as StateNormalizer.apply multiplies by it.
  feeds[`${prefix}mean`] = { data: w.norm ? w.norm.mean : new Float32Array(stateDim), dims: [stateDim] };
  feeds[`${prefix}invStd`] = { data: w.norm ? w.norm.std.map((x) => 1 / x) : new Float32Array(stateDim).fill(1), dims: [stateDim] };
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
