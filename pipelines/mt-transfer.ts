/**
 * Transfer of the shared representation (D'Eramo et al. 2020, the MT-DQN transfer experiment):
 *
 *   per seed, per held-out env h:
 *     [envs − h] ──trainMtDqn──▶ shared block h(·) ──▶ [h] ──trainMtDqn (h frozen: only w_h, f_h learn)──▶ (transfer)
 *     [h] ──trainMtDqn from scratch (every layer learns)──────────────────────────────────────────────▶ (scratch)
 *   ──▶ per held-out env: learning curves (mean over seeds, 95% CI band, SVG), final and
 *       curve-mean returns (± 95% CI), transfer − scratch paired by seed
 *
 * The source and target runs use the same network, hyper-parameters and env steps per task;
 * transfer and scratch start w_h and f_h from the same initial weights and see the same env
 * streams. `--set freeze=false` fine-tunes the loaded block instead of freezing it.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { from, map, merge, mergeMap, toArray } from 'rxjs';
import {
  MtDqnRunParams,
  NonEmptyString,
  PositiveInt,
  SeedsParam,
  definePipeline,
  distilleryError,
  forEachSeed,
  nonEmptyArray,
  result,
  trainMtDqn,
  withDefault,
  type MtDqnRunSpec,
  type TrainMtDqnOutput,
} from 'distillery';
import { MT_DQN_TASKS, checkDiscreteEnvs, reportTaskCurves } from './_shared-representations.ts';

const Params = t.type({
  envs: withDefault(nonEmptyArray(NonEmptyString), MT_DQN_TASKS, 'the tasks; each held-out one is learned after the others'),
  heldOut: withDefault(nonEmptyArray(NonEmptyString), ['classic/cartpole'], 'held-out envs (each one of `envs`; one source run per held-out env and seed)'),
  freeze: withDefault(t.boolean, true, "keep the transferred shared block fixed (the paper's setting) or fine-tune it"),
  seeds: SeedsParam(3),
  workers: withDefault(PositiveInt, 2, 'jobs at once across seeds'),
  run: MtDqnRunParams,
});
type Params = t.TypeOf<typeof Params>;

/** A run on the held-out env; a transfer run carries its source run (the multi-task run it took the shared block from). */
type Spec = MtDqnRunSpec & { readonly heldOut: string; readonly source?: TrainMtDqnOutput };

const one = (env: string) => [{ env, task: 'default' }];

export default definePipeline({
  name: 'mt-transfer',
  description: "Transfer of MT-DQN's shared layers learned on m−1 tasks to the held-out task vs learning it from scratch (D'Eramo et al. 2020)",
  params: Params,
  validate: (p) => {
    const ok = checkDiscreteEnvs(p.envs, 'envs');
    if (E.isLeft(ok)) return ok;
    if (p.envs.length < 2) return E.left(distilleryError('invalid-input', 'envs: transfer needs at least two envs (one held out, the others to learn from)'));
    const stray = p.heldOut.find((h) => !p.envs.includes(h));
    return stray === undefined ? E.right(undefined) : E.left(distilleryError('invalid-input', `heldOut: ${stray} is not one of envs (${p.envs.join(', ')})`));
  },
  graph: (p: Params, ctx) =>
    forEachSeed(p.seeds, ctx, { workers: p.workers }, (seedCtx) => {
      const train = trainMtDqn<Spec>(p.run, seedCtx, { workers: p.workers });
      const scratch = from(p.heldOut).pipe(
        map((h): Spec => ({ method: 'scratch', heldOut: h, tasks: one(h) })),
        train,
      );
      const transfer = from(p.heldOut).pipe(
        map((h): Spec => ({ method: 'source', heldOut: h, tasks: p.envs.filter((e) => e !== h).map((env) => ({ env, task: 'default' })) })),
        trainMtDqn<Spec>(p.run, seedCtx, { workers: p.workers }),
        map((source): Spec => ({ method: 'transfer', heldOut: source.heldOut, tasks: one(source.heldOut), shared: { weights: source.run.sharedWeights, freeze: p.freeze }, source: source.run })),
        trainMtDqn<Spec>(p.run, seedCtx, { workers: p.workers }),
      );
      return merge(scratch, transfer).pipe(toArray());
    }).pipe(
      mergeMap(async (seeds) => {
        const runs = seeds.flatMap((s) => s.value.map((r) => ({ method: r.method, seed: s.seed, tasks: r.run.tasks, curve: r.run.curve })));
        const title = `Transfer (${p.freeze ? 'shared layers frozen' : 'shared layers fine-tuned'}) vs scratch`;
        for (const e of await reportTaskCurves(runs, { runDir: ctx.runDir, title, methods: ['transfer', 'scratch'], compare: [['transfer', 'scratch']], stepLabel: 'env steps on the held-out task' }))
          ctx.emit(e);
        const datasets = seeds.flatMap((s) =>
          s.value.flatMap((r) => [
            ...(r.source?.datasets ?? []).map((d) => ({ seed: s.seed, method: 'source', heldOut: r.heldOut, ...d })),
            ...r.run.datasets.map((d) => ({ seed: s.seed, method: r.method, heldOut: r.heldOut, ...d })),
          ]),
        );
        ctx.emit(result('datasets', datasets));
        // what the shared blocks were learned from: each source run's final greedy returns
        for (const s of seeds)
          for (const r of s.value)
            if (r.source) {
              const last = r.source.curve[r.source.curve.length - 1];
              ctx.emit(result(`source.${r.heldOut}.seed${s.seed}`, Object.fromEntries(r.source.tasks.map((task, i) => [task, last.returns[i]]))));
            }
        return runs;
      }),
    ),
});
