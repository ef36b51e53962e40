/**
 * The student's evaluation return during distillation (the thesis evaluates every 10k steps with
 * 10 episodes): every `every` steps each task is played `episodes` times with deterministic
 * actions, from the same start states each time, so the points of a curve are comparable. The
 * network is copied to plain JS first (fast acting, no tensors).
 */
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Env } from '../envs/types.ts';
import { getEnv, prepareEnv } from '../envs/registry.ts';
import { JsMlp } from '../nn/js-mlp.ts';
import type { MlpSpec, NamedWeight } from '../nn/mlp.ts';
import type { StudentSpec } from '../nn/student.ts';
import { episodeReturns } from './evaluate.ts';

export interface StudentCurvesOptions {
  readonly envId: string;
  /** The env's configuration as its codec decoded it (a TaskEnv's `config`). */
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Evaluate every this many distillation steps (and after the last). */
  readonly every: number;
  readonly episodes: number;
}

export class StudentCurves {
  private constructor(
    private readonly envs: readonly Env[],
    private readonly o: StudentCurvesOptions,
    private readonly rng: Rng,
  ) {}

  /** One env per task, in the student's task order (RNG `env/<task>`; episodes `episode/<e>` of `rng`). */
  static async create(tasks: readonly string[], o: StudentCurvesOptions, rng: Rng): Promise<StudentCurves> {
    const found = getEnv(o.envId);
    if (E.isLeft(found)) throw new DistilleryFailure(found.left);
    const family = await prepareEnv(found.right);
    if (E.isLeft(family)) throw new DistilleryFailure(family.left);
    return new StudentCurves(
      tasks.map((task) => family.right.make(task, o.envConfig, rng.split(`env/${task}`).seed())),
      o,
      rng,
    );
  }

  due(step: number, lastStep: number): boolean {
    return step % this.o.every === 0 || step === lastStep;
  }

  /** Mean return per task of the student whose network is `weights`. */
  returns(spec: StudentSpec, mlp: MlpSpec, weights: readonly NamedWeight[]): number[] {
    const net = JsMlp.fromWeights(mlp, weights);
    return this.envs.map((env, task) => {
      const x = new Float32Array(net.inputSize);
      if (spec.encoding === 'onehot') x[spec.stateDim + task] = 1;
      else x[spec.stateDim] = task;
      const act = (obs: ArrayLike<number>) => {
        for (let k = 0; k < spec.stateDim; k++) x[k] = obs[k];
        const out = net.forward1(x);
        return spec.head === 'gaussian' ? out.slice(0, spec.actionDim) : out;
      };
      const rs = episodeReturns(env, act, this.o.episodes, this.rng.split(`task/${task}`));
      return rs.reduce((a, b) => a + b, 0) / rs.length;
    });
  }
}
