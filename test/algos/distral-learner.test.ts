import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import {
  decodeDistralConfig,
  DistralLearner,
  distralTraining,
  oneHotState,
  randomTabularMdp,
  runDistral,
  solveDistralExact,
  solveSoftQ,
  TabularEnv,
  tabularMdp,
  type TabularMdp,
  type TaskEnv,
} from '../../src/algos/distral/index.ts';

const right = <A>(e: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(e)) assert.fail(e.left.message);
  return e.right;
};

const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
  return m;
};

const learner = (mdp: TabularMdp, params: Record<string, unknown>) =>
  right(DistralLearner.create(mdp.numStates, mdp.numActions, mdp.tasks.length, right(decodeDistralConfig(params))));

const envsOf = (mdp: TabularMdp): TaskEnv[] => mdp.tasks.map((_, i) => ({ env: new TabularEnv(mdp, i, 0), stateOf: oneHotState }));

const bandit = (rewards: number[][]) =>
  right(
    tabularMdp(
      1,
      rewards[0].length,
      rewards.map((r) => ({ start: [1], outcomes: (_s: number, a: number) => [{ next: 0, prob: 1, reward: r[a], terminal: true }] })),
    ),
  );

const smallMdp = () => randomTabularMdp(Rng.fromSeed(5), { numStates: 3, numActions: 2, numTasks: 2, terminationProb: 0.5 });
const H0 = [0.5, -0.5, -1, 1, 0, 0.3];

test('2col: softmax(α h0 + β f_i) is the 1col policy when f_i = Q_i − V_i, or Q_i plus any per-state constant', () => {
  const mdp = randomTabularMdp(Rng.fromSeed(21), { numStates: 5, numActions: 3, numTasks: 2 });
  const rng = Rng.fromSeed(22);
  for (const variant of ['kl-2col', 'klent-2col'] as const) {
    const two = learner(mdp, { variant, beta: 3, gamma: 0.9 });
    const one = learner(mdp, { variant: variant === 'kl-2col' ? 'kl-1col' : 'klent-1col', beta: 3, gamma: 0.9 });
    rng.fillNormal(two.h0);
    one.h0.set(two.h0);
    const pi0 = two.pi0Table();
    const settings = two.config;
    for (let i = 0; i < 2; i++) {
      const sol = right(solveSoftQ(mdp, i, pi0, settings));
      one.q.set(sol.q, i * 15);
      for (const shift of ['advantage', 'random'] as const)
        for (let s = 0; s < 5; s++) {
          const c = shift === 'advantage' ? -sol.v[s] : rng.normal(0, 10);
          for (let a = 0; a < 3; a++) two.q[i * 15 + s * 3 + a] = sol.q[s * 3 + a] + c;
        }
      assert.ok(maxAbsDiff(two.policyTable(i), sol.policy) < 1e-12, `${variant}: 2col policy`);
      assert.ok(maxAbsDiff(one.policyTable(i), sol.policy) < 1e-12, `${variant}: 1col policy`);
      assert.ok(maxAbsDiff(one.valueTable(i), sol.v) < 1e-12, `${variant}: 1col value`);
      // The 2col TD fixed point: f_i = Q_i − (α/β) log Z0(s) gives zero expected TD error and
      // reports the exact Q_i and V_i.
      for (let s = 0; s < 5; s++) {
        let lz = Number.NEGATIVE_INFINITY;
        const row = Array.from(two.h0.subarray(s * 3, s * 3 + 3));
        const m = Math.max(...row);
        lz = m + Math.log(row.reduce((acc, h) => acc + Math.exp(h - m), 0));
        for (let a = 0; a < 3; a++) two.q[i * 15 + s * 3 + a] = sol.q[s * 3 + a] - (settings.alpha / settings.beta) * lz;
      }
      assert.ok(maxAbsDiff(two.softQTable(i), sol.q) < 1e-12, `${variant}: 2col soft Q`);
      assert.ok(maxAbsDiff(two.valueTable(i), sol.v) < 1e-12, `${variant}: 2col value`);
      const model = mdp.tasks[i];
      const v = two.valueTable(i);
      for (let k = 0; k < 15; k++) {
        let ev = 0;
        for (let j = model.offsets[k]; j < model.offsets[k + 1]; j++) ev += model.continuation[j] * v[model.next[j]];
        const expectedDelta = model.reward[k] + settings.gamma * ev - two.softQ(i, Math.floor(k / 3), k % 3);
        assert.ok(Math.abs(expectedDelta) < 1e-10, `expected TD error ${expectedDelta}`);
      }
    }
  }
});

