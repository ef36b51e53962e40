/**
 * MT-DQN against single-task DQN (D'Eramo et al. 2020, "Sharing knowledge in multi-task deep
 * RL", the discrete-action experiment):
 *
 *   per seed:  [all tasks] ──trainMtDqn──▶ one network, w_t · shared h · f_t, losses summed   (mt-dqn)
 *              [task t]    ──trainMtDqn──▶ the same network for one task, per task            (dqn)
 *   ──▶ per task: learning curves (mean over seeds, 95% CI band, SVG), final and curve-mean
 *       returns (± 95% CI over seeds), mt-dqn − dqn paired by seed
 *
 * Same network, hyper-parameters and env steps per task for both; every run's transitions are
 * written as Arrow datasets. The default budget is reduced (see `run.steps`); the paper's is
 * `--set run.steps=50000`.
 */
import * as t from 'io-ts';
import { from, mergeMap, toArray } from 'rxjs';
import {
  MtDqnRunParams,
  NonEmptyString,
  PositiveInt,
  SeedsParam,
  definePipeline,
  forEachSeed,
  nonEmptyArray,
  result,
  trainMtDqn,
  withDefault,
  type MtDqnRunSpec,
} from 'distillery';
import { MT_DQN_TASKS, checkDiscreteEnvs, reportTaskCurves } from './_shared-representations.ts';

const Params = t.type({
  envs: withDefault(nonEmptyArray(NonEmptyString), MT_DQN_TASKS, 'discrete-action envs, task "default" of each (the network has one w_t and f_t per env)'),
  seeds: SeedsParam(3),
  workers: withDefault(PositiveInt, 2, 'jobs at once across seeds'),
  run: MtDqnRunParams,
});
type Params = t.TypeOf<typeof Params>;

const runsOf = (p: Params): MtDqnRunSpec[] => {
  const tasks = p.envs.map((env) => ({ env, task: 'default' }));
  return [{ method: 'mt-dqn', tasks }, ...tasks.map((x) => ({ method: 'dqn', tasks: [x] }))];
};

export default definePipeline({
  name: 'mt-dqn',
  description: "MT-DQN vs single-task DQN at the same budget (D'Eramo et al. 2020): per-task learning curves with CI bands over seeds, final returns",
  params: Params,
  validate: (p) => checkDiscreteEnvs(p.envs, 'envs'),
  graph: (p, ctx) =>
    forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => from(runsOf(p)).pipe(trainMtDqn(p.run, seedCtx, { workers: p.workers }), toArray())).pipe(
      mergeMap(async (seeds) => {
        const runs = seeds.flatMap((s) => s.value.map((r) => ({ method: r.method, seed: s.seed, tasks: r.run.tasks, curve: r.run.curve })));
        for (const e of await reportTaskCurves(runs, { runDir: ctx.runDir, title: 'MT-DQN vs DQN', methods: ['mt-dqn', 'dqn'], compare: [['mt-dqn', 'dqn']], stepLabel: 'env steps per task' }))
          ctx.emit(e);
        const seconds = (method: string) => seeds.flatMap((s) => s.value.filter((r) => r.method === method).map((r) => r.run.seconds));
        ctx.emit(result('seconds', { 'mt-dqn': seconds('mt-dqn'), dqn: seconds('dqn') }));
        ctx.emit(result('datasets', seeds.flatMap((s) => s.value.flatMap((r) => r.run.datasets.map((d) => ({ seed: s.seed, method: r.method, ...d }))))));
        return runs;
      }),
    ),
});
