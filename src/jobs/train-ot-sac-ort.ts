/**
 * The OT-maze SAC job's ORT engine hook: a discrete SAC learner's updates run on ONNX Runtime
 * (OrtSacDiscrete) and its exploration samples from π in plain JS on the live ORT weights, with
 * the same minibatch and action draws, in the same order, as onlineLearner + SacDiscrete make
 * them, so a run is the tfjs run to float rounding. The tfjs learner only supplies the initial
 * weights (its RNG path creates them) and the replay buffer.
 */
import type { ActOptions, Metrics, OnlineLearner } from '../algos/learner.ts';
import type { SampledBatch } from '../algos/replay-buffer.ts';
import { SacDiscrete } from '../algos/sac/sac-discrete.ts';
import type { Rng } from '../core/rng.ts';
import { usesOrt } from '../nn/backend.ts';
import { OrtSacDiscrete } from '../nn/ort-sac-discrete.ts';

export interface OrtSacEngine {
  act(states: Float32Array, n: number, options?: ActOptions): Float32Array;
  /** onlineLearner.update: sample the minibatch from the learner's buffer, then step. */
  update(rng: Rng): Metrics;
  /** SacDiscrete.update on a given minibatch (the OT proxy adds to its rewards first). */
  updateOn(batch: SampledBatch): Metrics;
  dispose(): void;
}

/** The ORT engine when the backend uses ORT and the learner is discrete SAC. */
export const ortSacEngine = (learner: OnlineLearner & { readonly algo: unknown }, backend: string): OrtSacEngine | undefined => {
  const algo = learner.algo;
  if (!(algo instanceof SacDiscrete) || !usesOrt(backend)) return undefined;
  const ort = new OrtSacDiscrete(algo.dims.obsDim, algo.dims.actions, { ...algo.hyper, targetEntropy: algo.temperature.targetEntropy }, algo.weights());
  return {
    act: (states, n, options) => ort.act(states, n, options),
    update: (rng) => ort.update(learner.buffer.sample(algo.hyper.batchSize, rng)),
    updateOn: (batch) => ort.update(batch),
    dispose: () => ort.dispose(),
  };
};
