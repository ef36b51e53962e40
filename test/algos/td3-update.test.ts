import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Td3, type Td3Hyper } from '../../src/algos/td3/td3.ts';
import { Td3Bc } from '../../src/algos/td3bc/td3bc.ts';
import type { NamedWeight } from '../../src/nn/mlp.ts';
import { useCpu } from './replay-fixtures.ts';
import {
  RefAdam,
  backward,
  clip,
  concatRows,
  ensembleWeights,
  forward,
  knownNet,
  maxWeightDiff,
  mlpWeights,
  polyak,
  predict,
  type Mat,
  type RefNet,
} from './reference.ts';
import { tinyMdp, type TinyMdp } from './tiny-mdp.ts';

/**
 * TD3 and TD3+BC, four updates on the tiny MDP from known weights (online and target networks
 * all different), against the float64 reference of test/algos/reference.ts: the Bellman targets
 * (through the critic loss), every network after every update, the actor and the targets moving
 * only every policyDelay = 2 updates, Polyak averaging with τ = 0.1.
 */

before(useCpu);

const hyper: Partial<Td3Hyper> = { hidden: [3], actorLr: 0.05, criticLr: 0.05, gamma: 0.9, tau: 0.1, policyNoise: 0.2, noiseClip: 0.3, policyDelay: 2, batchSize: 3 };
const OBS = 2;

interface Td3Ref {
  actor: RefNet;
  actorTarget: RefNet;
  critics: RefNet[];
  criticTargets: RefNet[];
  actorOpt: RefAdam;
  criticOpts: RefAdam[];
  updates: number;
}

const initialRef = (): Td3Ref => {
  const actor = knownNet([OBS, 3, 1], 'tanh', 0.1);
  const critics = [knownNet([OBS + 1, 3, 1], 'none', 1.1), knownNet([OBS + 1, 3, 1], 'none', 2.3)];
  return {
    actor,
    actorTarget: knownNet([OBS, 3, 1], 'tanh', 0.7),
    critics,
    criticTargets: [knownNet([OBS + 1, 3, 1], 'none', 3.1), knownNet([OBS + 1, 3, 1], 'none', 4.2)],
    actorOpt: new RefAdam(actor, hyper.actorLr!),
    criticOpts: critics.map((c) => new RefAdam(c, hyper.criticLr!)),
    updates: 0,
  };
};

const refWeights = (r: Td3Ref): NamedWeight[] => [
  ...mlpWeights(r.actor, 'actor'),
  ...ensembleWeights(r.critics, 'critic'),
  ...mlpWeights(r.actorTarget, 'actorTarget'),
  ...ensembleWeights(r.criticTargets, 'criticTarget'),
];

/** The actor's objective at a = π(s): loss and dL/da, given Q_1(s, a) and dQ_1/da per row. */
type Objective = (q1: number[], dq1da: Mat, a: Mat) => { loss: number; grad: Mat };
const td3Objective: Objective = (q1, dq1da) => ({ loss: -q1.reduce((s, x) => s + x, 0) / q1.length, grad: dq1da.map((r) => r.map((g) => -g / q1.length)) });

/** One TD3 update of the reference, drawing the smoothing noise from `rng` as TD3 does. Returns y and the losses. */
const refUpdate = (r: Td3Ref, m: TinyMdp, obs: Mat, next: Mat, rng: Rng, objective: Objective): { y: number[]; criticLoss: number; actorLoss?: number } => {
  const { gamma, policyNoise, noiseClip, tau, policyDelay } = hyper as Td3Hyper;
  const B = obs.length;
  const noise = Array.from({ length: B }, () => Math.fround(clip(rng.normal(0, policyNoise), -noiseClip, noiseClip)));
  const aNext = predict(r.actorTarget, next).map((row, b) => [clip(row[0] + noise[b], -1, 1)]);
  const qNext = r.criticTargets.map((c) => predict(c, concatRows(next, aNext)).map((x) => x[0]));
  const y = m.reward.map((rew, b) => rew + gamma * (1 - m.done[b]) * Math.min(qNext[0][b], qNext[1][b]));
  let criticLoss = 0;
  r.critics.forEach((c, k) => {
    const acts = forward(c, concatRows(obs, m.action));
    const q = acts[acts.length - 1].map((x) => x[0]);
    criticLoss += q.reduce((s, x, b) => s + (x - y[b]) ** 2, 0) / B;
    r.criticOpts[k].step(backward(c, acts, q.map((x, b) => [(2 * (x - y[b])) / B])).grads);
  });
  r.updates += 1;
  if (r.updates % policyDelay !== 0) return { y, criticLoss };
  const aActs = forward(r.actor, obs);
  const a = aActs[aActs.length - 1];
  const cActs = forward(r.critics[0], concatRows(obs, a));
  const q1 = cActs[cActs.length - 1].map((x) => x[0]);
  const dq1da = backward(r.critics[0], cActs, q1.map(() => [1])).dx.map((row) => row.slice(OBS));
  const { loss, grad } = objective(q1, dq1da, a);
  r.actorOpt.step(backward(r.actor, aActs, grad).grads);
  polyak(r.actorTarget, r.actor, tau);
  r.critics.forEach((c, k) => polyak(r.criticTargets[k], c, tau));
  return { y, criticLoss, actorLoss: loss };
};

