import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import { TransitionBatchBuilder } from '../../src/core/batch.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import type { JobEvent } from '../../src/core/job.ts';
import { Rng } from '../../src/core/rng.ts';
import { klDistillLoss, type Teacher } from '../../src/algos/distillation/index.ts';
import { openDatasetWriter } from '../../src/data/index.ts';
import { DEFAULT_TEACHER_STD, distillJob, gaussianAroundTeacher, studentHeadFor } from '../../src/jobs/distill.ts';
import { loadStudentActor } from '../../src/jobs/evaluate.ts';
import { jsActor, loadPolicyModel, savePolicyModel } from '../../src/jobs/policy-model.ts';
import { prefixWeights } from '../../src/algos/learner.ts';
import { MlpEnsemble } from '../../src/nn/ensemble.ts';
import { Mlp, mlpSpec } from '../../src/nn/mlp.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { metadataFor } from '../data/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-kl-'));
before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));
after(() => rmSync(dir, { recursive: true, force: true }));

const close = (got: number, want: number, tol: number, what = ''): void => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want}`);

const fixedTeacher = (actions: number[][]): Teacher => ({ act: () => tf.tensor2d(actions) });

test('a deterministic teacher as a Gaussian: mean atanh(clip(a)), log std log σ_T', () => {
  const g = gaussianAroundTeacher(fixedTeacher([[0, 0.5], [1, -1]]), 0.1);
  const s = tf.zeros([2, 3]) as tf.Tensor2D;
  const { mean, logStd } = g.gaussian!(s);
  const m = mean.dataSync();
  // ±1 are clipped to ±(1 − 1e-6) in float32 first: atanh ≈ ±7.25, finite.
  const edge = Math.atanh(Math.fround(1 - 1e-6));
  close(edge, 7.25, 0.01);
  [0, Math.atanh(0.5), edge, -edge].forEach((want, i) => close(m[i], want, 1e-4, `mean[${i}]`));
  logStd.dataSync().forEach((x) => close(x, Math.log(0.1), 1e-6, 'log std'));
  assert.equal(DEFAULT_TEACHER_STD, 0.1);
  assert.equal(studentHeadFor('kl'), 'gaussian');
  assert.equal(studentHeadFor('mse'), 'deterministic');
  assert.equal(studentHeadFor('q'), 'deterministic');
  tf.dispose([s, mean, logStd]);
});

test('KL(student ‖ Gaussian teacher) on hand numbers', () => {
  // Teacher action tanh(0.5) → μ_T = 0.5, σ_T = 0.1; student μ_S = 0.3, σ_S = 0.2, one dimension:
  // log(σ_T/σ_S) + (σ_S² + (μ_S − μ_T)²)/(2σ_T²) − ½ = −ln 2 + (0.04 + 0.04)/0.02 − 0.5 = 3.5 − ln 2.
  const g = gaussianAroundTeacher(fixedTeacher([[Math.tanh(0.5)]]), 0.1);
  const s = tf.zeros([1, 1]) as tf.Tensor2D;
  const teacher = g.gaussian!(s);
  const student = { mean: tf.tensor2d([[0.3]]), logStd: tf.tensor2d([[Math.log(0.2)]]) };
  const kl = klDistillLoss(student, teacher);
  close(kl.dataSync()[0], 3.5 - Math.LN2, 1e-4, 'KL');
  tf.dispose([s, teacher.mean, teacher.logStd, student.mean, student.logStd, kl]);
});

/** A random tanh teacher (2 critics) saved as a PBRL policy model, and a dataset of random states. */
const fixtures = async (): Promise<{ teacherDir: string; datasets: string[] }> => {
  const rng = Rng.fromSeed(3);
  const actor = Mlp.create(mlpSpec([3, 8, 2], 'tanh'), rng.split('actor'));
  const critic = MlpEnsemble.create(mlpSpec([5, 8, 1]), 2, rng.split('critic'));
  const teacherDir = join(dir, 'teacher');
  const saved = await savePolicyModel(teacherDir, {
    architecture: { kind: 'policy', algo: 'pbrl', obsDim: 3, actDim: 2, hidden: [8], critics: 2, stateNorm: false },
    weights: [...prefixWeights('actor', actor.weights()), ...prefixWeights('critic', critic.weights())],
  })();
  assert.ok(E.isRight(saved));
  actor.dispose();
  critic.dispose();
  const shape = { obsDim: 3, actDim: 2, discreteActions: false, rewardTasks: [] };
  const datasets: string[] = [];
  for (const task of ['a', 'b']) {
    const path = join(dir, `${task}.arrow`);
    const w = await openDatasetWriter(path, { metadata: metadataFor(shape, [task]), shape })();
    if (E.isLeft(w)) assert.fail(w.left.message);
    const b = new TransitionBatchBuilder({ task, obsDim: 3, actDim: 2, discreteActions: false }, 200);
    const r = rng.split(task);
    for (let i = 0; i < 200; i++) {
      const obs = [r.range(-1, 1), r.range(-1, 1), r.range(-1, 1)];
      b.push({ episode: 0, step: i, observation: obs, action: [0, 0], reward: 0, nextObservation: obs, terminated: false, truncated: i === 199 });
    }
    await w.right.write(b.flush());
    await w.right.close();
    datasets.push(path);
  }
  return { teacherDir, datasets };
};

test('distill job with the KL loss: Gaussian student whose tanh(mean) reproduces the deterministic teacher', async () => {
  const { teacherDir, datasets } = await fixtures();
  const model = await loadPolicyModel(teacherDir)();
  if (E.isLeft(model)) assert.fail(model.left.message);
  const teacher = jsActor(model.right);
  const events: JobEvent[] = [];
  const base = {
    // The same teacher for both tasks keeps the fixture small; the student still sees two task ids.
    tasks: [
      { task: 'a', teacherDir, datasets: [datasets[0]] },
      { task: 'b', teacherDir, datasets: [datasets[1]] },
    ],
    student: { hidden: [32], encoding: 'onehot' as const },
    steps: 200,
    batchSize: 64,
    lr: 1e-2,
    seed: 5,
    backend: 'cpu' as const,
    metricsEvery: 50,
  };
  const out = await distillJob({ ...base, loss: 'kl', teacherStd: 0.1, checkpointDir: join(dir, 'kl') }, { report: (e) => events.push(e) });
  const manifest = JSON.parse(readFileSync(join(dir, 'kl', 'manifest.json'), 'utf8'));
  assert.equal(manifest.architecture.kind, 'student');
  assert.equal(manifest.architecture.spec.head, 'gaussian');
  assert.ok(out.finalLoss.a >= 0 && out.finalLoss.b >= 0, 'a KL is never negative');
  // KL between Gaussians of equal σ is (Δμ)²/(2σ²) per dimension plus a σ mismatch term: it starts in the tens.
  const losses = events.filter((e): e is Extract<JobEvent, { kind: 'metric' }> => e.kind === 'metric' && e.name === 'student/loss' && e.tags?.task === 'a').map((e) => e.value);
  assert.ok(losses[losses.length - 1] < losses[0], `KL ${losses.join(', ')}`);
  // Deterministic actions tanh(mean) against the teacher on held-out states.
  const held = Rng.fromSeed(99);
  for (const taskIndex of [0, 1]) {
    const act = await loadStudentActor(join(dir, 'kl'), taskIndex)();
    if (E.isLeft(act)) assert.fail(act.left.message);
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const s = [held.range(-1, 1), held.range(-1, 1), held.range(-1, 1)];
      const a: Float32Array = act.right(s);
      const t = teacher(s);
      assert.equal(a.length, 2);
      for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(a[k] - t[k]));
    }
    assert.ok(worst < 0.1, `task ${taskIndex}: largest action difference ${worst}`);
  }

  // MSE keeps a deterministic head; a bad σ_T is refused with one clear line.
  await distillJob({ ...base, steps: 1, loss: 'mse', teacherStd: 0.1, checkpointDir: join(dir, 'mse') }, { report: () => {} });
  assert.equal(JSON.parse(readFileSync(join(dir, 'mse', 'manifest.json'), 'utf8')).architecture.spec.head, 'deterministic');
  await assert.rejects(
    distillJob({ ...base, steps: 1, loss: 'kl', teacherStd: 0, checkpointDir: join(dir, 'bad') }, { report: () => {} }),
    (e: unknown) => e instanceof DistilleryFailure && e.error.message === 'distill: teacherStd must be a positive number, got 0',
  );
});
