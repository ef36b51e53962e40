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
import { loadStudentActor } from '../../src/jobs/evaluate.ts';
import { trainNaiveMtJob, type TrainNaiveMtInput } from '../../src/jobs/train-naive-mt.ts';
import { selectBackend } from '../../src/nn/backend.ts';
import { loadCheckpoint, loadStudent } from '../../src/nn/checkpoint.ts';
import { metadataFor } from '../data/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-naive-mt-'));
before(async () => assert.equal((await selectBackend('cpu')())._tag, 'Right'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small random dataset of one task (obsDim observations, 2-d actions, episodes of 20 steps). */
const dataset = async (task: string, obsDim: number, seed: number): Promise<string> => {
  const shape = { obsDim, actDim: 2, discreteActions: false, rewardTasks: [] };
  const path = join(dir, `${task}-${obsDim}.arrow`);
  const w = await openDatasetWriter(path, { metadata: metadataFor(shape, [task]), shape })();
  if (E.isLeft(w)) assert.fail(w.left.message);
  const rng = Rng.fromSeed(seed);
  const b = new TransitionBatchBuilder({ task, obsDim, actDim: 2, discreteActions: false }, 100);
  for (let i = 0; i < 100; i++) {
    const obs = Array.from({ length: obsDim }, () => rng.normal());
    b.push({
      episode: Math.floor(i / 20),
      step: i % 20,
      observation: obs,
      action: [rng.range(-1, 1), rng.range(-1, 1)],
      reward: rng.uniform(),
      nextObservation: Array.from({ length: obsDim }, () => rng.normal()),
      terminated: false,
      truncated: i % 20 === 19,
    });
  }
  await w.right.write(b.flush());
  await w.right.close();
  return path;
};

const inputFor = async (out: string, seed = 1): Promise<TrainNaiveMtInput> => ({
  tasks: [
    { task: 'a', datasets: [await dataset('a', 3, 1)] },
    { task: 'b', datasets: [await dataset('b', 3, 2)] },
  ],
  hyper: { hidden: [16, 16], ensembleSize: 3, batchSize: 32 },
  steps: 6,
  seed,
  backend: 'cpu',
  checkpointDir: join(dir, out),
  metricsEvery: 3,
});

test('naive multi-task job: one student-style actor checkpoint (evaluable per task), per-task critics, metrics per task', async () => {
  const events: JobEvent[] = [];
  const out = await trainNaiveMtJob(await inputFor('run1'), { report: (e) => events.push(e) });
  assert.deepEqual(out.tasks, ['a', 'b']);
  assert.deepEqual(out.transitions, { a: 100, b: 100 });
  assert.equal(out.actorDir, join(dir, 'run1', 'actor'));
  // Six steps = six updates per task; policyDelay 2 → the actor moved on three of each task's.
  for (const task of ['a', 'b']) {
    const names = new Set(events.filter((e) => e.kind === 'metric' && e.tags?.task === task).map((e) => (e as { name: string }).name));
    for (const m of ['criticLoss', 'oodLoss', 'q', 'actorLoss', 'betaOod']) assert.ok(names.has(`naive-mt/${m}`), `${task} ${m}`);
    assert.ok(Math.abs(out.final[task].betaOod - 3 * 0.99995 ** 5) < 1e-12, 'β_ood follows each task’s own count');
  }
  const progress = events.filter((e) => e.kind === 'progress');
  assert.deepEqual(progress[progress.length - 1], { kind: 'progress', done: 6, total: 6 });

  const student = await loadStudent(out.actorDir)();
  if (E.isLeft(student)) assert.fail(student.left.message);
  assert.deepEqual(student.right.spec, { stateDim: 3, actionDim: 2, tasks: 2, encoding: 'onehot', hidden: [16, 16], head: 'deterministic' });
  const obs = [0.3, -0.2, 0.5];
  const fromTf = student.right.act(Float32Array.from(obs), 1);
  student.right.dispose();
  const act = await loadStudentActor(out.actorDir, 1)();
  if (E.isLeft(act)) assert.fail(act.left.message);
  const a = act.right(obs);
  a.forEach((x, k) => assert.ok(Math.abs(x - fromTf[k]) < 1e-5 && Math.abs(x) < 1, `action ${x} vs ${fromTf[k]}`));

  const critics = await loadCheckpoint(out.criticsDir)();
  if (E.isLeft(critics)) assert.fail(critics.left.message);
  assert.deepEqual((critics.right.architecture as { tasks: string[] }).tasks, ['a', 'b']);
  const names = critics.right.weights.map((w) => w.name);
  assert.ok(names.includes('critic/0/layer0/kernel') && names.includes('critic/1/layer2/bias'), names.join(', '));
  assert.deepEqual(critics.right.weights.find((w) => w.name === 'critic/1/layer0/kernel')!.shape, [3, 5, 16]);

  // Same seed, same bytes.
  const again = await trainNaiveMtJob(await inputFor('run2'), { report: () => {} });
  assert.deepEqual(readFileSync(join(again.actorDir, 'weights.bin')), readFileSync(join(out.actorDir, 'weights.bin')));
  assert.deepEqual(readFileSync(join(again.criticsDir, 'weights.bin')), readFileSync(join(out.criticsDir, 'weights.bin')));
});

test('naive multi-task job refuses tasks whose datasets differ in shape, with one line', async () => {
  const input = await inputFor('bad');
  const mismatched = { ...input, tasks: [input.tasks[0], { task: 'c', datasets: [await dataset('c', 4, 3)] }] };
  await assert.rejects(
    trainNaiveMtJob(mismatched, { report: () => {} }),
    (e: unknown) => e instanceof DistilleryFailure && e.message === 'naive multi-task PBRL: task c has observations 4 and actions 2, task a 3 and 2',
  );
});

test('naive multi-task job under --backend ort trains on ORT and matches the tfjs run (metrics per task, both checkpoints)', async () => {
  const run = async (backend: 'ort' | 'cpu') => {
    const metrics: Record<string, number> = {};
    const report = (e: JobEvent): void => {
      if (e.kind === 'metric') metrics[`${e.name}/${e.tags?.task}@${e.step}`] = e.value;
    };
    const out = await trainNaiveMtJob({ ...(await inputFor(`engine-${backend}`)), backend }, { report });
    return { out, metrics };
  };
  const [viaTfjs, viaOrt] = [await run('cpu'), await run('ort')];
  assert.equal(viaOrt.out.backend, 'ort');
  assert.equal(viaTfjs.out.backend, 'cpu');
  assert.deepEqual(Object.keys(viaOrt.metrics).sort(), Object.keys(viaTfjs.metrics).sort());
  assert.ok(Object.keys(viaTfjs.metrics).some((k) => k.startsWith('naive-mt/actorLoss/b')), 'the run reports actor steps');
  for (const [k, v] of Object.entries(viaTfjs.metrics)) assert.ok(Math.abs(viaOrt.metrics[k] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${k}: ORT ${viaOrt.metrics[k]} vs tfjs ${v}`);
  for (const which of ['actorDir', 'criticsDir'] as const) {
    const [x, y] = [await loadCheckpoint(viaOrt.out[which])(), await loadCheckpoint(viaTfjs.out[which])()];
    if (E.isLeft(x) || E.isLeft(y)) assert.fail(`${which} did not load`);
    assert.deepEqual(x.right.architecture, y.right.architecture);
    assert.deepEqual(x.right.weights.map((w) => w.name), y.right.weights.map((w) => w.name));
    x.right.weights.forEach((w, i) => {
      const ref = y.right.weights[i].data;
      for (let j = 0; j < ref.length; j++) assert.ok(Math.abs(w.data[j] - ref[j]) < 1e-4, `${which} ${w.name}[${j}]: ORT ${w.data[j]} vs tfjs ${ref[j]}`);
    });
  }
});
