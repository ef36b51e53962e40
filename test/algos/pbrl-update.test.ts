import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Pbrl, type PbrlHyper, type PbrlTargetCritics } from '../../src/algos/pbrl/pbrl.ts';
import { NaiveMtPbrl } from '../../src/algos/naive-mt/naive-mt.ts';
import type { NamedWeight } from '../../src/nn/mlp.ts';
import { useCpu } from './replay-fixtures.ts';
import {
  RefAdam,
  argMin,
  backward,
  clip,
  concatRows,
  ensembleWeights,
  forward,
  knownNet,
  maxWeightDiff,
  mean,
  mlpWeights,
  polyak,
  predict,
  sampleStd,
  type Mat,
  type RefNet,
} from './reference.ts';
import { tinyMdp, type TinyMdp } from './tiny-mdp.ts';

/**
 * PBRL (both targetCritics settings) and naive multi-task PBRL, several updates on the tiny MDP
 * from known weights (target networks different from the online ones), against the float64
 * reference: the in-distribution target r + γ(1 − done)(Q_k(s', a') − β_in·std), the OOD target
 * max(Q_k − β_ood·std, 0) on noisy policy actions, the β_ood schedule, the actor step every
 * policyDelay updates, Polyak targets.
 */

before(useCpu);

const K = 3;
const M = 2;
const hyper: Partial<PbrlHyper> = {
  hidden: [3],
  ensembleSize: K,
  actorLr: 0.05,
  criticLr: 0.05,
  batchSize: 3,
  gamma: 0.9,
  tau: 0.1,
  policyDelay: 2,
  policyNoise: 0.2,
  noiseClip: 0.3,
  betaIn: 0.5,
  betaOodInitial: 3,
  betaOodDecay: 0.9,
  betaOodMin: 0.1,
  oodSamples: M,
  oodNoiseStd: 0.05,
  oodNoiseClip: 0.5,
  oodLossWeight: 0.7,
};
const h = hyper as PbrlHyper;

