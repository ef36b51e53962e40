/**
 * Saved policies: an actor network (plus, for teachers, its critics and state normalization) in a
 * checkpoint directory, with a small architecture record. Loads as a fast JS policy for acting in
 * envs, or as tfjs networks for distillation.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { PositiveInt, decode, oneOf, withDefault } from '../core/codecs.ts';
import type { DistilleryError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { loadCheckpoint, saveCheckpoint, StateNormalizer, type NamedWeight } from '../nn/index.ts';
import { JsMlp } from '../nn/js-mlp.ts';
import { mlpSpec, type MlpSpec } from '../nn/mlp.ts';
import type { Policy } from '../envs/types.ts';

export const PolicyArchitectureCodec = t.type({
  kind: t.literal('policy'),
  /** What produced it: td3 (behavior), pbrl / td3bc (teachers). */
  algo: t.string,
  obsDim: PositiveInt,
  actDim: PositiveInt,
  hidden: t.array(PositiveInt),
  /** Number of critics stored under `critic/` (0: actor only). */
  critics: t.number,
  /** Whether `stateNorm/mean` and `stateNorm/std` are stored (TD3+BC normalizes its inputs). */
  stateNorm: t.boolean,
  /**
   * `gaussian`: the thesis' stochastic actor, 2·actDim tanh outputs [μ | log σ] (boundedGaussian),
   * deterministic action μ. Checkpoints written before this field have deterministic actors.
   */
  actorHead: withDefault(oneOf(['deterministic', 'gaussian'] as const, 'ActorHead'), 'deterministic'),
});
export type PolicyArchitecture = t.TypeOf<typeof PolicyArchitectureCodec>;

export interface PolicyModel {
  readonly architecture: PolicyArchitecture;
  readonly weights: readonly NamedWeight[];
}

export const actorSpecOf = (a: PolicyArchitecture): MlpSpec => mlpSpec([a.obsDim, ...a.hidden, a.actorHead === 'gaussian' ? 2 * a.actDim : a.actDim], 'tanh');
export const criticSpecOf = (a: PolicyArchitecture): MlpSpec => mlpSpec([a.obsDim + a.actDim, ...a.hidden, 1]);

/** Keeps what acting and distillation need (actor, critics, normalization), not target networks. */
export const savePolicyModel = (dir: string, model: PolicyModel): TE.TaskEither<DistilleryError, void> =>
  saveCheckpoint(dir, {
    architecture: model.architecture,
    weights: model.weights.filter((w) => /^(actor|critic|stateNorm)\//.test(w.name)),
  });

export const loadPolicyModel = (dir: string): TE.TaskEither<DistilleryError, PolicyModel> =>
  pipe(
    loadCheckpoint(dir),
    TE.chainEitherK((cp) =>
      pipe(
        decode(PolicyArchitectureCodec, cp.architecture, `policy checkpoint ${dir}`),
        E.map((architecture) => ({ architecture, weights: cp.weights })),
      ),
    ),
  );

/** The deterministic action function of a model in plain JS (normalization included). */
export const jsActor = (model: PolicyModel): ((obs: ArrayLike<number>) => Float32Array) => {
  const a = model.architecture;
  const net = JsMlp.fromWeights(actorSpecOf(a), model.weights, 'actor/');
  const norm = a.stateNorm ? StateNormalizer.fromWeights(model.weights) : undefined;
  // A Gaussian actor acts with its mean μ, the first actDim outputs.
  const forward = a.actorHead === 'gaussian' ? (x: ArrayLike<number>) => net.forward1(x).slice(0, a.actDim) : (x: ArrayLike<number>) => net.forward1(x);
  if (!norm) return forward;
  const x = new Float32Array(a.obsDim);
  return (obs) => forward(norm.normalizeInto(obs, x));
};

/**
 * A behavior policy from a model: its deterministic action plus Gaussian noise of std `noise`,
 * clipped to [−1, 1] (noise 0: the deterministic policy, as evaluation uses).
 */
export const modelPolicy = (model: PolicyModel, name: string, noise = 0): Policy => {
  const act = jsActor(model);
  return {
    name: noise > 0 ? `${name}+N(0,${noise}²)` : name,
    act: (obs: Float32Array, rng: Rng) => {
      const a = Float32Array.from(act(obs));
      if (noise > 0) for (let i = 0; i < a.length; i++) a[i] = Math.max(-1, Math.min(1, a[i] + rng.normal(0, noise)));
      return a;
    },
  };
};