test('sample-based learning converges to the DP soft-Q solution for its π0', () => {
  const mdp = smallMdp();
  for (const variant of ['klent-1col', 'klent-2col', 'kl-1col', '2col-nokl'] as const) {
    // lrPi0 = 0: π0 is frozen for 1col; for 2col h0 still moves with the TD errors, so the
    // reference is the DP solution for the learner's final π0.
    const l = learner(mdp, { variant, beta: 2, gamma: 0.9, lrQ: 1, lrQDecay: 0.8, lrPi0: 0 });
    l.h0.set(H0);
    const initialError = Math.max(...[0, 1].map((i) => maxAbsDiff(l.softQTable(i), right(solveSoftQ(mdp, i, l.pi0Table(), l.config)).q)));
    right(runDistral(l, envsOf(mdp), Rng.fromSeed(1), { episodes: 10_000 }));
    const pi0 = l.pi0Table();
    if (variant.endsWith('1col')) assert.ok(maxAbsDiff(pi0, [0.731, 0.269, 0.119, 0.881, 0.426, 0.574]) < 1e-3, 'frozen π0');
    for (let i = 0; i < 2; i++) {
      const sol = right(solveSoftQ(mdp, i, pi0, l.config));
      const qError = maxAbsDiff(l.softQTable(i), sol.q);
      const piError = maxAbsDiff(l.policyTable(i), sol.policy);
      assert.ok(qError < 0.06, `${variant} task ${i}: max |Q − Q*| = ${qError} (initially ${initialError})`);
      assert.ok(piError < 0.03, `${variant} task ${i}: max |π − π*| = ${piError}`);
    }
    assert.ok(initialError > 1, `the test starts far from the solution (${initialError})`);
  }
});

test('online Distral (Q and π0 together) approaches the exact alternating solution', () => {
  const mdp = smallMdp();
  for (const variant of ['klent-1col', 'klent-2col'] as const) {
    const l = learner(mdp, { variant, beta: 2, gamma: 0.9, lrQ: 1, lrQDecay: 0.8, lrPi0: 0.002 });
    l.h0.set(H0);
    const exact = right(solveDistralExact(mdp, l.config, { rounds: 2000 }));
    const before = maxAbsDiff(l.pi0Table(), exact.pi0);
    right(runDistral(l, envsOf(mdp), Rng.fromSeed(2), { episodes: 20_000 }));
    const after = maxAbsDiff(l.pi0Table(), exact.pi0);
    assert.ok(before > 0.25 && after < 0.05, `${variant}: max |π0 − π0*| ${before} → ${after}`);
    for (let i = 0; i < 2; i++) {
      const e = maxAbsDiff(l.policyTable(i), exact.tasks[i].policy);
      assert.ok(e < 0.05, `${variant} task ${i}: max |π − π*| = ${e}`);
    }
  }
});

