/**
 * Discrete SAC's update (Christodoulou 2019, as src/algos/sac/sac-discrete.ts computes it on tfjs)
 * on ONNX Runtime, one graph per update: critics against the exact soft value over the actions,
 * the actor against the just-updated critics, Polyak targets, then log α when it is automatic.
 * The update draws nothing (expectations over the actions replace samples); acting samples from
 * π(·|s) in plain JS (JsMlp on the live actor weights) with SacDiscrete.act's draws.
 */
import type { Rng } from '../core/rng.ts';
import { JsMlp } from './js-mlp.ts';
import { mlpSpec, type NamedWeight } from './mlp.ts';
import type { GraphBuilder, Value } from './ort-graph.ts';
import { batchFeeds } from './ort-learner.ts';
import { ensembleBackward, ensembleForward, mlpBackward, mlpForward } from './ort-mlp.ts';
import { OrtSession } from './ort-runtime.ts';
import { OrtSacCore, SAC_CRITICS, sacGraphParts, type OrtSacBatch, type OrtSacHyper, type SacSpecs } from './ort-sac.ts';

/** Actor obs → |A| logits, twin critics obs → Q(s, ·). */
export const sacDiscreteSpecs = (obsDim: number, actions: number, hidden: readonly number[]): SacSpecs => ({
  actor: mlpSpec([obsDim, ...hidden, actions]),
  critic: mlpSpec([obsDim, ...hidden, actions]),
});

const logSoftmax = (g: GraphBuilder, logits: Value): Value => g.op('LogSoftmax', [logits], [{ name: 'axis', kind: 'int', value: 1 }])[0];

/** One discrete SAC update as a graph (inputs and outputs as OrtSacDiscrete feeds and reads them). */
export const sacDiscreteStepGraph = (obsDim: number, actions: number, h: OrtSacHyper) => {
  const specs = sacDiscreteSpecs(obsDim, actions, h.hidden);
  const parts = sacGraphParts('sac-discrete', specs, h, ['batch']);
  const { g, obs, action, reward, nextObs, done, alpha, rows } = parts;
  // Target y = r + γ(1 − done)·Σ_a π(a|s')(min_k Q'_k(s', a) − α log π(a|s')) (sacDiscreteTarget).
  const nextQMin = g.reduceMin(ensembleForward(g, specs.critic, parts.criticTarget, nextObs).at(-1)!, [0], false);
  const nextLogp = logSoftmax(g, mlpForward(g, specs.actor, parts.actor, nextObs).at(-1)!);
  const softV = g.reduceSum(g.mul(g.exp(nextLogp), g.sub(nextQMin, g.mul(nextLogp, alpha))), [1], false);
  const y = g.add(reward, g.mul(g.mul(g.sub(g.scalar(1), done), g.scalar(h.gamma)), softV));
  // Only the taken action's output has a loss: dL/dQ_k = onehot·2(Q_k(s, a) − y)/B.
  const taken = g.equalMask(g.reshape(action, [-1, 1]), g.constant(Array.from({ length: actions }, (_, a) => a), [1, actions]));
  const qOuts = ensembleForward(g, specs.critic, parts.critic, obs);
  const diff = g.sub(g.reduceSum(g.mul(qOuts.at(-1)!, taken), [2], false), g.reshape(y, [1, -1]));
  g.output(g.div(g.reduceSum(g.mul(diff, diff), [0, 1], false), rows), 'criticLoss', []);
  const dq = g.mul(taken, g.reshape(g.mul(diff, g.div(g.scalar(2), rows)), [SAC_CRITICS, -1, 1]));
  const criticNext = parts.stepCritic(ensembleBackward(g, specs.critic, parts.critic, qOuts, dq));

  // Actor: mean_s Σ_a π(α log π − min_k Q_k) with the updated critics. With f = α log π − qMin and
  // L_s = Σ_a π f, dL_s/dlogit_j = π_j(f_j − L_s) (the α·Σ_a π d log π term sums to zero).
  const qMin = g.reduceMin(ensembleForward(g, specs.critic, criticNext, obs).at(-1)!, [0], false);
  const aOuts = mlpForward(g, specs.actor, parts.actor, obs);
  const logp = logSoftmax(g, aOuts.at(-1)!);
  const p = g.exp(logp);
  const f = g.sub(g.mul(logp, alpha), qMin);
  const perState = g.reduceSum(g.mul(p, f), [1], true);
  g.output(g.reduceMean(perState, [0, 1], false), 'actorLoss', []);
  parts.stepActor(mlpBackward(g, specs.actor, parts.actor, aOuts, g.div(g.mul(p, g.sub(f, perState)), rows)));
  g.output(g.reduceMean(g.reduceSum(g.mul(qMin, p), [1], false), [0], false), 'q', []);
  const entropy = g.neg(g.reduceMean(g.reduceSum(g.mul(p, logp), [1], false), [0], false));
  return parts.finish(criticNext, entropy);
};

