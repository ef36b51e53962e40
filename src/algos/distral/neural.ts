/**
 * Neural Distral (Teh et al. 2017), the KL "1col" form with soft Q-learning, on the same networks
 * as the discrete SAC it is compared with in the OT mazes: per task a Q network s → Q_i(s, ·)
 * with a target copy, and one distilled policy network s → h0(s, ·), π0 = softmax(h0).
 *
 *   π_i(·|s) ∝ π0(·|s)^α exp(β Q_i(s, ·))
 *   V_i(s) = (1/β) log Σ_a π0(a|s)^α exp(β Q_i(s, a))                       (docs/facts.md, "Distral")
 *   Q loss:  (Q_i(s, a) − [r + γ(1 − done) V_i'(s')])², V_i' from the target network and π0
 *   π0 loss: the cross-entropy −Σ_a π_i(a|s) log π0(a|s) on task i's sampled states — the expected
 *            form of the paper's maximum likelihood of the task policies' actions (π_i held fixed)
 *
 * α = c_KL/(c_KL + c_Ent), β = 1/(c_KL + c_Ent); α = 0 gives independent soft Q-learners whose π0
 * is trained but not used. No RxJS.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng.ts';
import { Adam } from '../../nn/adam.ts';
import { Mlp, mlpSpec } from '../../nn/mlp.ts';
import { batchTensors, softUpdate } from '../actor-critic.ts';
import type { Metrics } from '../learner.ts';
import type { SampledBatch } from '../replay-buffer.ts';

export interface NeuralDistralHyper {
  readonly hidden: readonly number[];
  readonly lr: number;
  readonly gamma: number;
  readonly tau: number;
  /** Weight of the prior π0^α. */
  readonly alpha: number;
  /** Inverse temperature. */
  readonly beta: number;
}

/** β·Q̃ = α log π0 + β Q, the logits of π_i, [B, |A|]. */
export const distralLogits = (q: tf.Tensor2D, logPi0: tf.Tensor2D, alpha: number, beta: number): tf.Tensor2D =>
  tf.tidy(() => tf.add(tf.mul(logPi0, alpha), tf.mul(q, beta)) as tf.Tensor2D);

/** V(s) = (1/β) log Σ_a π0(a|s)^α exp(β Q(s, a)), [B]. */
export const distralSoftValue = (q: tf.Tensor2D, logPi0: tf.Tensor2D, alpha: number, beta: number): tf.Tensor1D =>
  tf.tidy(() => tf.div(tf.logSumExp(distralLogits(q, logPi0, alpha, beta), 1), beta) as tf.Tensor1D);

export class NeuralDistral {
  readonly q: Mlp[];
  readonly qTarget: Mlp[];
  readonly pi0: Mlp;
  private readonly qOpt: Adam[];
  private readonly pi0Opt: Adam;

  constructor(
    readonly dims: { readonly obsDim: number; readonly actions: number; readonly tasks: number },
    readonly hyper: NeuralDistralHyper,
    rng: Rng,
  ) {
    const spec = mlpSpec([dims.obsDim, ...hyper.hidden, dims.actions]);
    this.q = Array.from({ length: dims.tasks }, (_, i) => Mlp.create(spec, rng.split(`q/${i}`)));
    this.qTarget = this.q.map((m) => m.clone());
    this.pi0 = Mlp.create(spec, rng.split('pi0'));
    this.qOpt = this.q.map((m) => new Adam(m.params, { lr: hyper.lr }));
    this.pi0Opt = new Adam(this.pi0.params, { lr: hyper.lr });
  }

  /** π_i(·|s) for one state. */
  policy(task: number, obs: Float32Array): Float32Array {
    return tf.tidy(() => {
      const s = tf.tensor2d(obs, [1, this.dims.obsDim]);
      return tf.softmax(distralLogits(this.q[task].predict(s), tf.logSoftmax(this.pi0.predict(s)), this.hyper.alpha, this.hyper.beta)).dataSync() as Float32Array;
    });
  }

  /** An action sampled from π_i(·|s). */
  act(task: number, obs: Float32Array, rng: Rng): number {
    return rng.categorical(this.policy(task, obs));
  }

  /** One soft-Q step of task i's network and one distillation step of π0 on task i's batch. */
  update(task: number, batch: SampledBatch): Metrics {
    const { gamma, tau, alpha, beta } = this.hyper;
    const B = batch.size;
    const A = this.dims.actions;
    const metrics: Metrics = {};
    tf.tidy(() => {
      const b = batchTensors(batch);
      const logPi0Next = tf.logSoftmax(this.pi0.predict(b.nextObs)) as tf.Tensor2D;
      const vNext = distralSoftValue(this.qTarget[task].predict(b.nextObs), logPi0Next, alpha, beta);
      const y = tf.add(b.reward, tf.mul(tf.mul(tf.sub(1, b.done), gamma), vNext));
      const outs = this.q[task].forwardAll(b.obs);
      const q = outs[outs.length - 1];
      const taken = tf.oneHot(tf.cast(tf.reshape(b.action, [B]), 'int32'), A).toFloat();
      const diff = tf.sub(tf.sum(tf.mul(q, taken), 1), y);
      // dL/dQ = onehot·2(Q(s, a) − y)/B for L = mean (Q(s, a) − y)².
      this.qOpt[task].step(this.q[task].backward(outs, tf.mul(taken, tf.expandDims(tf.mul(diff, 2 / B), 1)) as tf.Tensor2D));
      metrics.qLoss = tf.mean(tf.square(diff)).dataSync()[0];

      const pOuts = this.pi0.forwardAll(b.obs);
      const h0 = pOuts[pOuts.length - 1];
      // Target π_i from the updated Q and the current π0, held fixed: d/dh0 of −Σ π_i log softmax(h0) = softmax(h0) − π_i.
      const target = tf.softmax(distralLogits(this.q[task].predict(b.obs), tf.logSoftmax(h0) as tf.Tensor2D, alpha, beta));
      this.pi0Opt.step(this.pi0.backward(pOuts, tf.div(tf.sub(tf.softmax(h0), target), B) as tf.Tensor2D));
      metrics.distillLoss = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(h0)), 1))).dataSync()[0];
      softUpdate(this.qTarget[task].params, this.q[task].params, tau);
    });
    return metrics;
  }

  dispose(): void {
    for (const x of [...this.q, ...this.qTarget, this.pi0, ...this.qOpt, this.pi0Opt]) x.dispose();
  }
}
