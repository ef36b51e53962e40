import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Sac, type SacHyper } from '../../src/algos/sac/sac.ts';
import { SacDiscrete } from '../../src/algos/sac/sac-discrete.ts';
import { setEnsembleWeights } from '../../src/algos/weights.ts';
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
  logSoftmax,
  maxWeightDiff,
  mean,
  mlpWeights,
  polyak,
  predict,
  softplus,
  type Mat,
  type RefNet,
} from './reference.ts';
import { tinyMdp, type TinyMdp } from './tiny-mdp.ts';

/**
 * SAC (continuous and discrete), three updates on the tiny MDP from known weights (online and
 * target critics different), against the float64 reference: the soft Bellman target (through the
 * critic loss), the reparameterised actor gradient through tanh and log π, the automatic
 * temperature, and the Polyak target critics after every update.
 */

before(useCpu);

const hyper: Partial<SacHyper> = { hidden: [3], actorLr: 0.05, criticLr: 0.05, alphaLr: 0.1, gamma: 0.9, tau: 0.1, initialAlpha: 0.5, autoEntropy: true, batchSize: 3 };
const { gamma, tau } = hyper as SacHyper;

const close = (got: number, want: number, what: string, rel = 1e-5): void =>
  assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got}, hand computation ${want}`);

/** The temperature as SAC tunes it: log α with its own Adam on d/d log α = H(π) − H̄. */
class RefTemperature {
  readonly net: { params: Float64Array[] };
  private readonly opt: RefAdam;
  constructor(alpha: number, readonly target: number) {
    this.net = { params: [Float64Array.of(Math.log(alpha))] };
    this.opt = new RefAdam(this.net, hyper.alphaLr!);
  }
  get alpha(): number {
    return Math.exp(this.net.params[0][0]);
  }
  step(entropy: number): void {
    this.opt.step([Float64Array.of(entropy - this.target)]);
  }
}

interface SacRef {
  actor: RefNet;
  critics: RefNet[];
  criticTargets: RefNet[];
  actorOpt: RefAdam;
  criticOpts: RefAdam[];
  temperature: RefTemperature;
}

const makeRef = (actorSizes: number[], criticSizes: number[], targetEntropy: number): SacRef => {
  const actor = knownNet(actorSizes, 'none', 0.3, 0.5);
  const critics = [knownNet(criticSizes, 'none', 1.1), knownNet(criticSizes, 'none', 2.3)];
  return {
    actor,
    critics,
    criticTargets: [knownNet(criticSizes, 'none', 3.1), knownNet(criticSizes, 'none', 4.2)],
    actorOpt: new RefAdam(actor, hyper.actorLr!),
    criticOpts: critics.map((c) => new RefAdam(c, hyper.criticLr!)),
    temperature: new RefTemperature(hyper.initialAlpha!, targetEntropy),
  };
};

const load = (algo: Sac | SacDiscrete, r: SacRef): void => {
  algo.actor.setWeights(mlpWeights(r.actor));
  setEnsembleWeights(algo.critic, ensembleWeights(r.critics));
  setEnsembleWeights(algo.criticTarget, ensembleWeights(r.criticTargets));
};

const refWeights = (r: SacRef): NamedWeight[] => [
  ...mlpWeights(r.actor, 'actor'),
  ...ensembleWeights(r.critics, 'critic'),
  ...ensembleWeights(r.criticTargets, 'criticTarget'),
  { name: 'logAlpha', shape: [], data: Float32Array.of(r.temperature.net.params[0][0]) },
];

const assertWeights = (got: readonly NamedWeight[], r: SacRef, what: string): void => {
  const { diff, where } = maxWeightDiff(got, refWeights(r));
  assert.ok(diff < 3e-6, `${what}: weights differ from the hand computation by ${diff} at ${where}`);
};

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** tanh-squashed Gaussian sample from raw head outputs [μ | log σ] (1-D actions) and ε. */
const squashed = (raw: number[], eps: number): { a: number; u: number; logp: number; sigma: number; clamped: boolean } => {
  const mu = raw[0];
  const logStd = clip(raw[1], -20, 2);
  const sigma = Math.exp(logStd);
  const u = mu + sigma * eps;
  const logp = -0.5 * eps * eps - logStd - HALF_LOG_2PI - 2 * (Math.LN2 - u - softplus(-2 * u));
  return { a: Math.tanh(u), u, logp, sigma, clamped: raw[1] <= -20 || raw[1] >= 2 };
};

/** One continuous SAC update of the reference (noise drawn as Sac.update draws it). */
const refSacUpdate = (r: SacRef, m: TinyMdp, rng: Rng): { criticLoss: number; actorLoss: number; entropy: number; alpha: number } => {
  const B = m.obs.length;
  const nextNoise = Array.from({ length: B }, () => Math.fround(rng.normal()));
  const piNoise = Array.from({ length: B }, () => Math.fround(rng.normal()));
  const alpha = r.temperature.alpha;
  // Soft target: y = r + γ(1 − done)(min_k Q'_k(s', a') − α log π(a'|s')), a' ~ π(·|s').
  const next = predict(r.actor, m.next).map((raw, b) => squashed(raw, nextNoise[b]));
  const qNext = r.criticTargets.map((c) => predict(c, concatRows(m.next, next.map((n) => [n.a]))).map((x) => x[0]));
  const y = m.reward.map((rew, b) => rew + gamma * (1 - m.done[b]) * (Math.min(qNext[0][b], qNext[1][b]) - alpha * next[b].logp));
  let criticLoss = 0;
  r.critics.forEach((c, k) => {
    const acts = forward(c, concatRows(m.obs, m.action));
    const q = acts[acts.length - 1].map((x) => x[0]);
    criticLoss += q.reduce((s, x, b) => s + (x - y[b]) ** 2, 0) / B;
    r.criticOpts[k].step(backward(c, acts, q.map((x, b) => [(2 * (x - y[b])) / B])).grads);
  });
  // Actor: minimise mean(α log π(a|s) − min_k Q_k(s, a)), a = tanh(μ + σε), through the updated critics.
  const aActs = forward(r.actor, m.obs);
  const pi = aActs[aActs.length - 1].map((raw, b) => squashed(raw, piNoise[b]));
  const sa = concatRows(m.obs, pi.map((p) => [p.a]));
  const cActs = r.critics.map((c) => forward(c, sa));
  const q = cActs.map((acts) => acts[acts.length - 1].map((x) => x[0]));
  const kMin = pi.map((_, b) => argMin(q.map((qk) => qk[b])));
  const dLda = pi.map(() => 0);
  r.critics.forEach((c, k) => {
    const { dx } = backward(c, cActs[k], pi.map((_, b) => [kMin[b] === k ? -1 / B : 0]));
    dx.forEach((row, b) => (dLda[b] += row[2]));
  });
  const dRaw: Mat = pi.map((p, b) => {
    const da = dLda[b] * (1 - p.a * p.a);
    const dMu = (alpha / B) * 2 * p.a + da;
    const dLogStd = p.clamped ? 0 : (alpha / B) * (-1 + 2 * p.a * p.sigma * piNoise[b]) + da * p.sigma * piNoise[b];
    return [dMu, dLogStd];
  });
  r.actorOpt.step(backward(r.actor, aActs, dRaw).grads);
  const minQ = kMin.map((k, b) => q[k][b]);
  const meanLogp = mean(pi.map((p) => p.logp));
  r.critics.forEach((c, k) => polyak(r.criticTargets[k], c, tau));
  r.temperature.step(-meanLogp);
  return { criticLoss, actorLoss: alpha * meanLogp - mean(minQ), entropy: -meanLogp, alpha };
};

test('continuous SAC: soft targets, reparameterised actor, temperature and Polyak targets equal the hand computation', () => {
  const m = tinyMdp();
  const ref = makeRef([2, 3, 2], [3, 3, 1], -1);
  const algo = new Sac({ obsDim: 2, actDim: 1 }, hyper, Rng.fromSeed(0));
  load(algo, ref);
  assertWeights(algo.weights(), ref, 'initial');
  const rngAlgo = Rng.fromSeed(21);
  const rngRef = Rng.fromSeed(21);
  for (let u = 1; u <= 3; u++) {
    const want = refSacUpdate(ref, m, rngRef);
    const got = algo.update(m.batch, rngAlgo);
    close(got.alpha, want.alpha, `update ${u}: α used`);
    close(got.criticLoss, want.criticLoss, `update ${u}: critic loss against the soft target`);
    close(got.actorLoss, want.actorLoss, `update ${u}: actor loss`);
    close(got.entropy, want.entropy, `update ${u}: entropy −mean log π`);
    assertWeights(algo.weights(), ref, `after update ${u}`);
  }
  close(algo.temperature.alpha, ref.temperature.alpha, 'α after three temperature steps');
  assert.notEqual(algo.temperature.alpha, hyper.initialAlpha);
  algo.dispose();
});

/** One discrete SAC update of the reference (expectations over the 3 actions, no sampling). */
const refDiscreteUpdate = (r: SacRef, m: TinyMdp, taken: number[]): { criticLoss: number; actorLoss: number; entropy: number; q: number } => {
  const B = m.obs.length;
  const alpha = r.temperature.alpha;
  const minOver = (qs: Mat[]): Mat => qs[0].map((row, b) => row.map((_, a) => Math.min(...qs.map((qk) => qk[b][a]))));
  // y = r + γ(1 − done)·Σ_a π(a|s')(min_k Q'_k(s', a) − α log π(a|s')).
  const nextQMin = minOver(r.criticTargets.map((c) => predict(c, m.next)));
  const y = predict(r.actor, m.next).map((logits, b) => {
    const lp = logSoftmax(logits);
    const v = lp.reduce((s, l, a) => s + Math.exp(l) * (nextQMin[b][a] - alpha * l), 0);
    return m.reward[b] + gamma * (1 - m.done[b]) * v;
  });
  let criticLoss = 0;
  r.critics.forEach((c, k) => {
    const acts = forward(c, m.obs);
    const out = acts[acts.length - 1];
    const diff = out.map((row, b) => row[taken[b]] - y[b]);
    criticLoss += diff.reduce((s, d) => s + d * d, 0) / B;
    r.criticOpts[k].step(backward(c, acts, out.map((row, b) => row.map((_, a) => (a === taken[b] ? (2 * diff[b]) / B : 0)))).grads);
  });
  const qMin = minOver(r.critics.map((c) => predict(c, m.obs)));
  const aActs = forward(r.actor, m.obs);
  let actorLoss = 0;
  let entropy = 0;
  let q = 0;
  const grad = aActs[aActs.length - 1].map((logits, b) => {
    const lp = logSoftmax(logits);
    const p = lp.map(Math.exp);
    const h = lp.map((l, a) => alpha * l - qMin[b][a]);
    const f = p.reduce((s, pa, a) => s + pa * h[a], 0);
    actorLoss += f / B;
    entropy -= p.reduce((s, pa, a) => s + pa * lp[a], 0) / B;
    q += p.reduce((s, pa, a) => s + pa * qMin[b][a], 0) / B;
    return p.map((pj, j) => (pj * (h[j] - f)) / B);
  });
  r.actorOpt.step(backward(r.actor, aActs, grad).grads);
  r.critics.forEach((c, k) => polyak(r.criticTargets[k], c, tau));
  r.temperature.step(entropy);
  return { criticLoss, actorLoss, entropy, q };
};

test('discrete SAC: expected soft targets, softmax actor, temperature and Polyak targets equal the hand computation', () => {
  const taken = [0, 2, 1];
  const m = tinyMdp(taken.map((a) => [a]));
  const ref = makeRef([2, 3, 3], [2, 3, 3], 0.98 * Math.log(3));
  const algo = new SacDiscrete({ obsDim: 2, actions: 3 }, hyper, Rng.fromSeed(0));
  load(algo, ref);
  for (let u = 1; u <= 3; u++) {
    const alpha = ref.temperature.alpha;
    const want = refDiscreteUpdate(ref, m, taken);
    const got = algo.update(m.batch, Rng.fromSeed(u));
    close(got.alpha, alpha, `update ${u}: α used`);
    close(got.criticLoss, want.criticLoss, `update ${u}: critic loss on the taken actions`);
    close(got.actorLoss, want.actorLoss, `update ${u}: actor loss`);
    close(got.entropy, want.entropy, `update ${u}: entropy`);
    close(got.q, want.q, `update ${u}: E_π min_k Q`);
    assertWeights(algo.weights(), ref, `after update ${u}`);
  }
  algo.dispose();
});
