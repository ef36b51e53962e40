import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Distiller } from '../../src/algos/distillation/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { Mlp, type NamedWeight } from '../../src/nn/mlp.ts';
import { ortAvailable, ortLoadError } from '../../src/nn/ort-runtime.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { ortStudentTrainer } from '../../src/jobs/distill-ort.ts';
import { teacherOf } from '../../src/jobs/distill.ts';
import { actorSpecOf, criticSpecOf, type PolicyArchitecture, type PolicyModel } from '../../src/jobs/policy-model.ts';

/**
 * The ORT student step against the tfjs Distiller (the reference path) from the same initial
 * weights, teachers and batches: the loss of every step and the weights after N Adam steps agree
 * to float tolerance, for the MSE and Q losses, with and without teacher state normalisation.
 * ORT must load here (it is a regular dependency): no skip.
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
const teacherModel = (rng: Rng, stateNorm: boolean, members = 3): PolicyModel => {
  // actorHead: newer checkpoints record it (deterministic tanh actors are what the ORT step covers).
  const architecture = { kind: 'policy', algo: 'td3bc', obsDim: OBS, actDim: ACT, hidden: [16, 16], critics: members, stateNorm, actorHead: 'deterministic' } as PolicyArchitecture;
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

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const cases = [
  { loss: 'mse', stateNorm: false },
  { loss: 'mse', stateNorm: true },
  { loss: 'q', stateNorm: false },
  { loss: 'q', stateNorm: true },
] as const;

for (const { loss, stateNorm } of cases) {
  test(`ORT student step (${loss}${stateNorm ? ', teachers with and without normaliser, 3 and 2 critics' : ''}) equals the tfjs Distiller over 6 steps`, () => {
    const rng = Rng.fromSeed(7);
    // One graph serves every task: here the teachers differ in normaliser and ensemble size.
    const models = [teacherModel(rng.split('t0'), stateNorm, 3), teacherModel(rng.split('t1'), false, stateNorm ? 2 : 3)];
    const spec = studentSpec({ stateDim: OBS, actionDim: ACT, tasks: TASKS, hidden: [32, 32] });
    const student = Student.create(spec, rng.split('student'));
    const initial = student.mlp.weights();
    const teachers = models.map(teacherOf);
    const lr = 3e-3;
    const distiller = new Distiller(student, teachers.map((t) => t.teacher), { loss, adam: { lr } });
    const ort = ortStudentTrainer(spec, models, initial, { loss, adam: { lr } });
    try {
      const data = rng.split('states');
      for (let k = 0; k < 6; k++) {
        const task = k % TASKS;
        const states = data.fillNormal(new Float32Array(37 * OBS), 0, 1.5) as Float32Array;
        const want = distiller.step(task, states);
        const got = ort.step(task, states);
        assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `step ${k}: ORT loss ${got}, tfjs ${want}`);
      }
      const tfWeights = student.mlp.weights();
      const moved = maxDiff(tfWeights[0].data, initial[0].data);
      assert.ok(moved > 1e-3, `the student must have moved (${moved})`);
      for (const [i, w] of ort.weights().entries()) {
        assert.equal(w.name, tfWeights[i].name);
        const d = maxDiff(w.data, tfWeights[i].data);
        assert.ok(d < 2e-6, `${w.name}: ORT and tfjs weights differ by ${d} after 6 steps`);
      }
    } finally {
      ort.dispose();
      distiller.dispose();
      student.dispose();
      for (const t of teachers) t.dispose();
    }
  });
}

test('ORT student gradients match central finite differences of the ORT loss (MSE and Q)', () => {
  for (const loss of ['mse', 'q'] as const) {
    const rng = Rng.fromSeed(11);
    const models = [teacherModel(rng.split('t0'), true), teacherModel(rng.split('t1'), true)];
    const spec = studentSpec({ stateDim: OBS, actionDim: ACT, tasks: TASKS, hidden: [8] });
    const student = Student.create(spec, rng.split('student'));
    const initial = student.mlp.weights();
    student.dispose();
    const checker = ortStudentTrainer(spec, models, initial, { loss, adam: {}, exposeGradients: true });
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
          assert.ok(diff <= 3e-4 + 3e-2 * Math.abs(numeric), `${loss} ${gw.name}[${j}]: analytic ${gw.data[j]}, numeric ${numeric}`);
          checked++;
        }
      }
      assert.ok(checked > 20);
    } finally {
      checker.dispose();
    }
  }
});
