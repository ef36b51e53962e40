import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import type { JobEvent } from '../../src/core/job.ts';
import { openDatasetReader } from '../../src/data/index.ts';
import { trainBehaviorJob } from '../../src/jobs/train-behavior.ts';
import { loadCheckpoint } from '../../src/nn/checkpoint.ts';

/**
 * The behavior job under --backend ort (TD3 updates on ORT, exploring actions in plain JS from the
 * ORT state) against the same job on tfjs (cpu), same seed: the job says which engine ran, and
 * the reported losses, the evaluated curve, the actions it took (the medium-replay dataset) and
 * the saved expert and medium actors agree to float tolerance.
 */

const dir = mkdtempSync(join(tmpdir(), 'distillery-behavior-ort-'));

const run = async (backend: 'ort' | 'cpu') => {
  const metrics: Record<string, number> = {};
  const report = (e: JobEvent): void => {
    if (e.kind === 'metric') metrics[`${e.name}@${e.step}`] = e.value;
  };
  const out = await trainBehaviorJob(
    {
      envId: 'pointmass/maze',
      envConfig: {},
      task: 'left',
      hyper: { hidden: [16, 16], batchSize: 16, learningStarts: 31, actorLr: 1e-3, criticLr: 1e-3 },
      steps: 120,
      evalEvery: 30,
      evalEpisodes: 1,
      // 1: the medium snapshot is the first to reach the expert's return, so the replay spans learning.
      mediumFraction: 1,
      seed: 3,
      backend,
      outDir: join(dir, backend),
      pipeline: 'test',
    },
    { report },
  );
  return { out, metrics };
};

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('behavior job: TD3 under --backend ort trains and acts on ORT and matches the tfjs run', async () => {
  const viaTfjs = await run('cpu');
  const viaOrt = await run('ort');
  assert.equal(viaOrt.out.backend, 'ort');
  assert.equal(viaTfjs.out.backend, 'cpu');
  assert.deepEqual(Object.keys(viaOrt.metrics).sort(), Object.keys(viaTfjs.metrics).sort());
  assert.ok(Object.keys(viaTfjs.metrics).some((k) => k.startsWith('behavior/actorLoss')), 'the run reports actor updates');
  for (const [k, v] of Object.entries(viaTfjs.metrics)) assert.ok(close(viaOrt.metrics[k], v, 1e-4), `${k}: ORT ${viaOrt.metrics[k]} vs tfjs ${v}`);
  assert.deepEqual(viaOrt.out.curve.map((s) => s.step), viaTfjs.out.curve.map((s) => s.step));
  viaOrt.out.curve.forEach((s, i) => assert.ok(close(s.return, viaTfjs.out.curve[i].return, 1e-4), `return at ${s.step}: ORT ${s.return} vs tfjs ${viaTfjs.out.curve[i].return}`));
  assert.equal(viaOrt.out.expert.step, viaTfjs.out.expert.step);
  assert.equal(viaOrt.out.medium.step, viaTfjs.out.medium.step);

  const actions = async (path: string): Promise<Float32Array> => {
    const r = await openDatasetReader(path)();
    assert.ok(E.isRight(r));
    const parts: number[] = [];
    for await (const b of r.right.batches()) parts.push(...b.action);
    await r.right.close();
    return Float32Array.from(parts);
  };
  const [a, b] = [await actions(viaOrt.out.mediumReplay.path), await actions(viaTfjs.out.mediumReplay.path)];
  assert.equal(a.length, b.length);
  assert.ok(viaOrt.out.mediumReplay.transitions > 31, 'the replay holds actions of the trained actor');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `action value ${i}: ORT ${a[i]} vs tfjs ${b[i]}`);

  for (const which of ['expert', 'medium'] as const) {
    const [x, y] = [await loadCheckpoint(viaOrt.out[which].checkpointDir)(), await loadCheckpoint(viaTfjs.out[which].checkpointDir)()];
    assert.ok(E.isRight(x) && E.isRight(y));
    assert.deepEqual(x.right.architecture, y.right.architecture);
    assert.deepEqual(x.right.weights.map((w) => w.name), y.right.weights.map((w) => w.name));
    x.right.weights.forEach((w, i) => {
      let d = 0;
      for (let j = 0; j < w.data.length; j++) d = Math.max(d, Math.abs(w.data[j] - y.right.weights[i].data[j]));
      assert.ok(d < 1e-4, `${which} ${w.name} differs by ${d}`);
    });
  }
});
