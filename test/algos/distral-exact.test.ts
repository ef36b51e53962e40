import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import {
  alphaBetaFromCoefficients,
  decodeDistralConfig,
  discountedVisitation,
  distillPi0,
  randomTabularMdp,
  solveDistralExact,
  solveHardQ,
  solveSoftQ,
  tabularMdp,
  tabularMdpFromEnvs,
  taskObjective,
  type SoftSettings,
  type TabularMdp,
} from '../../src/algos/distral/index.ts';

const right = <A>(e: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(e)) assert.fail(e.left.message);
  return e.right;
};

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);

/** Soft Bellman residual max_s |V(s) − (1/β) log Σ_a π0^α exp(β (R + γ C V))|. */
const bellmanResidual = (mdp: TabularMdp, task: number, pi0: Float64Array, v: Float64Array, { alpha, beta, gamma }: SoftSettings): number => {
  const { numStates: S, numActions: A } = mdp;
  const m = mdp.tasks[task];
  let worst = 0;
  for (let s = 0; s < S; s++) {
    let sum = 0;
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      let ev = 0;
      for (let j = m.offsets[k]; j < m.offsets[k + 1]; j++) ev += m.continuation[j] * v[m.next[j]];
      sum += Math.pow(pi0[k], alpha) * Math.exp(beta * (m.reward[k] + gamma * ev));
    }
    worst = Math.max(worst, Math.abs(v[s] - Math.log(sum) / beta));
  }
  return worst;
};

/** One state, actions ending the episode with the given rewards per task. */
const bandit = (rewards: number[][]) =>
  right(
    tabularMdp(
      1,
      rewards[0].length,
      rewards.map((r) => ({ start: [1], outcomes: (_s: number, a: number) => [{ next: 0, prob: 1, reward: r[a], terminal: true }] })),
    ),
  );

test('config: α, β from the KL and entropy coefficients; variant defaults; refusals name the field', () => {
  const { alpha, beta } = alphaBetaFromCoefficients(0.3, 0.2);
  close(alpha, 0.6, 1e-15);
  close(beta, 2, 1e-15);
  const kl = right(decodeDistralConfig({ variant: 'kl-2col' }));
  assert.equal(kl.alpha, 1);
  assert.equal(kl.beta, 5);
  assert.equal(kl.gamma, 0.999);
  assert.equal(kl.twoColumn, true);
  assert.equal(kl.columnWeight, 1);
  assert.equal(right(decodeDistralConfig({ variant: 'klent-1col' })).alpha, 0.5);
  assert.equal(right(decodeDistralConfig({ variant: 'klent-2col', alpha: 0.9 })).columnWeight, 0.9);
  const mt = right(decodeDistralConfig({ variant: 'multitask' }));
  assert.deepEqual([mt.alpha, mt.sharedPolicy, mt.distill], [0, true, false]);
  const nokl = right(decodeDistralConfig({ variant: '2col-nokl' }));
  assert.deepEqual([nokl.alpha, nokl.columnWeight, nokl.distill, nokl.twoColumn], [0, 1, false, true]);
  const msg = (v: unknown) => {
    const r = decodeDistralConfig(v, 'params.distral');
    assert.ok(E.isLeft(r));
    return r.left.message;
  };
  assert.match(msg({ variant: 'multitask', alpha: 0.5 }), /params\.distral\.alpha: .*no KL term/);
  assert.match(msg({ variant: 'kl-2col', alpha: 0 }), /params\.distral\.alpha: .*removes the shared column/);
  assert.match(msg({ variant: 'kl-2col', pi0PreviousAction: true }), /pi0PreviousAction: only the 1col KL variants/);
  assert.match(msg({ variant: 'independent', pi0PreviousAction: true }), /pi0PreviousAction/);
  // α = 0 in 1col: independent learners beside a π0 that does not act
  assert.equal(right(decodeDistralConfig({ variant: 'kl-1col', alpha: 0 })).alpha, 0);
  const ind = right(decodeDistralConfig({ variant: 'independent' }));
  assert.deepEqual([ind.alpha, ind.sharedPolicy, ind.distill, ind.twoColumn], [0, false, false, false]);
  assert.match(msg({ variant: 'kl-3col' }), /variant: expected one of/);
  assert.match(msg({ beta: -1 }), /beta: expected a positive number/);
  assert.match(msg({ lrq: 0.1 }), /unknown parameter 'lrq'/);
});