const close = (got: number, want: number, what: string, rel = 1e-5): void =>
  assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got}, hand computation ${want}`);

interface ActorPart {
  actor: RefNet;
  actorTarget: RefNet;
  actorOpt: RefAdam;
}
interface CriticPart {
  critics: RefNet[];
  criticTargets: RefNet[];
  criticOpts: RefAdam[];
  updates: number;
}

const actorPart = (inputs: number, phase: number): ActorPart => {
  const actor = knownNet([inputs, 3, 1], 'tanh', phase);
  return { actor, actorTarget: knownNet([inputs, 3, 1], 'tanh', phase + 0.6), actorOpt: new RefAdam(actor, h.actorLr) };
};
const criticPart = (phase: number): CriticPart => {
  const critics = Array.from({ length: K }, (_, k) => knownNet([3, 3, 1], 'none', phase + 1.3 * k));
  return {
    critics,
    criticTargets: Array.from({ length: K }, (_, k) => knownNet([3, 3, 1], 'none', phase + 0.4 + 1.1 * k)),
    criticOpts: critics.map((c) => new RefAdam(c, h.criticLr)),
    updates: 0,
  };
};

interface PbrlOut {
  y: number[][];
  criticLoss: number;
  oodLoss: number;
  q: number;
  qStd: number;
  qOod: number;
  betaOod: number;
  actorLoss?: number;
}

/** One PBRL update of the reference; `encode` maps states to the actor's input (identity, or [s | one-hot task]). */
const refPbrlUpdate = (a: ActorPart, c: CriticPart, m: TinyMdp, rng: Rng, targetCritics: PbrlTargetCritics, encode: (s: Mat) => Mat = (s) => s): PbrlOut => {
  const B = m.obs.length;
  const smoothing = Array.from({ length: B }, () => Math.fround(clip(rng.normal(0, h.policyNoise), -h.noiseClip, h.noiseClip)));
  const oodNoise = Array.from({ length: 2 * M * B }, () => Math.fround(clip(rng.normal(0, h.oodNoiseStd), -h.oodNoiseClip, h.oodNoiseClip)));
  const betaOod = Math.max(h.betaOodInitial * h.betaOodDecay ** c.updates, h.betaOodMin);
  // In-distribution target from the chosen critics, a' = smoothed target actor at s'.
  const reference = targetCritics === 'target' ? c.criticTargets : c.critics;
  const aNext = predict(a.actorTarget, encode(m.next)).map((row, b) => [clip(row[0] + smoothing[b], -1, 1)]);
  const qNext = reference.map((q) => predict(q, concatRows(m.next, aNext)).map((x) => x[0]));
  const stdNext = m.reward.map((_, b) => sampleStd(qNext.map((qk) => qk[b])));
  const y = qNext.map((qk) => qk.map((v, b) => m.reward[b] + h.gamma * (1 - m.done[b]) * (v - h.betaIn * stdNext[b])));
  // OOD rows: M copies of (s, π(s) + ε), then M copies of (s', π(s') + ε).
  const piObs = predict(a.actor, encode(m.obs));
  const piNext = predict(a.actor, encode(m.next));
  const oodStates: Mat = [];
  const oodActions: Mat = [];
  for (const [states, pis] of [
    [m.obs, piObs],
    [m.next, piNext],
  ] as const)
    for (let j = 0; j < M; j++)
      states.forEach((s, b) => {
        oodStates.push(s);
        oodActions.push([clip(pis[b][0] + oodNoise[oodStates.length - 1], -1, 1)]);
      });
  const nOod = oodStates.length;
  const input = [...concatRows(m.obs, m.action), ...concatRows(oodStates, oodActions)];
  const acts = c.critics.map((q) => forward(q, input));
  const qAll = acts.map((ac) => ac[ac.length - 1].map((x) => x[0]));
  const stdOod = Array.from({ length: nOod }, (_, n) => sampleStd(qAll.map((qk) => qk[B + n])));
  let lossIn = 0;
  let lossOod = 0;
  c.critics.forEach((q, k) => {
    const dy = qAll[k].map((v, n) => {
      if (n < B) {
        lossIn += (v - y[k][n]) ** 2 / (B * K);
        return [(2 * (v - y[k][n])) / B];
      }
      const t = Math.max(v - betaOod * stdOod[n - B], 0);
      lossOod += (v - t) ** 2 / (nOod * K);
      return [(2 * h.oodLossWeight * (v - t)) / nOod];
    });
    c.criticOpts[k].step(backward(q, acts[k], dy).grads);
  });
  const qIn = qAll.map((qk) => qk.slice(0, B));
  const out: PbrlOut = {
    y,
    criticLoss: lossIn,
    oodLoss: lossOod,
    q: mean(qIn.flat()),
    qStd: mean(m.reward.map((_, b) => sampleStd(qIn.map((qk) => qk[b])))),
    qOod: mean(qAll.map((qk) => qk.slice(B)).flat()),
    betaOod,
  };
  c.updates += 1;
  if (c.updates % h.policyDelay !== 0) return out;
  // Actor: −mean_b min_k Q_k(s, π(s)) through each row's minimising (updated) critic.
  const aActs = forward(a.actor, encode(m.obs));
  const pi = aActs[aActs.length - 1];
  const cActs = c.critics.map((q) => forward(q, concatRows(m.obs, pi)));
  const qPi = cActs.map((ac) => ac[ac.length - 1].map((x) => x[0]));
  const kMin = pi.map((_, b) => argMin(qPi.map((qk) => qk[b])));
  const da = pi.map(() => [0]);
  c.critics.forEach((q, k) => backward(q, cActs[k], pi.map((_, b) => [kMin[b] === k ? -1 / B : 0])).dx.forEach((row, b) => (da[b][0] += row[2])));
  a.actorOpt.step(backward(a.actor, aActs, da).grads);
  out.actorLoss = -mean(kMin.map((k, b) => qPi[k][b]));
  polyak(a.actorTarget, a.actor, h.tau);
  c.critics.forEach((q, k) => polyak(c.criticTargets[k], q, h.tau));
  return out;
};

const checkMetrics = (got: Record<string, number>, want: PbrlOut, what: string): void => {
  close(got.betaOod, want.betaOod, `${what}: β_ood`, 1e-12);
  close(got.criticLoss, want.criticLoss, `${what}: in-distribution loss`);
  close(got.oodLoss, want.oodLoss, `${what}: OOD loss`);
  close(got.q, want.q, `${what}: mean Q`);
  close(got.qStd, want.qStd, `${what}: mean std Q`);
  close(got.qOod, want.qOod, `${what}: mean OOD Q`);
  if (want.actorLoss === undefined) assert.equal(got.actorLoss, undefined, `${what}: no actor step`);
  else close(got.actorLoss, want.actorLoss, `${what}: actor loss`);
};

const checkWeights = (got: readonly NamedWeight[], want: readonly NamedWeight[], what: string): void => {
  const { diff, where } = maxWeightDiff(got, want);
  assert.ok(diff < 3e-6, `${what}: weights differ from the hand computation by ${diff} at ${where}`);
};

const pbrlWeights = (a: ActorPart, c: CriticPart): NamedWeight[] => [
  ...mlpWeights(a.actor, 'actor'),
  ...ensembleWeights(c.critics, 'critic'),
  ...mlpWeights(a.actorTarget, 'actorTarget'),
  ...ensembleWeights(c.criticTargets, 'criticTarget'),
];

test('PBRL, targetCritics target and online: each equals its own hand computation, and they differ', () => {
  const m = tinyMdp();
  const firstTargets: Record<string, number[][]> = {};
  const firstLoss: Record<string, number> = {};
  for (const targetCritics of ['target', 'online'] as const) {
    const a = actorPart(2, 0.1);
    const c = criticPart(1.0);
    const algo = new Pbrl({ obsDim: 2, actDim: 1 }, { ...hyper, targetCritics }, Rng.fromSeed(0));
    algo.setWeights(pbrlWeights(a, c));
    const rngAlgo = Rng.fromSeed(13);
    const rngRef = Rng.fromSeed(13);
    for (let u = 1; u <= 3; u++) {
      const want = refPbrlUpdate(a, c, m, rngRef, targetCritics);
      const got = algo.update(m.batch, rngAlgo);
      checkMetrics(got, want, `${targetCritics}, update ${u}`);
      checkWeights(algo.weights(), pbrlWeights(a, c), `${targetCritics}, after update ${u}`);
      if (u === 1) {
        firstTargets[targetCritics] = want.y;
        firstLoss[targetCritics] = got.criticLoss;
      }
    }
    assert.equal(algo.updateCount, 3);
    close(algo.betaOod, 3 * 0.9 ** 3, 'β_ood after 3 updates', 1e-12);
    algo.dispose();
  }
  // The settings give different targets on the bootstrapped rows and the same on the terminal one.
  for (let k = 0; k < K; k++) {
    assert.ok(Math.abs(firstTargets.target[k][0] - firstTargets.online[k][0]) > 1e-3);
    assert.equal(firstTargets.target[k][2], firstTargets.online[k][2]);
  }
  assert.ok(Math.abs(firstLoss.target - firstLoss.online) > 1e-3, `losses ${firstLoss.target} vs ${firstLoss.online}`);
});

test('naive multi-task PBRL: per-task critics and β_ood, one task-conditioned actor, each update equal to the hand computation', () => {
  const m = tinyMdp();
  const tasks = 2;
  const a = actorPart(2 + tasks, 0.2);
  const cs = [criticPart(1.0), criticPart(2.7)];
  const encode =
    (task: number) =>
    (s: Mat): Mat =>
      s.map((row) => [...row, ...Array.from({ length: tasks }, (_, i) => (i === task ? 1 : 0))]);
  const all = (): NamedWeight[] => [
    ...mlpWeights(a.actor, 'actor'),
    ...mlpWeights(a.actorTarget, 'actorTarget'),
    ...cs.flatMap((c, i) => [...ensembleWeights(c.critics, `critic/${i}`), ...ensembleWeights(c.criticTargets, `criticTarget/${i}`)]),
  ];
  const algo = new NaiveMtPbrl({ obsDim: 2, actDim: 1, tasks }, hyper, Rng.fromSeed(0));
  algo.setWeights(all());
  checkWeights(algo.weights(), all(), 'initial');
  const rngAlgo = Rng.fromSeed(17);
  const rngRef = Rng.fromSeed(17);
  // Tasks 1, 0, 1, 0: each task's second update (the 3rd and 4th overall) makes an actor step.
  const order = [1, 0, 1, 0];
  order.forEach((task, u) => {
    const other = algo.weights().filter((w) => w.name.startsWith(`critic/${1 - task}/`) || w.name.startsWith(`criticTarget/${1 - task}/`));
    const want = refPbrlUpdate(a, cs[task], m, rngRef, 'target', encode(task));
    const got = algo.update(task, m.batch, rngAlgo);
    assert.equal(got.task, task);
    checkMetrics(got, want, `update ${u + 1} (task ${task})`);
    checkWeights(algo.weights(), all(), `after update ${u + 1} (task ${task})`);
    const otherNow = algo.weights().filter((w) => other.some((o) => o.name === w.name));
    assert.deepEqual(
      otherNow.map((w) => [...w.data]),
      other.map((w) => [...w.data]),
      `update ${u + 1}: task ${1 - task}'s critics must not move`,
    );
  });
  assert.equal(algo.actorStepCount, 2);
  assert.deepEqual([algo.updateCount(0), algo.updateCount(1)], [2, 2]);
  algo.dispose();
});
