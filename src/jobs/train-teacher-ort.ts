/**
 * The teacher job's ORT engine hook: a TD3+BC or PBRL learner's updates run on ONNX Runtime
 * (OrtTd3Bc, OrtPbrl) with the same minibatch and noise draws, in the same order, as
 * offlineLearner + Td3.update / Pbrl.update make them, so a run is the tfjs run to float rounding.
 */
import { clippedNoise } from '../algos/actor-critic.ts';
import type { Metrics } from '../algos/learner.ts';
import type { ReplayBuffer } from '../algos/replay-buffer.ts';
import { Pbrl, oodDecayOf, pbrlUpdateNoise } from '../algos/pbrl/pbrl.ts';
import { oodPenaltyWeight } from '../algos/pbrl/targets.ts';
import { Td3Bc } from '../algos/td3bc/td3bc.ts';
import type { Rng } from '../core/rng.ts';
import { usesOrt } from '../nn/backend.ts';
import { OrtPbrl } from '../nn/ort-pbrl.ts';
import { OrtTd3Bc } from '../nn/ort-td3bc.ts';

export interface OrtTeacherUpdater {
  /** One update: sample, draw the smoothing noise, step (offlineLearner's order). */
  update(rng: Rng): Metrics;
  /** Writes the trained networks back into the tfjs learner (for saving). */
  sync(): void;
  dispose(): void;
}

/** The ORT updater when the backend uses ORT and the algorithm is one it covers (TD3+BC, PBRL). */
export const ortTeacherUpdater = (algo: unknown, buffer: ReplayBuffer, backend: string): OrtTeacherUpdater | undefined => {
  if (!usesOrt(backend)) return undefined;
  if (algo instanceof Pbrl) return ortPbrlUpdater(algo, buffer);
  if (!(algo instanceof Td3Bc)) return undefined;
  const h = algo.bcHyper;
  const ort = new OrtTd3Bc(algo.dims.obsDim, algo.dims.actDim, h, algo.weights());
  return {
    update: (rng) => {
      const batch = buffer.sample(h.batchSize, rng);
      return ort.update(batch, clippedNoise(rng, batch.size * algo.dims.actDim, h.policyNoise, h.noiseClip));
    },
    sync: () => algo.setWeights(ort.weights()),
    dispose: () => ort.dispose(),
  };
};

/** PBRL: sample, draw (pbrlUpdateNoise, Pbrl.update's order), β_ood of this update, step. */
const ortPbrlUpdater = (algo: Pbrl, buffer: ReplayBuffer): OrtTeacherUpdater => {
  const h = algo.hyper;
  const { obsDim, actDim } = algo.dims;
  const ort = new OrtPbrl(obsDim, actDim, h, algo.weights());
  const schedule = { initial: h.betaOodInitial, decay: oodDecayOf(h), min: h.betaOodMin };
  return {
    update: (rng) => {
      const batch = buffer.sample(h.batchSize, rng);
      const noise = pbrlUpdateNoise(rng, h, batch.size, actDim, ort.nextUpdatesActor);
      return ort.update(batch, noise, oodPenaltyWeight(ort.updateCount, schedule));
    },
    sync: () => algo.setWeights(ort.weights()),
    dispose: () => ort.dispose(),
  };
};
