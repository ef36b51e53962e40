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
import { openDatasetWriter } from '../../src/data/index.ts';
import { distillJob, studentHeadFor, teacherOf } from '../../src/jobs/distill.ts';
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

test('the KL loss trains the Gaussian head; MSE and Q a deterministic one', () => {
  assert.equal(studentHeadFor('kl'), 'gaussian');
  assert.equal(studentHeadFor('mse'), 'deterministic');
  assert.equal(studentHeadFor('q'), 'deterministic');
});

/**
 * Two random PBRL teachers (2 critics) saved as policy models — a stochastic one (the thesis'
 * bounded Gaussian actor, 2·2 tanh outputs [μ | log σ]) and a deterministic one — and a dataset of
 * random states per task.
 */
const fixtures = async (): Promise<{ teacherDir: string; deterministicDir: string; datasets: string[] }> => {
  const rng = Rng.fromSeed(3);
  const save = async (name: string, actorHead: 'gaussian' | 'deterministic'): Promise<string> => {
    const actor = Mlp.create(mlpSpec([3, 8, actorHead === 'gaussian' ? 4 : 2], 'tanh'), rng.split(`${name}/actor`));
    const critic = MlpEnsemble.create(mlpSpec([5, 8, 1]), 2, rng.split(`${name}/critic`));
    const out = join(dir, name);
    const saved = await savePolicyModel(out, {
      architecture: { kind: 'policy', algo: 'pbrl', obsDim: 3, actDim: 2, hidden: [8], critics: 2, stateNorm: false, actorHead },
      weights: [...prefixWeights('actor', actor.weights()), ...prefixWeights('critic', critic.weights())],
    })();
    assert.ok(E.isRight(saved));
    actor.dispose();
    critic.dispose();
    return out;
  };
  const teacherDir = await save('teacher', 'gaussian');
  const deterministicDir = await save('deterministic', 'deterministic');
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
  return { teacherDir, deterministicDir, datasets };
};

test("distill job with the KL loss: the student's Gaussian reproduces the stochastic teacher's μ and σ", async () => {
  const { teacherDir, deterministicDir, datasets } = await fixtures();
  const model = await loadPolicyModel(teacherDir)();
  if (E.isLeft(model)) assert.fail(model.left.message);
  assert.equal(model.right.architecture.actorHead, 'gaussian');
  const teacherMean = jsActor(model.right);
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
  const out = await distillJob({ ...base, loss: 'kl', checkpointDir: join(dir, 'kl') }, { report: (e) => events.push(e) });
  const manifest = JSON.parse(readFileSync(join(dir, 'kl', 'manifest.json'), 'utf8'));
  assert.equal(manifest.architecture.kind, 'student');
  assert.equal(manifest.architecture.spec.head, 'gaussian');
  assert.ok(out.finalLoss.a >= 0 && out.finalLoss.b >= 0, 'a KL is never negative');
  const losses = events.filter((e): e is Extract<JobEvent, { kind: 'metric' }> => e.kind === 'metric' && e.name === 'student/loss' && e.tags?.task === 'a').map((e) => e.value);
  assert.ok(losses[losses.length - 1] < losses[0] / 5, `KL ${losses.join(', ')}`);
  assert.ok(losses[losses.length - 1] < 0.05, `final KL ${losses[losses.length - 1]}`);
  // μ against the teacher's deterministic action μ_T on held-out states.
  const held = Rng.fromSeed(99);
  for (const taskIndex of [0, 1]) {
    const act = await loadStudentActor(join(dir, 'kl'), taskIndex)();
    if (E.isLeft(act)) assert.fail(act.left.message);
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const s = [held.range(-1, 1), held.range(-1, 1), held.range(-1, 1)];
      const a: Float32Array = act.right(s);
      const t = teacherMean(s);
      assert.equal(a.length, 2);
      for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(a[k] - t[k]));
    }
    assert.ok(worst < 0.1, `task ${taskIndex}: largest action difference ${worst}`);
  }
  // The teacher the distiller sees is the real Gaussian: its log σ varies with the state (not a constant).
  const t = teacherOf(model.right);
  const s = tf.tensor2d([[0.9, -0.9, 0.5], [-0.9, 0.9, -0.5]]);
  const g = t.teacher.gaussian!(s);
  const logStd = g.logStd.dataSync();
  assert.ok(logStd.every((x) => x > -1 && x < 1), 'log σ bounded');
  assert.notEqual(logStd[0], logStd[2]);
  tf.dispose([s, g.mean, g.logStd]);
  t.dispose();

  // MSE distils μ with a deterministic head; KL with a deterministic teacher is refused with one line.
  await distillJob({ ...base, steps: 1, loss: 'mse', checkpointDir: join(dir, 'mse') }, { report: () => {} });
  assert.equal(JSON.parse(readFileSync(join(dir, 'mse', 'manifest.json'), 'utf8')).architecture.spec.head, 'deterministic');
  const mixed = { ...base, tasks: [base.tasks[0], { ...base.tasks[1], teacherDir: deterministicDir }] };
  await assert.rejects(
    distillJob({ ...mixed, steps: 1, loss: 'kl', checkpointDir: join(dir, 'bad') }, { report: () => {} }),
    (e: unknown) => e instanceof DistilleryFailure && e.error.message === 'distill: the KL loss needs stochastic teachers (teacher.actorHead=gaussian); deterministic for: b',
  );
});
