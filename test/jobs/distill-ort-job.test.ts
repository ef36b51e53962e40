import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import { distillJob, type DistillInput } from '../../src/jobs/distill.ts';
import { trainTeacherJob } from '../../src/jobs/train-teacher.ts';
import { loadStudentNet } from '../../src/nn/student-activations.ts';
import { pointmassExpertDataset } from './pointmass-datasets.ts';

/**
 * The distill job on ORT for what ort-student.ts added after MSE and Q: the KL loss from
 * stochastic PBRL teachers with a ranking regularizer, and Offline Q-Switch teachers. Against the
 * same job on tfjs (cpu): the job says which engine ran, final losses and saved students agree.
 */

const dir = mkdtempSync(join(tmpdir(), 'distillery-distill-ort-job-'));
const quiet = { report: () => {} };

const teacher = async (task: string, dataset: string, actorHead: 'deterministic' | 'gaussian', seed: number): Promise<string> =>
  (
    await trainTeacherJob(
      {
        task,
        datasets: [dataset],
        algo: 'pbrl',
        hyper: { hidden: [8], batchSize: 16, ensembleSize: 2, actorHead } as never,
        steps: 6,
        seed,
        backend: 'cpu',
        checkpointDir: join(dir, `teacher-${task}-${actorHead}-${seed}`),
        metricsEvery: 2,
      },
      quiet,
    )
  ).checkpointDir;

const bothEngines = async (name: string, input: Omit<DistillInput, 'backend' | 'checkpointDir'>): Promise<void> => {
  const run = (backend: 'ort' | 'cpu') => distillJob({ ...input, backend, checkpointDir: join(dir, `student-${name}-${backend}`) }, quiet);
  const viaTfjs = await run('cpu');
  const viaOrt = await run('ort');
  assert.equal(viaOrt.backend, 'ort', `${name}: the ORT engine must train`);
  assert.equal(viaTfjs.backend, 'cpu');
  for (const task of Object.keys(viaTfjs.finalLoss)) {
    const [a, b] = [viaOrt.finalLoss[task], viaTfjs.finalLoss[task]];
    assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${name} ${task}: ORT ${a} vs tfjs ${b}`);
  }
  const [ortNet, tfNet] = [await loadStudentNet(viaOrt.checkpointDir)(), await loadStudentNet(viaTfjs.checkpointDir)()];
  assert.ok(E.isRight(ortNet) && E.isRight(tfNet));
  const x = Float32Array.from({ length: 3 * ortNet.right.net.inputSize }, (_, i) => Math.sin(i));
  const [ya, yb] = [ortNet.right.net.hiddenActivations(x, 3), tfNet.right.net.hiddenActivations(x, 3)];
  for (let l = 0; l < ya.length; l++) for (let i = 0; i < ya[l].length; i++) assert.ok(Math.abs(ya[l][i] - yb[l][i]) < 1e-5, `${name}: saved students differ`);
};

const common = { student: { hidden: [16, 16], encoding: 'onehot' as const }, steps: 5, batchSize: 12, lr: 1e-3, seed: 5, metricsEvery: 1 };

test('distill job on ORT: KL from Gaussian PBRL teachers with the pairwise regularizer (λ = 100), and Offline Q-Switch teachers, match tfjs', async () => {
  const data = { left: await pointmassExpertDataset(dir, 'left'), right: await pointmassExpertDataset(dir, 'right') };
  const tasks = ['left', 'right'] as const;
  const gaussian = { left: await teacher('left', data.left, 'gaussian', 4), right: await teacher('right', data.right, 'gaussian', 4) };
  await bothEngines('kl-pairwise', {
    ...common,
    tasks: tasks.map((task) => ({ task, teacherDir: gaussian[task], datasets: [data[task]] })),
    loss: 'kl',
    regularizer: { kind: 'pairwise', weight: 100, layer: 2, temperature: 1 },
  });
  // Q-switch: task i's teachers T_i1, T_i2 (here trained on the two tasks' data under different seeds).
  const switchDirs = { left: [gaussian.left, await teacher('right', data.right, 'gaussian', 8)], right: [await teacher('left', data.left, 'gaussian', 8), gaussian.right] };
  await bothEngines('oqs-mse', {
    ...common,
    tasks: tasks.map((task) => ({ task, teacherDir: switchDirs[task][0], switchTeacherDirs: switchDirs[task], datasets: [data[task]] })),
    loss: 'mse',
  });
});