/** Discrete SAC on ORT; update() returns SacDiscrete.update's metrics, act() draws as SacDiscrete.act. */
export class OrtSacDiscrete {
  private readonly core: OrtSacCore;
  private policy: JsMlp | undefined;
  private readonly probs: Float32Array;

  constructor(
    readonly obsDim: number,
    readonly actions: number,
    readonly hyper: OrtSacHyper,
    /** SacDiscrete.weights(). */
    initial: readonly NamedWeight[],
  ) {
    const specs = sacDiscreteSpecs(obsDim, actions, hyper.hidden);
    this.core = new OrtSacCore(specs, hyper, initial, OrtSession.create(sacDiscreteStepGraph(obsDim, actions, hyper)), ['criticLoss', 'actorLoss', 'q', 'entropy']);
    this.probs = new Float32Array(actions);
  }

  get updateCount(): number {
    return this.core.updateCount;
  }

  get alpha(): number {
    return this.core.alpha;
  }

  /** One update on a minibatch (actions as indices). */
  update(batch: OrtSacBatch): Record<string, number> {
    const metrics = this.core.step(batchFeeds(batch, this.obsDim, [batch.size]));
    // The step wrote the actor into its other buffer: the acting network is rebuilt on demand.
    this.policy = undefined;
    return metrics;
  }

  /** π(·|s) for one state (softmax of the actor's logits; the array is reused by the next call). */
  policyProbs(state: ArrayLike<number>): Float32Array {
    this.policy ??= JsMlp.fromWeights(sacDiscreteSpecs(this.obsDim, this.actions, this.hyper.hidden).actor, this.core.actorWeights());
    const logits = this.policy.forward1(state);
    let max = -Infinity;
    for (let a = 0; a < this.actions; a++) if (logits[a] > max) max = logits[a];
    let sum = 0;
    for (let a = 0; a < this.actions; a++) sum += this.probs[a] = Math.exp(logits[a] - max);
    for (let a = 0; a < this.actions; a++) this.probs[a] /= sum;
    return this.probs;
  }

  /** Greedy action indices (as floats); with `explore`, samples from π(·|s) with one rng.categorical per state. */
  act(states: Float32Array, n: number, options: { readonly explore?: boolean; readonly rng?: Rng } = {}): Float32Array {
    if (options.explore && !options.rng) throw new Error('OrtSacDiscrete.act: exploration needs an rng');
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = this.policyProbs(states.subarray(i * this.obsDim, (i + 1) * this.obsDim));
      if (options.explore) out[i] = options.rng!.categorical(row);
      else {
        let best = 0;
        for (let a = 1; a < this.actions; a++) if (row[a] > row[best]) best = a;
        out[i] = best;
      }
    }
    return out;
  }

  weights(): NamedWeight[] {
    return this.core.weights();
  }

  dispose(): void {
    this.core.dispose();
  }
}