const close = (got: number, want: number, what: string, rel = 1e-5): void =>
  assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got}, hand computation ${want}`);

const assertWeights = (got: readonly NamedWeight[], r: Td3Ref, what: string): void => {
  const { diff, where } = maxWeightDiff(got, refWeights(r));
  assert.ok(diff < 2e-6, `${what}: weights differ from the hand computation by ${diff} at ${where}`);
};

const named = (ws: readonly NamedWeight[], prefix: string): Float32Array[] => ws.filter((w) => w.name.startsWith(`${prefix}/`)).map((w) => w.data.slice());

test('TD3: targets, critic and actor steps, policy delay and Polyak targets equal the hand computation', () => {
  const m = tinyMdp();
  const ref = initialRef();
  const algo = new Td3({ obsDim: OBS, actDim: 1 }, hyper, Rng.fromSeed(0));
  algo.setWeights(refWeights(ref));
  assertWeights(algo.weights(), ref, 'initial');
  const rngAlgo = Rng.fromSeed(9);
  const rngRef = Rng.fromSeed(9);
  let previous = algo.weights();
  for (let u = 1; u <= 4; u++) {
    const want = refUpdate(ref, m, m.obs, m.next, rngRef, td3Objective);
    const got = algo.update(m.batch, rngAlgo);
    close(got.criticLoss, want.criticLoss, `update ${u}: critic loss Σ_k mean (Q_k − y)²`);
    assertWeights(algo.weights(), ref, `after update ${u}`);
    const now = algo.weights();
    if (u % 2 === 1) {
      // Critic-only update: the actor and both target networks are untouched, bit for bit.
      assert.equal(got.actorLoss, undefined);
      for (const p of ['actor', 'actorTarget', 'criticTarget']) assert.deepEqual(named(now, p), named(previous, p), `update ${u}: ${p} must not move`);
    } else {
      close(got.actorLoss!, want.actorLoss!, `update ${u}: actor loss −mean Q_1(s, π(s))`);
      for (const p of ['actor', 'actorTarget', 'criticTarget']) assert.notDeepEqual(named(now, p), named(previous, p), `update ${u}: ${p} must move`);
    }
    previous = now;
  }
  // The first targets by hand, to read: y = r + γ(1 − done)·min_k Q'_k(s', clip(π'(s') + ε, −1, 1)).
  assert.equal(algo.updateCount, 4);
  algo.dispose();
});

test('TD3: the bootstrapped part of the target matters (γ and the target networks enter the critic loss)', () => {
  // Same start, but the target networks replaced: the first critic loss must change on the
  // non-terminal rows only, by exactly what the hand computation says.
  const m = tinyMdp();
  const losses = [0.7, 5.3].map((phase) => {
    const ref = initialRef();
    ref.criticTargets = [knownNet([OBS + 1, 3, 1], 'none', phase), knownNet([OBS + 1, 3, 1], 'none', phase + 1)];
    const algo = new Td3({ obsDim: OBS, actDim: 1 }, hyper, Rng.fromSeed(0));
    algo.setWeights(refWeights(ref));
    const got = algo.update(m.batch, Rng.fromSeed(3)).criticLoss;
    const want = refUpdate(ref, m, m.obs, m.next, Rng.fromSeed(3), td3Objective);
    algo.dispose();
    close(got, want.criticLoss, `target phase ${phase}`);
    return want;
  });
  assert.equal(losses[0].y[2], losses[1].y[2], 'terminal row: y = r');
  assert.notEqual(losses[0].y[0], losses[1].y[0]);
  assert.ok(Math.abs(losses[0].criticLoss - losses[1].criticLoss) > 1e-3);
});

test('TD3+BC: normalised states, λ = α/mean|Q|, BC term; every network equals the hand computation', () => {
  const m = tinyMdp();
  const ref = initialRef();
  const alpha = 2.5;
  const norm = { mean: Float32Array.from([0.1, 0.2]), std: Float32Array.from([0.5, 0.25]) };
  const normEps = 1e-3;
  const algo = new Td3Bc({ obsDim: OBS, actDim: 1 }, { ...hyper, alpha, normalizeStates: true, normEps }, norm, Rng.fromSeed(0));
  algo.setWeights(refWeights(ref));
  const std = [...norm.std].map((s) => Math.fround(s + normEps));
  const normalise = (x: Mat): Mat => x.map((row) => row.map((v, k) => (v - norm.mean[k]) / std[k]));
  let lambda = NaN;
  const bc: Objective = (q1, dq1da, a) => {
    const B = q1.length;
    lambda = alpha / (q1.reduce((s, x) => s + Math.abs(x), 0) / B);
    const loss = -lambda * (q1.reduce((s, x) => s + x, 0) / B) + a.reduce((s, row, b) => s + (row[0] - m.action[b][0]) ** 2, 0) / B;
    return { loss, grad: a.map((row, b) => [(-lambda * dq1da[b][0]) / B + (2 * (row[0] - m.action[b][0])) / B]) };
  };
  const rngAlgo = Rng.fromSeed(4);
  const rngRef = Rng.fromSeed(4);
  for (let u = 1; u <= 2; u++) {
    const want = refUpdate(ref, m, normalise(m.obs), normalise(m.next), rngRef, bc);
    const got = algo.update(m.batch, rngAlgo);
    close(got.criticLoss, want.criticLoss, `update ${u}: critic loss`);
    if (u === 2) {
      close(got.actorLoss!, want.actorLoss!, 'actor loss −λ·mean Q_1 + mean (π(s) − a)²');
      close(algo.lambda, lambda, 'λ');
    }
    const { diff, where } = maxWeightDiff(algo.weights(), refWeights(ref));
    assert.ok(diff < 2e-6, `update ${u}: ${diff} at ${where}`);
  }
  // act() normalises raw states with the same statistics.
  const a = algo.act(Float32Array.from(m.obs.flat()), 3);
  predict(ref.actor, normalise(m.obs)).forEach((row, b) => close(a[b], row[0], `act row ${b}`));
  algo.dispose();
});
