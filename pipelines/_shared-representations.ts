/**
 * The shared-representation pipelines' common parts (D'Eramo et al. 2020): the task list, the env
 * check, and what mt-dqn, mt-transfer and mt-ddpg report from their runs: per task, one learning-curve chart (a line per method: the mean greedy return over seeds with a
 * 95% Student-t band, Vega-Lite → SVG), and a table of the final return (last evaluation) and the
 * mean return over the whole curve (the area under it: what "learns faster" changes), each with
 * its 95% interval over seeds, and per pair of methods the difference paired by seed.
 * Not a pipeline (the leading `_` keeps it out of the list); it uses the public API only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  artifact,
  distilleryError,
  getEnv,
  buildCurves,
  curveSpec,
  pairedDifference,
  renderVegaLiteSvg,
  result,
  summarize,
  table,
  type MetricPoint,
  type DistilleryError,
  type PipelineEvent,
} from 'distillery';

/** The paper's five tasks (D'Eramo et al. 2020's MT-DQN experiment). */
export const MT_DQN_TASKS = ['classic/cartpole', 'classic/acrobot', 'classic/mountain-car', 'classic/car-on-hill', 'classic/inverted-pendulum-lp'];

/** Every env must exist, be discrete and appear once. */
export const checkDiscreteEnvs = (envs: readonly string[], what: string): E.Either<DistilleryError, void> => {
  if (new Set(envs).size !== envs.length) return E.left(distilleryError('invalid-input', `${what}: an env is listed twice`));
  for (const id of envs) {
    const f = getEnv(id);
    if (E.isLeft(f)) return E.left(distilleryError('invalid-input', `${what}: ${f.left.message}`));
    if (f.right.actionSpace.kind !== 'discrete') return E.left(distilleryError('invalid-input', `${what}: ${id} has continuous actions (MT-DQN needs discrete ones)`));
    if (!f.right.tasks.includes('default')) return E.left(distilleryError('invalid-input', `${what}: ${id} has no task "default"`));
  }
  return E.right(undefined);
};

/** One method's run on some tasks for one seed: the greedy return of each task at each evaluation. */
export interface EvaluatedRun {
  readonly method: string;
  readonly seed: number;
  readonly tasks: readonly string[];
  readonly curve: readonly { readonly step: number; readonly returns: readonly number[] }[];
}

const round3 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
const slug = (task: string): string => task.replace(/\/default$/, '').replaceAll('/', '-');

/** A task's returns in one run, by evaluation step (empty when the run does not hold the task). */
const taskCurve = (run: EvaluatedRun, task: string): { step: number; value: number }[] => {
  const i = run.tasks.indexOf(task);
  return i < 0 ? [] : run.curve.map((c) => ({ step: c.step, value: c.returns[i] }));
};

/**
 * Charts, tables and results over seeds. `compare` lists the method pairs [a, b] whose per-task
 * differences a − b are paired by seed (both must have run with the same seeds).
 */
export const reportTaskCurves = async (
  runs: readonly EvaluatedRun[],
  o: { readonly runDir: string; readonly title: string; readonly methods: readonly string[]; readonly compare: readonly (readonly [string, string])[]; readonly stepLabel: string },
): Promise<PipelineEvent[]> => {
  const events: PipelineEvent[] = [];
  const tasks = [...new Set(runs.flatMap((r) => r.tasks))];
  const rows: (string | number | null)[][] = [];
  const pairedRows: (string | number | null)[][] = [];
  const seeds = new Set(runs.map((r) => r.seed)).size;
  for (const task of tasks) {
    const points: MetricPoint[] = runs.flatMap((r) => taskCurve(r, task).map((p) => ({ name: `${o.title}: ${task}, greedy return`, step: p.step, value: p.value, tags: { method: r.method, seed: String(r.seed) } })));
    const [curve] = buildCurves(points);
    if (curve) {
      const path = join(o.runDir, `curves-${slug(task)}.svg`);
      writeFileSync(path, await renderVegaLiteSvg(curveSpec(curve)));
      events.push(artifact(path, 'figure', `learning curves on ${task} (${o.stepLabel})`));
    }
    const byMethod = new Map<string, { seed: number; final: number; mean: number }[]>();
    for (const method of o.methods) {
      const perSeed = runs
        .filter((r) => r.method === method && r.tasks.includes(task))
        .sort((a, b) => a.seed - b.seed)
        .map((r) => {
          const c = taskCurve(r, task);
          return { seed: r.seed, final: c[c.length - 1].value, mean: c.reduce((s, p) => s + p.value, 0) / c.length };
        });
      if (perSeed.length === 0) continue;
      byMethod.set(method, perSeed);
      const final = summarize(perSeed.map((s) => s.final));
      const area = summarize(perSeed.map((s) => s.mean));
      events.push(
        result(`final.${task}.${method}`, { mean: final.mean, ci95: final.halfWidth, low: final.low, high: final.high, seeds: final.n, perSeed: perSeed.map((s) => s.final) }),
        result(`curveMean.${task}.${method}`, { mean: area.mean, ci95: area.halfWidth, low: area.low, high: area.high, seeds: area.n, perSeed: perSeed.map((s) => s.mean) }),
      );
      rows.push([task, method, round3(final.mean), round3(final.halfWidth), round3(area.mean), round3(area.halfWidth), final.n]);
    }
    for (const [a, b] of o.compare) {
      const x = byMethod.get(a);
      const y = byMethod.get(b);
      if (!x || !y || x.length !== y.length || !x.every((s, i) => s.seed === y[i].seed)) continue;
      const final = pairedDifference(x.map((s) => s.final), y.map((s) => s.final));
      const area = pairedDifference(x.map((s) => s.mean), y.map((s) => s.mean));
      events.push(result(`paired.${task}.${a}-minus-${b}`, { final: { mean: final.mean, low: final.low, high: final.high, wins: final.wins }, curveMean: { mean: area.mean, low: area.low, high: area.high, wins: area.wins }, seeds: final.n }));
      pairedRows.push([task, `${a} − ${b}`, round3(final.mean), round3(final.low), round3(final.high), round3(area.mean), round3(area.low), round3(area.high), `${area.wins}/${area.n}`]);
    }
  }
  events.push(
    table(
      `${o.title}: greedy return at the last evaluation and averaged over the curve (± 95% CI over ${seeds} seed${seeds === 1 ? '' : 's'})`,
      ['task', 'method', 'final', '±', 'curve mean', '±', 'seeds'],
      rows,
    ),
  );
  if (pairedRows.length > 0)
    events.push(
      table(
        `${o.title}: differences paired by seed (95% t interval; wins on the curve mean)`,
        ['task', 'methods', 'final diff', 'low', 'high', 'curve-mean diff', 'low', 'high', 'wins'],
        pairedRows,
      ),
    );
  return events;
};
