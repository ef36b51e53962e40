import assert from 'node:assert/strict';
import type { SampledBatch } from '../../src/algos/replay-buffer.ts';
import type { Rng } from '../../src/core/rng.ts';
import type { NamedWeight } from '../../src/nn/mlp.ts';

/**
 * What the ORT-engine tests share: each builds a tfjs learner (the reference) and its ORT twin from
 * the same weights, feeds both the same batches and draws, and compares every update's metrics and
 * every network afterwards to float tolerance.
 */

/** The largest elementwise |a − b|. */
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/**
 * A random minibatch drawn from `data` in a fixed order (observations, actions, rewards, next
 * observations), so a test's draws do not depend on which engine reads them. Actions are uniform in
 * [−1, 1] unless `action` draws them (discrete indices); every `doneEvery`-th row is terminal.
 */
export const randomBatch = (data: Rng, size: number, obsDim: number, actDim: number, options: { readonly obsStd?: number; readonly doneEvery: number; readonly action?: () => Float32Array }): SampledBatch => {
  const obsStd = options.obsStd ?? 1;
  const observation = data.fillNormal(new Float32Array(size * obsDim), 0, obsStd) as Float32Array;
  const action = options.action ? options.action() : (data.fillUniform(new Float32Array(size * actDim), -1, 1) as Float32Array);
  return {
    size,
    obsDim,
    actDim,
    observation,
    action,
    reward: data.fillNormal(new Float32Array(size)) as Float32Array,
    nextObservation: data.fillNormal(new Float32Array(size * obsDim), 0, obsStd) as Float32Array,
    done: Float32Array.from({ length: size }, (_, i) => (i % options.doneEvery === 0 ? 1 : 0)),
  };
};

/** Every metric the ORT engine reports equals tfjs's, relative to its size past 1. */
export const assertMetricsClose = (got: Record<string, number>, want: Record<string, number>, label: string, tol = 2e-5): void => {
  for (const [name, value] of Object.entries(got))
    assert.ok(Math.abs(value - want[name]) <= tol * Math.max(1, Math.abs(want[name])), `${label} ${name}: ORT ${value}, tfjs ${want[name]}`);
};

/** The same set of named weights (any order), each with tfjs's shape and values to `tol`. */
export const assertWeightsClose = (got: readonly NamedWeight[], want: readonly NamedWeight[], tol = 1e-5): void => {
  const ref = new Map(want.map((w) => [w.name, w]));
  assert.equal(got.length, ref.size);
  for (const w of got) {
    const r = ref.get(w.name);
    assert.ok(r, `tfjs has no ${w.name}`);
    assert.deepEqual(w.shape, r.shape, w.name);
    const d = maxDiff(w.data, r.data);
    assert.ok(d < tol, `${w.name}: ORT and tfjs differ by ${d}`);
  }
};

/**
 * The end of a twin run: both engines drew the same numbers (their next draws agree), and the ORT
 * engine's networks are tfjs's, in the same order, to `tol`.
 */
export const assertSameDrawsAndWeights = (
  drawsA: { uniform(): number },
  drawsB: { uniform(): number },
  ort: { weights(): NamedWeight[] },
  tfjs: { weights(): NamedWeight[] },
  tol = 1e-5,
): void => {
  assert.equal(drawsA.uniform(), drawsB.uniform(), 'the engines drew different numbers');
  const [ortWeights, tfWeights] = [ort.weights(), tfjs.weights()];
  assert.deepEqual(ortWeights.map((w) => w.name), tfWeights.map((w) => w.name));
  assertWeightsClose(ortWeights, tfWeights, tol);
};