test('π0 learns the average behavior of two tasks that share a state', () => {
  const mdp = bandit([
    [1, 0, 0.2],
    [0, 1, 0.2],
  ]);
  const l = learner(mdp, { variant: 'klent-1col', beta: 3, gamma: 0.9, lrQ: 1, lrQDecay: 1, lrPi0: 0.005 });
  right(runDistral(l, envsOf(mdp), Rng.fromSeed(4), { episodes: 6000 }));
  const pi0 = l.pi0(0);
  const p1 = l.policy(0, 0);
  const p2 = l.policy(1, 0);
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(pi0[a] - (p1[a] + p2[a]) / 2) < 0.03, `π0(${a}) = ${pi0[a]} vs ${(p1[a] + p2[a]) / 2}`);
  const exact = right(solveDistralExact(mdp, l.config));
  assert.ok(maxAbsDiff(pi0, exact.pi0) < 0.03, `π0 ${Array.from(pi0)} vs exact ${Array.from(exact.pi0)}`);
  assert.ok(pi0[2] < 0.2 && p1[0] > 0.6 && p2[1] > 0.6, 'each task keeps its own preference; π0 mixes them');
});

test('multitask baseline: one shared table that averages the tasks’ rewards', () => {
  const mdp = bandit([
    [1, 0.2],
    [0, 0.6],
  ]);
  const l = learner(mdp, { variant: 'multitask', beta: 2, lrQ: 1, lrQDecay: 1 });
  assert.equal(l.q.length, 2, 'a single table');
  right(runDistral(l, envsOf(mdp), Rng.fromSeed(6), { episodes: 4000 }));
  // With lr = 1/n each entry is the running mean of the rewards it saw; both tasks run one
  // episode per round, so each converges to the average over tasks.
  assert.ok(Math.abs(l.softQ(0, 0, 0) - 0.5) < 0.03 && Math.abs(l.softQ(0, 0, 1) - 0.4) < 0.03, `Q = ${l.softQ(0, 0, 0)}, ${l.softQ(0, 0, 1)}`);
  assert.deepEqual(l.policy(0, 0), l.policy(1, 0));
});

test('same seed → identical tables and metrics; another seed → different ones', () => {
  const mdp = smallMdp();
  const train = (seed: number) => {
    const l = learner(mdp, { variant: 'klent-2col', beta: 2, gamma: 0.9 });
    const metrics: number[] = [];
    right(runDistral(l, envsOf(mdp), Rng.fromSeed(seed), { episodes: 300 }, (m) => void metrics.push(...m.returns, ...m.steps)));
    return { q: Buffer.from(l.q.buffer).toString('hex'), h0: Buffer.from(l.h0.buffer).toString('hex'), metrics };
  };
  const a = train(9);
  const b = train(9);
  const c = train(10);
  assert.equal(a.q, b.q);
  assert.equal(a.h0, b.h0);
  assert.deepEqual(a.metrics, b.metrics);
  assert.notEqual(a.q, c.q);
});

test('training loop: metrics, early stop and one-line errors', () => {
  const mdp = bandit([[0.25, -1]]);
  const l = learner(mdp, { variant: 'kl-1col', lrPi0: 0 });
  const gen = right(distralTraining(l, envsOf(mdp), Rng.fromSeed(0), { episodes: 5 }));
  const all = [...gen];
  assert.deepEqual(all.map((m) => m.episode), [0, 1, 2, 3, 4]);
  assert.equal(all[4].totalSteps, 5);
  for (const m of all) {
    assert.equal(m.steps[0], 1);
    assert.ok(m.returns[0] === 0.25 || m.returns[0] === -1);
    assert.equal(m.discountedReturns[0], m.returns[0]);
  }
  let seen = 0;
  const stopped = right(runDistral(l, envsOf(mdp), Rng.fromSeed(0), { episodes: 100 }, () => ++seen < 3));
  assert.equal(stopped.episodes, 3);
  const mismatch = distralTraining(l, [], Rng.fromSeed(0), { episodes: 1 });
  assert.ok(E.isLeft(mismatch) && /0 environments for 1 tasks/.test(mismatch.left.message));
  const bad = runDistral(l, [{ env: new TabularEnv(mdp, 0, 0), stateOf: () => 7 }], Rng.fromSeed(0), { episodes: 1 });
  assert.ok(E.isLeft(bad));
  assert.equal(bad.left.message, 'distral: task 0: stateOf returned 7, expected an integer in [0, 1)');
});

