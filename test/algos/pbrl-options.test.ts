import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { PBRL_DEFAULTS, Pbrl, createPbrlLearner, discountedReturnsToGo, oodDecayOf } from '../../src/algos/pbrl/index.ts';
import { randomBuffer, useCpu } from './replay-fixtures.ts';

before(useCpu);

const close = (got: number, want: number, tol: number, what = ''): void => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want}`);

test('discounted returns-to-go per episode, rows in any order', () => {
  // Episode 7: rewards 1, 2, 3 at steps 0, 1, 2 (stored out of order); episode 2: one reward 5.
  const batch = {
    size: 4,
    episode: Int32Array.from([7, 2, 7, 7]),
    step: Int32Array.from([2, 0, 0, 1]),
    reward: Float32Array.from([3, 5, 1, 2]),
  };
  const { returns, stepsLeft } = discountedReturnsToGo(batch, 0.5);
  // G_2 = 3, G_1 = 2 + 0.5·3 = 3.5, G_0 = 1 + 0.5·3.5 = 2.75.
  assert.deepEqual(Array.from(returns), [3, 5, 2.75, 3.5]);
  assert.deepEqual(Array.from(stepsLeft), [1, 1, 3, 2]);
});

test('budget-relative β_ood: from 3 to 0.1 over the given fraction of the run, the thesis decay otherwise', () => {
  const h = { ...PBRL_DEFAULTS, totalSteps: 3000, oodDecayFraction: 0.5 };
  const decay = oodDecayOf(h);
  close(3 * decay ** 1500, 0.1, 1e-9, 'β_ood at half the run');
  close(3 * decay ** 750, Math.sqrt(3 * 0.1), 1e-9, 'geometric: the geometric mean a quarter in');
  assert.equal(oodDecayOf(PBRL_DEFAULTS), 0.99995);
  // 0.068 of 1M updates is the thesis' own schedule (0.99995 per update) to 4 decimals.
  close(oodDecayOf({ ...PBRL_DEFAULTS, totalSteps: 1_000_000, oodDecayFraction: 0.068 }), 0.99995, 1e-6);
  assert.throws(() => oodDecayOf({ ...PBRL_DEFAULTS, oodDecayFraction: 0.5 }), /totalSteps/);
  const rng = Rng.fromSeed(2);
  const learner = createPbrlLearner(randomBuffer(100, 3, 2, 1), { hidden: [8], ensembleSize: 2, batchSize: 16, totalSteps: 4, oodDecayFraction: 0.5 }, rng.split('init'));
  const betas = [0, 1, 2, 3].map(() => learner.update(rng).betaOod);
  // Two updates (half of 4) from 3 to 0.1, then the floor.
  betas.forEach((b, i) => close(b, [3, Math.sqrt(0.3), 0.1, 0.1][i], 1e-9, `update ${i}`));
  learner.dispose();
});

test('state normalisation: part of the model, and acting on raw states equals the network on normalised ones', () => {
  const rng = Rng.fromSeed(4);
  const stats = { mean: Float32Array.from([10, -5]), std: Float32Array.from([2, 0.5]) };
  const p = new Pbrl({ obsDim: 2, actDim: 1 }, { hidden: [8], ensembleSize: 2, normalizeStates: true }, rng, stats);
  const names = p.weights().map((w) => w.name);
  assert.ok(names.includes('stateNorm/mean') && names.includes('stateNorm/std'));
  const std = p.weights().find((w) => w.name === 'stateNorm/std')!.data;
  close(std[0], 2.001, 1e-6, 'std + normEps');
  const raw = Float32Array.from([12, -4.5]);
  const normalised = tf.tensor2d([[2 / 2.001, 0.5 / 0.501]]);
  const want = p.actor.predict(normalised).dataSync()[0];
  close(p.act(raw, 1)[0], want, 1e-6);
  assert.throws(() => new Pbrl({ obsDim: 2, actDim: 1 }, { normalizeStates: true }, rng), /statistics/);
  normalised.dispose();
  p.dispose();
});

test('Gaussian actor head: 2·d tanh outputs [μ | log σ], acts with μ, and the actor update moves log σ', () => {
  const rng = Rng.fromSeed(6);
  const learner = createPbrlLearner(randomBuffer(200, 3, 2, 5), { hidden: [16], ensembleSize: 3, batchSize: 32, actorHead: 'gaussian', actorLr: 1e-2 }, rng.split('init'));
  const p = learner.algo;
  assert.equal(p.actor.spec.sizes.at(-1), 4);
  const states = Float32Array.from([0.1, 0.2, 0.3]);
  const out = p.actor.predict(tf.tensor2d(states, [1, 3])).dataSync();
  const a = p.act(states, 1);
  assert.deepEqual(Array.from(a), [out[0], out[1]]);
  const logStdBefore = [out[2], out[3]];
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) learner.update(rng);
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  const after = p.actor.predict(tf.tensor2d(states, [1, 3])).dataSync();
  assert.ok(Math.abs(after[2] - logStdBefore[0]) + Math.abs(after[3] - logStdBefore[1]) > 1e-4, 'log σ trained');
  assert.ok([after[2], after[3]].every((x) => x > -1 && x < 1));
  learner.dispose();
});

test('a deterministic PBRL keeps its RNG path: the Gaussian option draws extra noise only when on', () => {
  const run = (actorHead: 'deterministic' | 'gaussian'): number => {
    const rng = Rng.fromSeed(9);
    const learner = createPbrlLearner(randomBuffer(100, 3, 2, 1), { hidden: [8], ensembleSize: 2, batchSize: 16, actorHead }, rng.split('init'));
    for (let i = 0; i < 4; i++) learner.update(rng);
    learner.dispose();
    return rng.uniform();
  };
  assert.notEqual(run('deterministic'), run('gaussian'));
});
