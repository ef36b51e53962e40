/**
 * measureSharing on a small stream: a saved student, two tiny datasets, a context that records
 * what is emitted. Checks the sample sizes, that a task's own states all count when its dataset
 * is smaller than asked (mean activations are order-free, so they can be recomputed here),
 * determinism under the run's RNG, and that bad records fail as DistilleryFailures.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, of } from 'rxjs';
import { TransitionBatchBuilder } from '../../src/core/batch.ts';
import { DistilleryFailure } from '../../src/core/errors.ts';
import type { PipelineEvent } from '../../src/core/events.ts';
import { Rng } from '../../src/core/rng.ts';
import { openDatasetWriter } from '../../src/data/index.ts';
import { meanActivations } from '../../src/metrics/shared-computation.ts';
import { saveNetwork } from '../../src/nn/checkpoint.ts';
import { Student, studentSpec } from '../../src/nn/student.ts';
import { loadStudentNet, studentActivations } from '../../src/nn/student-activations.ts';
import type { RunContext } from '../../src/operators/context.ts';
import { measureSharing } from '../../src/operators/stages/measure-sharing.ts';
import type { TaskEnv } from '../../src/operators/with-env.ts';
import { metadataFor } from '../data/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-sharing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = { a: 50, b: 20 } as const;
const paths: Record<string, string> = {};
const obsOf: Record<string, Float32Array> = {};
let studentDir = '';

before(async () => {
  await tf.setBackend('cpu');
  const student = Student.create(studentSpec({ stateDim: 3, actionDim: 1, tasks: 2, hidden: [6, 5] }), Rng.fromSeed(1));
  studentDir = join(dir, 'student');
  assert.ok(E.isRight(await saveNetwork(studentDir, student)()));
  student.dispose();
  const shape = { obsDim: 3, actDim: 1, discreteActions: false, rewardTasks: [] };
  const rng = Rng.fromSeed(2);
  for (const [task, n] of Object.entries(ROWS)) {
    paths[task] = join(dir, `${task}.arrow`);
    const w = await openDatasetWriter(paths[task], { metadata: metadataFor(shape, [task]), shape })();
    if (E.isLeft(w)) assert.fail(w.left.message);
    const b = new TransitionBatchBuilder({ task, obsDim: 3, actDim: 1, discreteActions: false }, n);
    obsOf[task] = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const obs = [rng.normal(), rng.normal(), rng.normal()];
      obsOf[task].set(obs, i * 3);
      b.push({ episode: 0, step: i, observation: obs, action: [0], reward: 0, nextObservation: obs, terminated: false, truncated: i === n - 1 });
    }
    await w.right.write(b.flush());
    await w.right.close();
  }
});

/** The fields of a run context the stage uses (its RNG and emit). */
const context = (seed: number): { ctx: RunContext; events: PipelineEvent[] } => {
  const events: PipelineEvent[] = [];
  return { ctx: { rng: Rng.fromSeed(seed), emit: (e: PipelineEvent) => events.push(e) } as unknown as RunContext, events };
};

// The dataset source never touches the env.
const noEnv = undefined as unknown as TaskEnv;
const params = { states: 30, source: 'dataset', episodes: 1 } as const;
const record = (kind = 'expert') => ({
  tasks: [
    { task: 'a', datasets: { [kind]: paths.a } },
    { task: 'b', datasets: { [kind]: paths.b } },
  ],
  student: { checkpointDir: studentDir },
});

const results = (events: PipelineEvent[]): Record<string, unknown> => Object.fromEntries(events.flatMap((e) => (e.type === 'result' ? [[e.key, e.value]] : [])));

test('measureSharing: samples per task, every layer and pair, results under the key', async () => {
  const { ctx, events } = context(7);
  const out = await lastValueFrom(of(record()).pipe(measureSharing(params, noEnv, ctx, { dataset: 'expert' })));
  assert.deepEqual(out.sharing.states, { a: 30, b: 20 }, 'b has fewer rows than asked: all of them');
  assert.equal(out.sharing.layers.length, 2);
  assert.deepEqual(out.sharing.layers.map((l) => l.width), [6, 5]);
  const r = results(events);
  assert.deepEqual(r['sharing.states'], { a: 30, b: 20 });
  const pair = r['sharing.layer1.a-b'] as { perState: Record<string, { states: number; undefinedStates: number }> };
  assert.equal(pair.perState.b.states + pair.perState.b.undefinedStates, 50, 'the shared pool: 30 + 20 states');
  // Task b's own states are its whole dataset (in some order): its mean activations are those of every row.
  const student = await loadStudentNet(studentDir)();
  if (E.isLeft(student)) throw new Error(student.left.message);
  const acts = studentActivations(student.right, obsOf.b, 1);
  if (E.isLeft(acts)) throw new Error(acts.left.message);
  for (const l of [0, 1]) {
    const want = Array.from(meanActivations(acts.right[l]));
    const got = (r[`sharing.layer${l + 1}.meanActivation`] as Record<string, number[]>).b;
    want.forEach((w, k) => assert.ok(Math.abs(got[k] - w) < 1e-6, `layer ${l + 1} neuron ${k}: ${got[k]} vs ${w}`));
  }
  // Another key keeps several students apart.
  const other = context(7);
  await lastValueFrom(of(record()).pipe(measureSharing(params, noEnv, other.ctx, { dataset: 'expert', key: 'widths.8.sharing' })));
  assert.ok('widths.8.sharing.layer2.a-b' in results(other.events));
});

test('measureSharing: the same seed gives the same numbers, another seed another sample', async () => {
  const run = async (seed: number) => {
    const { ctx } = context(seed);
    return (await lastValueFrom(of(record()).pipe(measureSharing(params, noEnv, ctx, { dataset: 'expert' })))).sharing;
  };
  const [x, y, z] = [await run(3), await run(3), await run(4)];
  assert.deepEqual(x, y);
  // Task a's 30 of 50 states differ between seeds, so its mean activations do.
  assert.notDeepEqual(x.layers[0].meanActivation.a, z.layers[0].meanActivation.a);
});

test('measureSharing: a missing dataset or a student of other tasks fails as a DistilleryFailure', async () => {
  const { ctx } = context(1);
  await assert.rejects(
    lastValueFrom(of(record('medium')).pipe(measureSharing(params, noEnv, ctx, { dataset: 'expert' }))),
    (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'not-found',
  );
  const three = { ...record(), tasks: [...record().tasks, { task: 'c', datasets: { expert: paths.a } }] };
  await assert.rejects(
    lastValueFrom(of(three).pipe(measureSharing(params, noEnv, ctx, { dataset: 'expert' }))),
    (e: unknown) => e instanceof DistilleryFailure && e.error.code === 'invalid-input',
  );
});
