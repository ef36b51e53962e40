import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DEFAULT_RANKING_WEIGHT, Distiller, qSwitchChoice, qSwitchTeacher, type DistillLossKind, type RegularizerOptions } from '../../src/algos/distillation/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { Mlp, type NamedWeight } from '../../src/nn/mlp.ts';
import { ortAvailable, ortLoadError } from '../../src/nn/ort-runtime.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { ortCovers, ortStudentTrainer } from '../../src/jobs/distill-ort.ts';
import { studentHeadFor, teacherOf } from '../../src/jobs/distill.ts';
import type { OrtDistillLoss } from '../../src/nn/ort-student.ts';
import { actorSpecOf, criticSpecOf, type PolicyArchitecture, type PolicyModel } from '../../src/jobs/policy-model.ts';
import { maxDiff } from '../helpers/ort-twins.ts';

/**
 * The ORT student step against the tfjs Distiller (the reference path) from the same initial
 * weights, teachers and batches: the loss of every step and the weights after N Adam steps agree
 * to float tolerance, for the MSE, Q and KL losses, Offline Q-Switch teachers and the three
 * ranking regularizers at the thesis' λ = 100, with and without teacher state normalisation.
 * Breaks tried: the sign of the KL's log σ gradient, λ/tasks for λ/(tasks − 1) in the
 * regularizer's gradient, NDCG without its temperature in σ', the pairwise y-gradient's sign,
 * ArgMin for the Q-switch's ArgMax: each fails here. ORT must load here (it is a regular
 * dependency): no skip.
 */

before(async () => {
  assert.ok(ortAvailable(), `onnxruntime-node must load: ${ortLoadError()}`);
  assert.equal((await selectBackend('cpu')())._tag, 'Right');
});

const OBS = 5;
const ACT = 3;
const TASKS = 2;

const prefixed = (prefix: string, ws: readonly NamedWeight[]): NamedWeight[] => ws.map((w) => ({ ...w, name: `${prefix}/${w.name}` }));

/** A saved-teacher stand-in (actor, `members` critics, optional normaliser) with random weights. */
const teacherModel = (rng: Rng, stateNorm: boolean, members = 3, actorHead: 'deterministic' | 'gaussian' = 'deterministic'): PolicyModel => {
  // actorHead: newer checkpoints record it.
  const architecture = { kind: 'policy', algo: 'td3bc', obsDim: OBS, actDim: ACT, hidden: [16, 16], critics: members, stateNorm, actorHead } as PolicyArchitecture;
  const actor = Mlp.create(actorSpecOf(architecture), rng.split('actor'));
  const critics = MlpEnsemble.create(criticSpecOf(architecture), members, rng.split('critic'));
  const weights = [...prefixed('actor', actor.weights()), ...prefixed('critic', critics.weights())];
  actor.dispose();
  critics.dispose();
  if (stateNorm)
    weights.push(
      { name: 'stateNorm/mean', shape: [OBS], data: rng.fillNormal(new Float32Array(OBS), 0, 0.5) as Float32Array },
      { name: 'stateNorm/std', shape: [OBS], data: rng.fillUniform(new Float32Array(OBS), 0.5, 2) as Float32Array },
    );
  return { architecture, weights };
};

interface Case {
  readonly name: string;
  readonly loss: DistillLossKind;
  readonly tasks?: number;
  /** Per task: the teacher, or its Q-switch teachers. */
  readonly teachers: (rng: Rng) => (PolicyModel | PolicyModel[])[];
  readonly regularizer?: RegularizerOptions;
  /** Max |ORT − tfjs| of any weight after the steps. */
  readonly weightTolerance?: number;
}

/**
 * Six Adam steps on ORT and on the tfjs Distiller from the same initial weights, teachers and
 * batches: every step's loss and the final weights must agree. Returns the largest weight gap.
 */