test('tabular MDP validation names the bad pair', () => {
  const r = tabularMdp(2, 1, [{ start: [1, 0], outcomes: (s) => [{ next: 1, prob: s === 1 ? 0.5 : 1, reward: 0, terminal: false }] }]);
  assert.ok(E.isLeft(r));
  assert.match(r.left.message, /task 0, state 1, action 0: outcome probabilities sum to 0\.5/);
});

test('one state, terminal rewards: V = (1/β) log Σ π0^α e^{βr}, Q = r, π ∝ π0^α e^{βQ}', () => {
  const r = [1, 0.3, -0.5];
  const mdp = bandit([r]);
  const pi0 = Float64Array.from([0.6, 0.3, 0.1]);
  const settings = { alpha: 0.5, beta: 2, gamma: 0.9 };
  const sol = right(solveSoftQ(mdp, 0, pi0, settings));
  const z = r.reduce((acc, ra, a) => acc + Math.sqrt(pi0[a]) * Math.exp(2 * ra), 0);
  close(sol.v[0], Math.log(z) / 2, 1e-14, 'V');
  r.forEach((ra, a) => {
    close(sol.q[a], ra, 1e-14, 'Q');
    close(sol.policy[a], (Math.sqrt(pi0[a]) * Math.exp(2 * ra)) / z, 1e-14, 'π');
  });
});

test('one state looping on itself: V = (1/β) log Σ π0^α e^{βr} / (1 − γ)', () => {
  const r = [0.4, -0.2];
  const mdp = right(tabularMdp(1, 2, [{ start: [1], outcomes: (_s, a) => [{ next: 0, prob: 1, reward: r[a], terminal: false }] }]));
  const pi0 = Float64Array.from([0.25, 0.75]);
  const settings = { alpha: 1, beta: 3, gamma: 0.8 };
  const sol = right(solveSoftQ(mdp, 0, pi0, settings));
  const v = Math.log(0.25 * Math.exp(3 * 0.4) + 0.75 * Math.exp(3 * -0.2)) / 3 / (1 - 0.8);
  close(sol.v[0], v, 1e-11, 'V');
  close(sol.q[0], 0.4 + 0.8 * v, 1e-11, 'Q0');
  close(sol.q[1], -0.2 + 0.8 * v, 1e-11, 'Q1');
});

test('two-state chain solved by hand', () => {
  // s0: a0 → s1 (r 0), a1 ends (r 1). s1: a0 ends (r 2), a1 ends (r 0).
  const mdp = right(
    tabularMdp(2, 2, [
      {
        start: [1, 0],
        outcomes: (s, a) =>
          s === 0
            ? a === 0
              ? [{ next: 1, prob: 1, reward: 0, terminal: false }]
              : [{ next: 0, prob: 1, reward: 1, terminal: true }]
            : [{ next: 0, prob: 1, reward: a === 0 ? 2 : 0, terminal: true }],
      },
    ]),
  );
  const pi0 = Float64Array.from([0.5, 0.5, 0.2, 0.8]);
  const { alpha, beta, gamma } = { alpha: 0.5, beta: 1.5, gamma: 0.7 };
  const sol = right(solveSoftQ(mdp, 0, pi0, { alpha, beta, gamma }));
  const v1 = Math.log(0.2 ** alpha * Math.exp(beta * 2) + 0.8 ** alpha * Math.exp(0)) / beta;
  const v0 = Math.log(0.5 ** alpha * Math.exp(beta * gamma * v1) + 0.5 ** alpha * Math.exp(beta)) / beta;
  close(sol.v[1], v1, 1e-14, 'V(s1)');
  close(sol.v[0], v0, 1e-14, 'V(s0)');
  close(sol.q[0], gamma * v1, 1e-14, 'Q(s0, a0)');
  close(sol.q[1], 1, 1e-14, 'Q(s0, a1)');
});

