/**
 * The naive multi-task job's ORT engine hook: NaiveMtLearner's round-robin updates run on ONNX
 * Runtime (OrtNaiveMt) with the same minibatch and noise draws, in the same order, as
 * NaiveMtLearner.update + NaiveMtPbrl.update make them, so a run is the tfjs run to float rounding.
 */
import type { NaiveMtPbrl } from '../algos/naive-mt/naive-mt.ts';
import { pbrlUpdateNoise } from '../algos/pbrl/pbrl.ts';
import { oodPenaltyWeight } from '../algos/pbrl/targets.ts';
import type { ReplayBuffer } from '../algos/replay-buffer.ts';
import { usesOrt } from '../nn/backend.ts';
import { OrtNaiveMt } from '../nn/ort-naive-mt.ts';
import type { OrtTeacherUpdater } from './train-teacher-ort.ts';

/** The teacher job's updater shape; each update is the next task's (round-robin): sample its batch, draw, step. */
export type OrtNaiveMtUpdater = OrtTeacherUpdater;

/** The ORT updater when the backend uses ORT, else undefined (the tfjs NaiveMtLearner trains). */
export const ortNaiveMtUpdater = (algo: NaiveMtPbrl, buffers: readonly ReplayBuffer[], backend: string): OrtNaiveMtUpdater | undefined => {
  if (!usesOrt(backend)) return undefined;
  const h = algo.hyper;
  const ort = new OrtNaiveMt(algo.dims, h, algo.actor.spec.encoding, algo.weights());
  // NaiveMtPbrl.betaOod: each task's own count, decay betaOodDecay as given.
  const schedule = { initial: h.betaOodInitial, decay: h.betaOodDecay, min: h.betaOodMin };
  let cursor = 0;
  return {
    update: (rng) => {
      const task = cursor;
      cursor = (cursor + 1) % buffers.length;
      const batch = buffers[task].sample(h.batchSize, rng);
      const noise = pbrlUpdateNoise(rng, { ...h, actorHead: 'deterministic' }, batch.size, algo.dims.actDim, ort.nextUpdatesActor(task));
      return ort.update(task, batch, noise, oodPenaltyWeight(ort.updateCount(task), schedule));
    },
    sync: () => algo.setWeights(ort.weights()),
    dispose: () => ort.dispose(),
  };
};