const compareWithTfjs = (c: Case): number => {
  const rng = Rng.fromSeed(7);
  const tasks = c.tasks ?? TASKS;
  const groups = c.teachers(rng.split('teachers'));
  const spec = studentSpec({ stateDim: OBS, actionDim: ACT, tasks, hidden: [32, 32], head: studentHeadFor(c.loss) });
  const student = Student.create(spec, rng.split('student'));
  const initial = student.mlp.weights();
  const loaded = groups.map((g) => (Array.isArray(g) ? g : [g]).map(teacherOf));
  const teachers = loaded.map((g) => (g.length === 1 ? g[0].teacher : qSwitchTeacher(g.map((t) => t.teacher))));
  const lr = 3e-3;
  const distiller = new Distiller(student, teachers, { loss: c.loss, adam: { lr }, ...(c.regularizer ? { regularizer: c.regularizer } : {}) });
  assert.ok(ortCovers(c.loss, groups.map((g) => (Array.isArray(g) ? g : [g]))), `${c.name}: ortCovers must accept it`);
  const ort = ortStudentTrainer(spec, groups, initial, { loss: c.loss as OrtDistillLoss, adam: { lr }, ...(c.regularizer ? { regularizer: c.regularizer } : {}) });
  try {
    const data = rng.split('states');
    for (let k = 0; k < 6; k++) {
      const task = k % tasks;
      const states = data.fillNormal(new Float32Array(37 * OBS), 0, 1.5) as Float32Array;
      const want = distiller.step(task, states);
      const got = ort.step(task, states);
      assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${c.name}, step ${k}: ORT loss ${got}, tfjs ${want}`);
    }
    const tfWeights = student.mlp.weights();
    const moved = maxDiff(tfWeights[0].data, initial[0].data);
    assert.ok(moved > 1e-3, `the student must have moved (${moved})`);
    let worst = 0;
    for (const [i, w] of ort.weights().entries()) {
      assert.equal(w.name, tfWeights[i].name);
      const d = maxDiff(w.data, tfWeights[i].data);
      worst = Math.max(worst, d);
      assert.ok(d < (c.weightTolerance ?? 2e-6), `${c.name}: ${w.name}: ORT and tfjs weights differ by ${d} after 6 steps`);
    }
    return worst;
  } finally {
    ort.dispose();
    distiller.dispose();
    student.dispose();
    for (const t of loaded.flat()) t.dispose();
  }
};

const cases: Case[] = [
  { name: 'mse', loss: 'mse', teachers: (r) => [teacherModel(r.split('t0'), false), teacherModel(r.split('t1'), false)] },
  // One graph serves every task: here the teachers differ in normaliser and ensemble size.
  { name: 'mse, teachers with and without normaliser', loss: 'mse', teachers: (r) => [teacherModel(r.split('t0'), true, 3), teacherModel(r.split('t1'), false, 2)] },
  { name: 'q', loss: 'q', teachers: (r) => [teacherModel(r.split('t0'), false), teacherModel(r.split('t1'), false)] },
  { name: 'q, teachers with and without normaliser, 3 and 2 critics', loss: 'q', teachers: (r) => [teacherModel(r.split('t0'), true, 3), teacherModel(r.split('t1'), false, 2)] },
  {
    name: 'kl, Gaussian teachers with and without normaliser',
    loss: 'kl',
    teachers: (r) => [teacherModel(r.split('t0'), true, 2, 'gaussian'), teacherModel(r.split('t1'), false, 2, 'gaussian')],
  },
  { name: 'mse from Gaussian teachers (target μ)', loss: 'mse', teachers: (r) => [teacherModel(r.split('t0'), true, 2, 'gaussian'), teacherModel(r.split('t1'), false, 2, 'gaussian')] },
  { name: 'q with Gaussian teachers', loss: 'q', teachers: (r) => [teacherModel(r.split('t0'), true, 2, 'gaussian'), teacherModel(r.split('t1'), false, 3, 'gaussian')] },
  {
    name: 'mse, Offline Q-Switch: 3 teachers per task, different critic ensembles and normalisers',
    loss: 'mse',
    teachers: (r) => [0, 1].map((i) => [teacherModel(r.split(`t${i}0`), true, 2), teacherModel(r.split(`t${i}1`), false, 3), teacherModel(r.split(`t${i}2`), true, 1)]),
  },
];

test('the Q-switch case above is not trivial: the target switches between teachers from state to state', () => {
  const rng = Rng.fromSeed(7);
  const groups = cases.find((c) => c.name.includes('Q-Switch'))!.teachers(rng.split('teachers'));
  const loaded = (groups[0] as PolicyModel[]).map(teacherOf);
  const states = tf.tensor2d(rng.split('states').fillNormal(new Float32Array(200 * OBS), 0, 1.5) as Float32Array, [200, OBS]);
  try {
    const chosen = new Set(qSwitchChoice(loaded.map((t) => t.teacher), states));
    assert.ok(chosen.size >= 2, `chosen teachers: ${[...chosen].join(', ')}`);
  } finally {
    states.dispose();
    for (const t of loaded) t.dispose();
  }
});

test('ortCovers sends what the ORT step cannot take to tfjs', () => {
  const rng = Rng.fromSeed(3);
  const det = teacherModel(rng.split('d'), false);
  const gauss = teacherModel(rng.split('g'), false, 2, 'gaussian');
  const noCritic = { ...det, architecture: { ...det.architecture, critics: 0 } };
  const wide = { ...det, architecture: { ...det.architecture, hidden: [32, 16] } };
  assert.ok(ortCovers('kl', [[gauss], [gauss]]));
  assert.ok(ortCovers('mse', [[det, det], [det, det]]), 'Q-switch groups of one size');
  assert.ok(ortCovers('mse', [[noCritic], [det]]), 'the MSE loss needs no critics');
  assert.ok(!ortCovers('kl', [[det], [det]]), 'KL from deterministic teachers');
  assert.ok(!ortCovers('mse', [[det], [gauss]]), 'mixed actor heads');
  assert.ok(!ortCovers('mse', [[det], [wide]]), 'mixed hidden sizes');
  assert.ok(!ortCovers('mse', [[det, det], [det]]), 'Q-switch groups of different sizes');
  assert.ok(!ortCovers('q', [[det, det], [det, det]]), 'the Q-switch distils with MSE');
  assert.ok(!ortCovers('mse', [[det, noCritic], [det, det]]), 'Q-switch teachers need critics');
  assert.ok(!ortCovers('q', [[noCritic], [det]]), 'the Q loss needs critics');
});

const threeTasks = (r: Rng, head: 'deterministic' | 'gaussian' = 'deterministic'): PolicyModel[] => [0, 1, 2].map((i) => teacherModel(r.split(`t${i}`), i === 1, 2, head));

// λ = 100 (the thesis' weight) on three tasks: each step regularizes against two other task ids.
const regularized: Case[] = [
  { name: 'mse + pairwise (layer 2)', loss: 'mse', tasks: 3, teachers: (r) => threeTasks(r), regularizer: { kind: 'pairwise', weight: DEFAULT_RANKING_WEIGHT, layer: 2, temperature: 1 } },
  { name: 'kl + listwise (layer 1)', loss: 'kl', tasks: 3, teachers: (r) => threeTasks(r, 'gaussian'), regularizer: { kind: 'listwise', weight: DEFAULT_RANKING_WEIGHT, layer: 1, temperature: 1 } },
  { name: 'q + ndcg (layer 1, T = 0.5)', loss: 'q', tasks: 3, teachers: (r) => threeTasks(r), regularizer: { kind: 'ndcg', weight: DEFAULT_RANKING_WEIGHT, layer: 1, temperature: 0.5 } },
  { name: 'kl + pairwise (layer 1, two tasks)', loss: 'kl', teachers: (r) => threeTasks(r, 'gaussian').slice(0, 2), regularizer: { kind: 'pairwise', weight: DEFAULT_RANKING_WEIGHT, layer: 1, temperature: 1 } },
  { name: 'mse + ndcg (layer 2)', loss: 'mse', tasks: 3, teachers: (r) => threeTasks(r), regularizer: { kind: 'ndcg', weight: DEFAULT_RANKING_WEIGHT, layer: 2, temperature: 1 } },
  { name: 'mse + listwise (layer 2)', loss: 'mse', tasks: 3, teachers: (r) => threeTasks(r), regularizer: { kind: 'listwise', weight: DEFAULT_RANKING_WEIGHT, layer: 2, temperature: 1 } },
];

for (const c of [...cases, ...regularized])
  test(`ORT student step (${c.name}) equals the tfjs Distiller over 6 steps`, () => {
    const worst = compareWithTfjs(c);
    console.log(`# ${c.name}: max weight gap ${worst.toExponential(2)}`);
  });

test('ORT student gradients match central finite differences of the ORT loss (MSE, Q, KL, pairwise and listwise regularizers)', () => {
  const ranking = (kind: RegularizerOptions['kind']): RegularizerOptions => ({ kind, weight: 1, layer: 1, temperature: 0.7 });
  const fdCases = [
    { loss: 'mse' },
    { loss: 'q' },
    { loss: 'kl' },
    { loss: 'mse', regularizer: ranking('pairwise') },
    { loss: 'mse', regularizer: ranking('listwise') },
    { loss: 'kl', regularizer: ranking('pairwise') },
    // Not NDCG: its gradient treats task j's activations (the reference ranking) as constants
    // although they depend on the same weights, so it is not the loss's full derivative by design.
  ] as const;
  for (const { loss, ...reg } of fdCases) {
    const rng = Rng.fromSeed(11);
    const head = loss === 'kl' ? 'gaussian' : 'deterministic';
    const models = [teacherModel(rng.split('t0'), true, 3, head), teacherModel(rng.split('t1'), true, 3, head)];
    const spec = studentSpec({ stateDim: OBS, actionDim: ACT, tasks: TASKS, hidden: [8], head: studentHeadFor(loss) });
    const student = Student.create(spec, rng.split('student'));
    const initial = student.mlp.weights();
    student.dispose();
    const checker = ortStudentTrainer(spec, models, initial, { loss, adam: {}, exposeGradients: true, ...reg });
    try {
      const states = rng.split('s').fillNormal(new Float32Array(9 * OBS)) as Float32Array;
      const { grads } = checker.lossAndGradients(1, states);
      const h = 2e-3;
      let checked = 0;
      for (const [i, gw] of grads.entries()) {
        const base = initial[i].data;
        for (let j = 0; j < base.length; j += Math.max(1, Math.floor(base.length / 5))) {
          const at = (delta: number): number => {
            const ws = initial.map((w) => ({ ...w, data: Float32Array.from(w.data) }));
            ws[i].data[j] += delta;
            checker.setWeights(ws);
            return checker.lossAndGradients(1, states).loss;
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          const diff = Math.abs(numeric - gw.data[j]);
          assert.ok(diff <= 3e-4 + 3e-2 * Math.abs(numeric), `${loss}${'regularizer' in reg ? ` + ${reg.regularizer.kind}` : ''} ${gw.name}[${j}]: analytic ${gw.data[j]}, numeric ${numeric}`);
          checked++;
        }
      }
      assert.ok(checked > 20);
    } finally {
      checker.dispose();
    }
  }
});
