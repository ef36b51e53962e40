/**
 * MT-DDPG against single-task DDPG (D'Eramo et al. 2020, the continuous-action experiment):
 *
 *   per seed:  [all tasks] ──trainMtDdpg──▶ actor and critic, w_t · shared h · f_t, losses summed   (mt-ddpg)
 *              [task t]    ──trainMtDdpg──▶ the same networks for one task, per task                (ddpg)
 *   ──▶ per task: learning curves (mean over seeds, 95% CI band, SVG), final and curve-mean
 *       returns (± 95% CI over seeds), mt-ddpg − ddpg paired by seed
 *
 * The default tasks are the paper's three, on MuJoCo where the paper used PyBullet: Gymnasium's
 * InvertedPendulum-v5 and InvertedDoublePendulum-v5 and DeepMind Control's cartpole swing-up.
 * `--set 'envs=["classic/pendulum","classic/mountain-car-continuous"]'` runs it on Gymnasium's
 * continuous classic-control envs. Reduced budget: see `run.steps`.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { from, mergeMap, toArray } from 'rxjs';
import {
  MtDdpgRunParams,
  NonEmptyString,
  PositiveInt,
  SeedsParam,
  definePipeline,
  distilleryError,
  forEachSeed,
  getEnv,
  nonEmptyArray,
  result,
  trainMtDdpg,
  withDefault,
  type MtDdpgRunSpec,
} from 'distillery';
import { reportTaskCurves } from './_shared-representations.ts';

const Params = t.type({
  envs: withDefault(nonEmptyArray(NonEmptyString), ['mujoco/inverted-pendulum', 'mujoco/inverted-double-pendulum', 'mujoco/cartpole-swingup'], 'continuous-action envs, task "default" of each'),
  seeds: SeedsParam(3),
  workers: withDefault(PositiveInt, 2, 'jobs at once across seeds'),
  run: MtDdpgRunParams,
});
type Params = t.TypeOf<typeof Params>;

const runsOf = (p: Params): MtDdpgRunSpec[] => {
  const tasks = p.envs.map((env) => ({ env, task: 'default' }));
  return [{ method: 'mt-ddpg', tasks }, ...tasks.map((x) => ({ method: 'ddpg', tasks: [x] }))];
};

export default definePipeline({
  name: 'mt-ddpg',
  description: "MT-DDPG vs single-task DDPG at the same budget (D'Eramo et al. 2020): per-task learning curves with CI bands over seeds, final returns",
  params: Params,
  validate: (p) => {
    if (new Set(p.envs).size !== p.envs.length) return E.left(distilleryError('invalid-input', 'envs: an env is listed twice'));
    for (const id of p.envs) {
      const f = getEnv(id);
      if (E.isLeft(f)) return E.left(distilleryError('invalid-input', `envs: ${f.left.message}`));
      const a = f.right.actionSpace;
      if (a.kind !== 'box' || [...a.low, ...a.high].some((x) => !Number.isFinite(x)))
        return E.left(distilleryError('invalid-input', `envs: ${id} does not have bounded continuous actions (MT-DDPG needs them)`));
      if (!f.right.tasks.includes('default')) return E.left(distilleryError('invalid-input', `envs: ${id} has no task "default"`));
    }
    return E.right(undefined);
  },
  graph: (p, ctx) =>
    forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => from(runsOf(p)).pipe(trainMtDdpg(p.run, seedCtx, { workers: p.workers }), toArray())).pipe(
      mergeMap(async (seeds) => {
        const runs = seeds.flatMap((s) => s.value.map((r) => ({ method: r.method, seed: s.seed, tasks: r.run.tasks, curve: r.run.curve })));
        for (const e of await reportTaskCurves(runs, { runDir: ctx.runDir, title: 'MT-DDPG vs DDPG', methods: ['mt-ddpg', 'ddpg'], compare: [['mt-ddpg', 'ddpg']], stepLabel: 'env steps per task' }))
          ctx.emit(e);
        const seconds = (method: string) => seeds.flatMap((s) => s.value.filter((r) => r.method === method).map((r) => r.run.seconds));
        ctx.emit(result('seconds', { 'mt-ddpg': seconds('mt-ddpg'), ddpg: seconds('ddpg') }));
        ctx.emit(result('datasets', seeds.flatMap((s) => s.value.flatMap((r) => r.run.datasets.map((d) => ({ seed: s.seed, method: r.method, ...d }))))));
        return runs;
      }),
    ),
});
