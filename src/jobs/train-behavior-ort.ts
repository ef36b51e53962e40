/**
 * The behavior job's engines: TD3 trained on tfjs (Td3.update, Td3.act), or on ONNX Runtime
 * (OrtTd3) with acting in plain JS from the ORT state's current actor arrays. Both draw the
 * minibatch, the smoothing noise and the exploration noise from the run's RNGs in the same order
 * (ReplayBuffer.sample, clippedNoise, addExplorationNoise, as Td3.update and Td3.act do), so an ORT
 * run is the tfjs run to float rounding.
 */
import { clippedNoise } from '../algos/actor-critic.ts';
import type { Metrics } from '../algos/learner.ts';
import type { ReplayBuffer } from '../algos/replay-buffer.ts';
import { addExplorationNoise, type Td3 } from '../algos/td3/td3.ts';
import type { Rng } from '../core/rng.ts';
import { tfjsBackendOf, usesOrt } from '../nn/backend.ts';
import type { NamedWeight } from '../nn/mlp.ts';
import { OrtTd3 } from '../nn/ort-td3.ts';

export interface BehaviorEngine {
  /** What trains and acts: `ort`, or the tfjs backend's name. */
  readonly name: string;
  /** The exploring action for one observation (a new array). */
  act(obs: Float32Array, rng: Rng): Float32Array;
  /** One TD3 update on a minibatch sampled from `buffer` (Td3.update's draws). */
  update(rng: Rng): Metrics;
  /** The current actor, named as Td3's actor.weights() (`layer0/kernel`, …), copies. */
  actorWeights(): NamedWeight[];
  dispose(): void;
}

/** ORT when the selected backend uses it, else `td3` itself on tfjs. `td3` gives the initial weights either way. */
export const behaviorEngine = (td3: Td3, buffer: ReplayBuffer, backend: string): BehaviorEngine => {
  const h = td3.hyper;
  if (!usesOrt(backend))
    return {
      name: tfjsBackendOf(backend),
      act: (obs, rng) => td3.act(obs, 1, { explore: true, rng }),
      update: (rng) => td3.update(buffer.sample(h.batchSize, rng), rng),
      actorWeights: () => td3.actor.weights(),
      dispose: () => {},
    };
  const ort = new OrtTd3(td3.dims.obsDim, td3.dims.actDim, h, td3.weights());
  return {
    name: 'ort',
    act: (obs, rng) => addExplorationNoise(Float32Array.from(ort.actor().forward1(obs)), h.explorationNoise, rng),
    update: (rng) => {
      const batch = buffer.sample(h.batchSize, rng);
      return ort.update(batch, clippedNoise(rng, batch.size * td3.dims.actDim, h.policyNoise, h.noiseClip));
    },
    actorWeights: () => ort.actorWeights(),
    dispose: () => ort.dispose(),
  };
};