test('DP solution satisfies the soft Bellman equation to 1e-10 and its policies are distributions', () => {
  const rng = Rng.fromSeed(7);
  const mdp = randomTabularMdp(rng.split('mdp'), { numStates: 8, numActions: 3, numTasks: 2 });
  const pi0 = new Float64Array(8 * 3);
  for (let s = 0; s < 8; s++) {
    const w = [rng.uniform() + 0.05, rng.uniform() + 0.05, rng.uniform() + 0.05];
    const t = w[0] + w[1] + w[2];
    w.forEach((x, a) => (pi0[s * 3 + a] = x / t));
  }
  for (const settings of [
    { alpha: 1, beta: 5, gamma: 0.95 },
    { alpha: 0.5, beta: 0.7, gamma: 0.99 },
    { alpha: 0.9, beta: 5, gamma: 0.999 },
  ]) {
    for (let i = 0; i < 2; i++) {
      const sol = right(solveSoftQ(mdp, i, pi0, settings));
      assert.ok(bellmanResidual(mdp, i, pi0, sol.v, settings) <= 1e-10, `residual ${bellmanResidual(mdp, i, pi0, sol.v, settings)}`);
      for (let s = 0; s < 8; s++) {
        let sum = 0;
        for (let a = 0; a < 3; a++) {
          const k = s * 3 + a;
          sum += sol.policy[k];
          close(sol.policy[k], Math.pow(pi0[k], settings.alpha) * Math.exp(settings.beta * (sol.q[k] - sol.v[s])), 1e-12, 'π = π0^α e^{β(Q−V)}');
        }
        close(sum, 1, 1e-12, 'Σπ');
      }
      // The regularized return of the soft-optimal policy, computed through its discounted
      // visitation, is μ0 · V.
      const d = right(discountedVisitation(mdp, i, sol.policy, settings.gamma));
      const j = taskObjective(mdp, i, d, sol.policy, pi0, settings);
      const muV = sol.v.reduce((acc, v) => acc + v / 8, 0);
      close(j, muV, 1e-9 * Math.max(1, Math.abs(muV)), 'J = μ0·V');
    }
  }
});

test('α → 0, β → ∞ recovers hard-max Q-learning values, with the log|A|/(β(1−γ)) bound', () => {
  const mdp = randomTabularMdp(Rng.fromSeed(11), { numStates: 6, numActions: 4, numTasks: 1 });
  const gamma = 0.9;
  const hard = right(solveHardQ(mdp, 0, gamma));
  const pi0 = new Float64Array(24).fill(0.25);
  let previousError = Number.POSITIVE_INFINITY;
  for (const beta of [1, 10, 100, 1e4]) {
    const soft = right(solveSoftQ(mdp, 0, pi0, { alpha: 0, beta, gamma }));
    const bound = (gamma * Math.log(4)) / (beta * (1 - gamma));
    let error = 0;
    for (let k = 0; k < 24; k++) {
      const gap = soft.q[k] - hard.q[k];
      assert.ok(gap >= -1e-10 && gap <= bound + 1e-10, `β=${beta}: gap ${gap} outside [0, ${bound}]`);
      error = Math.max(error, gap);
    }
    assert.ok(error < previousError, `error should shrink as β grows (${error} ≥ ${previousError})`);
    previousError = error;
  }
  assert.ok(previousError < 1e-3);
  // With the prior kept (α = 1, π0 full support) the soft values also approach the hard ones.
  const soft = right(solveSoftQ(mdp, 0, pi0, { alpha: 1, beta: 1e5, gamma }));
  for (let k = 0; k < 24; k++) close(soft.q[k], hard.q[k], Math.log(4) / (1e5 * (1 - gamma)), 'α=1, β→∞');
});

test('β → 0 with α = 1 evaluates π0 (π_i → π0)', () => {
  const mdp = randomTabularMdp(Rng.fromSeed(12), { numStates: 5, numActions: 3, numTasks: 1 });
  const pi0 = Float64Array.from({ length: 15 }, (_, k) => [0.2, 0.5, 0.3][k % 3]);
  const gamma = 0.9;
  // Policy evaluation of π0 by fixed-point iteration.
  const m = mdp.tasks[0];
  let v = new Float64Array(5);
  for (let it = 0; it < 2000; it++) {
    const nv = new Float64Array(5);
    for (let s = 0; s < 5; s++)
      for (let a = 0; a < 3; a++) {
        const k = s * 3 + a;
        let ev = 0;
        for (let j = m.offsets[k]; j < m.offsets[k + 1]; j++) ev += m.continuation[j] * v[m.next[j]];
        nv[s] += pi0[k] * (m.reward[k] + gamma * ev);
      }
    v = nv;
  }
  const soft = right(solveSoftQ(mdp, 0, pi0, { alpha: 1, beta: 1e-6, gamma }));
  for (let s = 0; s < 5; s++) close(soft.v[s], v[s], 1e-5, 'V → V^{π0}');
  for (let k = 0; k < 15; k++) close(soft.policy[k], pi0[k], 1e-5, 'π → π0');
});

