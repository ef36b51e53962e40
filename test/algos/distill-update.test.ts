import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Distiller, networkTeacher } from '../../src/algos/distillation/index.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { Mlp, mlpSpec } from '../../src/nn/mlp.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { useCpu } from './replay-fixtures.ts';
import { RefAdam, argMin, backward, concatRows, ensembleWeights, forward, knownNet, maxWeightDiff, mean, mlpWeights, predict, type Mat, type RefNet } from './reference.ts';
import { tinyMdp } from './tiny-mdp.ts';

/**
 * MOP distillation steps (MSE and Q losses) from known weights against the float64 reference:
 * the round-robin task order, the loss of each step, the student after each Adam step, and the
 * frozen teachers left untouched.
 */

before(useCpu);

const TASKS = 2;
const LR = 0.05;

const setup = () => {
  const student = knownNet([2 + TASKS, 3, 1], 'tanh', 0.4);
  const actors = [knownNet([2, 3, 1], 'tanh', 1.5), knownNet([2, 3, 1], 'tanh', 2.9)];
  const critics = [0, 1].map((i) => [knownNet([3, 3, 1], 'none', 3.3 + i), knownNet([3, 3, 1], 'none', 5.1 + i)]);
  return { student, actors, critics };
};

const encode = (s: Mat, task: number): Mat => s.map((row) => [...row, ...Array.from({ length: TASKS }, (_, i) => (i === task ? 1 : 0))]);

for (const loss of ['mse', 'q'] as const) {
  test(`distillation (${loss} loss): round-robin steps equal the hand computation; teachers stay frozen`, () => {
    const ref = setup();
    const states = tinyMdp().obs;
    const flat = Float32Array.from(states.flat());
    const studentNet = Student.fromMlp(
      studentSpec({ stateDim: 2, actionDim: 1, tasks: TASKS, hidden: [3] }),
      Mlp.fromWeights(mlpSpec([2 + TASKS, 3, 1], 'tanh'), mlpWeights(ref.student)),
    );
    const teacherActors = ref.actors.map((a) => Mlp.fromWeights(mlpSpec([2, 3, 1], 'tanh'), mlpWeights(a)));
    const teacherCritics = ref.critics.map((c) => MlpEnsemble.fromWeights(mlpSpec([3, 3, 1]), 2, ensembleWeights(c)));
    const teachers = teacherActors.map((a, i) => networkTeacher(a, { critics: teacherCritics[i] }));
    const frozen = [...teacherActors.flatMap((a) => a.weights()), ...teacherCritics.flatMap((c) => c.weights())].map((w) => w.data.slice());
    const distiller = new Distiller(studentNet, teachers, { loss, adam: { lr: LR } });
    const adam = new RefAdam(ref.student, LR);

    const refStep = (task: number): number => {
      const acts = forward(ref.student, encode(states, task));
      const a = acts[acts.length - 1];
      const B = states.length;
      if (loss === 'mse') {
        // mean over states and action dimensions of (π_S(s, i) − π_T^i(s))².
        const target = predict(ref.actors[task], states);
        adam.step(backward(ref.student, acts, a.map((row, b) => [(2 * (row[0] - target[b][0])) / B])).grads);
        return mean(a.map((row, b) => (row[0] - target[b][0]) ** 2));
      }
      // −mean_s min_k Q^T_{i,k}(s, π_S(s, i)), the gradient through each row's minimising critic.
      const critics: RefNet[] = ref.critics[task];
      const cActs = critics.map((c) => forward(c, concatRows(states, a)));
      const q = cActs.map((ac) => ac[ac.length - 1].map((x) => x[0]));
      const kMin = a.map((_, b) => argMin(q.map((qk) => qk[b])));
      const da = a.map(() => [0]);
      critics.forEach((c, k) => backward(c, cActs[k], a.map((_, b) => [kMin[b] === k ? -1 / B : 0])).dx.forEach((row, b) => (da[b][0] += row[2])));
      adam.step(backward(ref.student, acts, da).grads);
      return -mean(kMin.map((k, b) => q[k][b]));
    };

    const order: number[] = [];
    for (let s = 0; s < 4; s++) {
      const task = distiller.nextTask();
      order.push(task);
      const want = refStep(task);
      const got = distiller.step(task, flat);
      assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `step ${s + 1} (task ${task}): loss ${got}, hand computation ${want}`);
      const { diff, where } = maxWeightDiff(studentNet.mlp.weights(), mlpWeights(ref.student));
      assert.ok(diff < 2e-6, `step ${s + 1}: student differs from the hand computation by ${diff} at ${where}`);
    }
    assert.deepEqual(order, [0, 1, 0, 1]);
    const after = [...teacherActors.flatMap((a) => a.weights()), ...teacherCritics.flatMap((c) => c.weights())].map((w) => w.data);
    assert.deepEqual(after, frozen, 'teachers are frozen');
    distiller.dispose();
    studentNet.dispose();
    for (const x of [...teacherActors, ...teacherCritics]) x.dispose();
  });
}
