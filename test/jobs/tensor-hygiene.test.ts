import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trainTeacherJob } from '../../src/jobs/train-teacher.ts';
import { distillJob } from '../../src/jobs/distill.ts';
import { trainBehaviorJob } from '../../src/jobs/train-behavior.ts';
import { pointmassExpertDataset } from './pointmass-datasets.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-tensors-'));
const quiet = { report: () => {} };

const dataset = (task: string): Promise<string> => pointmassExpertDataset(dir, task);

test('a whole MOP chain (behavior, teachers of both algorithms, distillation with every loss) leaves no tensor behind', async () => {
  await tf.setBackend('cpu');
  const paths = { left: await dataset('left'), right: await dataset('right') };
  const before = tf.memory().numTensors;
  await trainBehaviorJob(
    {
      envId: 'pointmass/maze',
      envConfig: {},
      task: 'left',
      hyper: { hidden: [8], batchSize: 16, learningStarts: 20 },
      steps: 60,
      evalEvery: 30,
      evalEpisodes: 1,
      mediumFraction: 0.5,
      seed: 3,
      backend: 'cpu',
      outDir: join(dir, 'behavior'),
      pipeline: 'test',
    },
    quiet,
  );
  const teachers: Record<string, string> = {};
  for (const [task, algo] of [['left', 'pbrl'], ['right', 'td3bc']] as const) {
    const out = await trainTeacherJob(
      { task, datasets: [paths[task]], algo, hyper: { hidden: [8], batchSize: 16, ensembleSize: 2 } as never, steps: 4, seed: 4, backend: 'cpu', checkpointDir: join(dir, `teacher-${task}`), metricsEvery: 2 },
      quiet,
    );
    teachers[task] = out.checkpointDir;
  }
  // the KL loss distils stochastic teachers: PBRL with the Gaussian actor head
  const gaussianTeachers: Record<string, string> = {};
  for (const task of ['left', 'right'] as const) {
    const out = await trainTeacherJob(
      { task, datasets: [paths[task]], algo: 'pbrl', hyper: { hidden: [8], batchSize: 16, ensembleSize: 2, actorHead: 'gaussian' } as never, steps: 4, seed: 6, backend: 'cpu', checkpointDir: join(dir, `teacher-gaussian-${task}`), metricsEvery: 2 },
      quiet,
    );
    gaussianTeachers[task] = out.checkpointDir;
  }
  for (const loss of ['mse', 'q', 'kl'] as const)
    await distillJob(
      {
        tasks: (['left', 'right'] as const).map((task) => ({ task, teacherDir: (loss === 'kl' ? gaussianTeachers : teachers)[task], datasets: [paths[task]] })),
        loss,
        student: { hidden: [8], encoding: 'onehot' },
        steps: 3,
        batchSize: 8,
        lr: 1e-3,
        seed: 5,
        backend: 'cpu',
        checkpointDir: join(dir, `student-${loss}`),
        metricsEvery: 1,
      },
      quiet,
    );
  assert.equal(tf.memory().numTensors, before);
});