test('episodes longer than the cap are truncated and bootstrapped, not terminated', () => {
  // One state, one action looping forever with reward 1: V = Q = 1/(1 − γ). Were the cut treated
  // as a termination, the 4-step episodes would give V = Q = 1 + γ + γ² + γ³ at best.
  const mdp = right(tabularMdp(1, 1, [{ start: [1], outcomes: () => [{ next: 0, prob: 1, reward: 1, terminal: false }] }]));
  const l = learner(mdp, { variant: 'kl-1col', gamma: 0.5, lrQ: 0.5, lrPi0: 0 });
  const stats = right(runDistral(l, envsOf(mdp), Rng.fromSeed(0), { episodes: 50, maxStepsPerEpisode: 4 }));
  assert.equal(stats.totalSteps, 200);
  assert.ok(Math.abs(l.value(0, 0) - 2) < 1e-6, `V = ${l.value(0, 0)}`);
});

test('π0 with the previous action: its own row per (state, previous action); the TD target reads the next state after the action taken', () => {
  // 2 states, 2 actions, 1 task; α = 0.5, β = 2, γ = 0.9.
  const config = right(decodeDistralConfig({ variant: 'klent-1col', beta: 2, gamma: 0.9, lrQ: 1, lrPi0: 0.5, pi0PreviousAction: true }));
  const l = right(DistralLearner.create(2, 2, 1, config));
  assert.equal(l.h0.length, 2 * 3 * 2);
  // Rows: s·(A + 1) + prev + 1. Make π0(·|s'=1, prev=0) = softmax([0, ln 3]) = [1/4, 3/4]; every other row stays uniform.
  l.h0[(1 * 3 + 1) * 2 + 1] = Math.log(3);
  assert.deepEqual(Array.from(l.pi0(1, undefined, 0)).map((x) => +x.toFixed(12)), [0.25, 0.75]);
  assert.deepEqual(Array.from(l.pi0(1, undefined, -1)), [0.5, 0.5]);
  // update(s=0, a=0, r=1, s'=1, prev=−1): Q = 0 everywhere, so
  //   V(s'=1 after a=0) = (1/β) log Σ_b π0(b|1,0)^α = ½ log(√¼ + √¾)
  //   δ = r + (α/β) log π0(0|0,none) + γ V − Q̃(0,0), and Q̃ = Q + (α/β) log π0 cancels the prior: 1 + 0.9·V
  // (with π0(·|1, none) = uniform instead, V would be ½ log √2 and δ 1.156).
  const v = 0.5 * Math.log(Math.sqrt(0.25) + Math.sqrt(0.75));
  const delta = l.update(0, 0, 0, 1, 1, false, 1, -1);
  assert.ok(Math.abs(delta - (1 + 0.9 * v)) < 1e-12, `${delta}`);
  // The distillation step moved only row (s=0, prev=none): h0 += 0.5·(e_0 − [½, ½]).
  assert.deepEqual(Array.from(l.h0.subarray(0, 2)), [0.25, -0.25]);
  assert.deepEqual(Array.from(l.h0.subarray(2, 6)), [0, 0, 0, 0]);
});

test('independent: per-task soft-Q tables, α = 0, π0 untouched', () => {
  const mdp = bandit([
    [1, 0],
    [0, 1],
  ]);
  const l = learner(mdp, { variant: 'independent', beta: 5, gamma: 0.9 });
  l.update(0, 0, 0, 1, 0, true);
  l.update(1, 0, 1, 1, 0, true);
  assert.deepEqual(Array.from(l.h0), [0, 0]);
  assert.ok(l.policy(0, 0)[0] > 0.5 && l.policy(1, 0)[1] > 0.5, 'each task learns its own action');
});
