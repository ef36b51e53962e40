import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import { distillJob } from '../../src/jobs/distill.ts';
import { trainTeacherJob } from '../../src/jobs/train-teacher.ts';
import { loadStudentNet } from '../../src/nn/student-activations.ts';
import { loadCheckpoint } from '../../src/nn/checkpoint.ts';
import { pointmassExpertDataset } from './pointmass-datasets.ts';

/**
 * The jobs on the ORT engine against the same jobs on tfjs (cpu), same seeds and data: the job
 * says which engine ran, the final losses agree, and what they save (one checkpoint format)
 * loads and agrees. Distill: teachers PBRL and TD3+BC (with its state normaliser). Teacher: TD3+BC
 * and PBRL.
 */

const dir = mkdtempSync(join(tmpdir(), 'distillery-distill-ort-'));
const quiet = { report: () => {} };

const dataset = (task: string): Promise<string> => pointmassExpertDataset(dir, task);

test('distill job: --backend ort runs the student on ORT and matches the tfjs run (MSE and Q)', async () => {
  const paths = { left: await dataset('left'), right: await dataset('right') };
  const teachers: Record<string, string> = {};
  for (const [task, algo] of [['left', 'pbrl'], ['right', 'td3bc']] as const) {
    const out = await trainTeacherJob(
      { task, datasets: [paths[task]], algo, hyper: { hidden: [8], batchSize: 16, ensembleSize: 2 } as never, steps: 6, seed: 4, backend: 'cpu', checkpointDir: join(dir, `teacher-${task}`), metricsEvery: 2 },
      quiet,
    );
    teachers[task] = out.checkpointDir;
  }
  for (const loss of ['mse', 'q'] as const) {
    const run = (backend: 'ort' | 'cpu') =>
      distillJob(
        {
          tasks: (['left', 'right'] as const).map((task) => ({ task, teacherDir: teachers[task], datasets: [paths[task]] })),
          loss,
          student: { hidden: [16], encoding: 'onehot' },
          steps: 5,
          batchSize: 12,
          lr: 1e-3,
          seed: 5,
          backend,
          checkpointDir: join(dir, `student-${loss}-${backend}`),
          metricsEvery: 1,
        },
        quiet,
      );
    const viaTfjs = await run('cpu');
    const viaOrt = await run('ort');
    assert.equal(viaOrt.backend, 'ort');
    assert.equal(viaTfjs.backend, 'cpu');
    for (const task of ['left', 'right']) {
      const [a, b] = [viaOrt.finalLoss[task], viaTfjs.finalLoss[task]];
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${loss} ${task}: ORT ${a} vs tfjs ${b}`);
    }
    const [ortNet, tfNet] = [await loadStudentNet(viaOrt.checkpointDir)(), await loadStudentNet(viaTfjs.checkpointDir)()];
    assert.ok(E.isRight(ortNet) && E.isRight(tfNet));
    const x = Float32Array.from({ length: 3 * ortNet.right.net.inputSize }, (_, i) => Math.sin(i));
    const [ya, yb] = [ortNet.right.net.hiddenActivations(x, 3), tfNet.right.net.hiddenActivations(x, 3)];
    for (let l = 0; l < ya.length; l++) for (let i = 0; i < ya[l].length; i++) assert.ok(Math.abs(ya[l][i] - yb[l][i]) < 1e-5, `${loss}: saved students differ`);
  }
});

const teacherOnBothEngines = (algo: 'td3bc' | 'pbrl', hyper: Record<string, unknown>) => async () => {
  const data = [join(dir, 'left.arrow')];
  const run = (backend: 'ort' | 'cpu') =>
    trainTeacherJob({ task: 'left', datasets: data, algo, hyper, steps: 7, seed: 9, backend, checkpointDir: join(dir, `${algo}-${backend}`), metricsEvery: 1 }, quiet);
  if (!existsSync(data[0])) await dataset('left');
  const viaTfjs = await run('cpu');
  const viaOrt = await run('ort');
  assert.equal(viaOrt.backend, 'ort');
  assert.equal(viaTfjs.backend, 'cpu');
  assert.deepEqual(Object.keys(viaOrt.final), Object.keys(viaTfjs.final));
  for (const [name, value] of Object.entries(viaTfjs.final))
    assert.ok(Math.abs(viaOrt.final[name] - value) <= 1e-4 * Math.max(1, Math.abs(value)), `${name}: ORT ${viaOrt.final[name]} vs tfjs ${value}`);
  const [a, b] = [await loadCheckpoint(viaOrt.checkpointDir)(), await loadCheckpoint(viaTfjs.checkpointDir)()];
  assert.ok(E.isRight(a) && E.isRight(b));
  assert.deepEqual(a.right.architecture, b.right.architecture);
  assert.deepEqual(a.right.weights.map((w) => [w.name, w.shape]), b.right.weights.map((w) => [w.name, w.shape]));
  a.right.weights.forEach((w, i) => {
    let d = 0;
    for (let j = 0; j < w.data.length; j++) d = Math.max(d, Math.abs(w.data[j] - b.right.weights[i].data[j]));
    assert.ok(d < 1e-4, `${w.name} differs by ${d}`);
  });
};

test('teacher job: TD3+BC under --backend ort trains on ORT and matches the tfjs run', teacherOnBothEngines('td3bc', { hidden: [16, 16], batchSize: 24 }));

test(
  'teacher job: PBRL under --backend ort trains on ORT and matches the tfjs run',
  teacherOnBothEngines('pbrl', { hidden: [16, 16], batchSize: 24, ensembleSize: 3, actorLr: 3e-3, criticLr: 3e-3, oodDecayFraction: 1, normalizeStates: true }),
);