test('exact alternating Distral: the objective never decreases and π0 ends at the visitation-weighted mixture', () => {
  const mdp = randomTabularMdp(Rng.fromSeed(3), { numStates: 7, numActions: 3, numTasks: 3, terminationProb: 0.2 });
  // α = 1: π0's entropy is unregularized and the optimum is reached only in the limit; check ascent.
  const kl = right(solveDistralExact(mdp, { alpha: 1, beta: 2, gamma: 0.9 }, { rounds: 40 }));
  assert.equal(kl.rounds, 40);
  // α = 0.5: converges to a fixed point.
  const settings = { alpha: 0.5, beta: 5, gamma: 0.95 };
  const klent = right(solveDistralExact(mdp, settings, { rounds: 500 }));
  assert.ok(klent.rounds < 500, 'converged before the round limit');
  for (const sol of [kl, klent]) {
    assert.equal(sol.objective.length, 2 * sol.rounds);
    for (let k = 1; k < sol.objective.length; k++)
      assert.ok(sol.objective[k] >= sol.objective[k - 1] - 1e-10, `objective fell at half-step ${k}: ${sol.objective[k - 1]} → ${sol.objective[k]}`);
    assert.ok(sol.objective[sol.objective.length - 1] > sol.objective[0] + 0.1, 'the alternation improves on the uniform prior');
  }
  const visitations = klent.tasks.map((t, i) => right(discountedVisitation(mdp, i, t.policy, settings.gamma)));
  const mixture = distillPi0(3, visitations, klent.tasks.map((t) => t.policy));
  for (let k = 0; k < 21; k++) close(klent.pi0[k], mixture[k], 1e-10, 'π0 fixed point');
});

test('π0 is the average behavior of two tasks that share a state', () => {
  // One state, two tasks preferring different actions, equal visitation: π0 = (π1 + π2)/2.
  const mdp = bandit([
    [1, 0, 0.2],
    [0, 1, 0.2],
  ]);
  const settings = { alpha: 0.5, beta: 3, gamma: 0.9 };
  const sol = right(solveDistralExact(mdp, settings));
  for (let a = 0; a < 3; a++) close(sol.pi0[a], (sol.tasks[0].policy[a] + sol.tasks[1].policy[a]) / 2, 1e-9, `π0(${a})`);
  // Symmetry: the shared π0 does not favor either task's action.
  close(sol.pi0[0], sol.pi0[1], 1e-9, 'symmetric');
  assert.ok(sol.pi0[2] < sol.pi0[0], 'the action neither task wants loses weight');
});

test('tabular model enumerated from a settable environment matches the environment', () => {
  // Corridor of 4 cells, actions left/right, −0.1 per step, task's goal cell ends the episode with +1.
  const corridor = (goal: number) => {
    let cell = 0;
    const obs = () => Float32Array.from({ length: 4 }, (_, k) => (k === cell ? 1 : 0));
    return {
      reset: () => ((cell = 0), obs()),
      setState: (s: Float64Array) => void (cell = s[0]),
      step: (a: number) => {
        cell = Math.min(3, Math.max(0, cell + (a === 0 ? -1 : 1)));
        return { observation: obs(), reward: cell === goal ? 0.9 : -0.1, terminated: cell === goal, truncated: false };
      },
    };
  };
  const oneHot = (o: Float32Array) => o.indexOf(1);
  const mdp = right(
    tabularMdpFromEnvs({
      numStates: 4,
      numActions: 2,
      envs: [corridor(3), corridor(1)].map((env) => ({ env, stateOf: oneHot })),
      simulatorState: (s) => Float64Array.of(s),
      start: [1, 0, 0, 0],
    }),
  );
  const t0 = mdp.tasks[0];
  assert.deepEqual(Array.from(t0.reward), [-0.1, -0.1, -0.1, -0.1, -0.1, 0.9, -0.1, 0.9]);
  // From cell 2 going right reaches task 0's goal: no continuation.
  assert.equal(t0.offsets[5] - t0.offsets[4], 1);
  assert.equal(t0.offsets[6] - t0.offsets[5], 0);
  // Hard values with γ = 1: three steps right for task 0 (0.9 − 0.2), one step for task 1.
  close(right(solveHardQ(mdp, 0, 1)).v[0], 0.7, 1e-12, 'task 0');
  close(right(solveHardQ(mdp, 1, 1)).v[0], 0.9, 1e-12, 'task 1');
});
