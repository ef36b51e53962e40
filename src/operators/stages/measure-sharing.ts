import type * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, mergeMap, map, type OperatorFunction } from 'rxjs';
import { PositiveInt, oneOf, section, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { progress, result } from '../../core/events.ts';
import type { Rng } from '../../core/rng.ts';
import { readAllBatches } from '../../jobs/common.ts';
import { episodeReturns, loadStudentActor } from '../../jobs/evaluate.ts';
import { sharedComputation, type LayerSharing } from '../../metrics/shared-computation.ts';
import { loadStudentNet, studentActivations } from '../../nn/student-activations.ts';
import type { RunContext } from '../context.ts';
import type { TaskEnv } from '../with-env.ts';
import { datasetKindOf, type DatasetChoice } from './dataset-choice.ts';

// Activation capture is part of the public API through this module (pipelines import only `distillery`).
export { loadStudentNet, studentActivations, type ActivationMatrix, type StudentNet } from '../../nn/student-activations.ts';

export const SharingParams = section(
  {
    states: withDefault(PositiveInt, 500, 'states sampled (without replacement) per task'),
    source: withDefault(
      oneOf(['dataset', 'student'] as const, 'SharingSource'),
      'dataset',
      "where each task's states come from: its dataset (what the student was distilled on) or the student's own episodes on the task (the thesis)",
    ),
    episodes: withDefault(PositiveInt, 10, 'source=student: episodes the student plays per task (deterministic actions)'),
  },
  "shared computation: Kendall τ between the student's hidden-layer activations under two task ids",
);
export type SharingParams = t.TypeOf<typeof SharingParams>;

export interface SharingOptions {
  /** Which of each task's datasets the states come from (the one the student was distilled on). */
  readonly dataset: DatasetChoice;
  /** results.json prefix (default `sharing`), so that several students of one run keep apart. */
  readonly key?: string;
}

export interface SharingReport {
  /** States sampled per task (fewer than asked when a dataset is smaller). */
  readonly states: Readonly<Record<string, number>>;
  readonly layers: readonly LayerSharing[];
}

/** What the stage reads from a record: the tasks in the student's order, their datasets, the student. */
export interface SharingSubject {
  readonly tasks: readonly { readonly task: string; readonly datasets: Readonly<Record<string, string>> }[];
  readonly student: { readonly checkpointDir: string };
}

/**
 * Shared computation of a distilled student (docs/facts.md, "Shared computation"), for its m
 * tasks (task index i = position in `tasks`, as `distill` numbers them):
 *
 * * per-state τ: the states of every task's sample together (one shared pool), each through the
 *   student with task i and with task j; one τ per state and layer.
 * * average τ: task i's own sample through id i; mean activation per neuron; one τ per layer.
 *
 * Each task's states are drawn (RNG `sharing/<task>`) from its dataset `options.dataset` (the
 * distribution the student was distilled on; no rollouts) or, with `source: 'student'`, from
 * `episodes` episodes the student plays on the task itself, as the thesis does (env RNG
 * `sharing-env/<task>`, episodes `sharing-episodes/<task>`).
 * Results: `<key>.layer<l>.<ti>-<tj>` = {tasks, perState: {a, b, c: {mean, std, states,
 * undefinedStates}}, average: {a, b, c}}, `<key>.layer<l>.zeros.<task>` (fraction of exactly-zero
 * activations: the ties that separate τ-a from τ-b), `<key>.layer<l>.meanActivation.<task>`,
 * `<key>.states.<task>`. Layers are numbered from 1 as in the thesis.
 *
 *   {tasks, student} ──measureSharing──▶ {tasks, student, sharing: {states, layers}}
 */
export const measureSharing = <V extends SharingSubject>(
  p: SharingParams,
  env: TaskEnv,
  ctx: RunContext,
  options: SharingOptions,
): OperatorFunction<V, V & { readonly sharing: SharingReport }> =>
  mergeMap((v: V) =>
    defer(async () => {
      const student = await loadStudentNet(v.student.checkpointDir)();
      if (E.isLeft(student)) throw new DistilleryFailure(student.left);
      if (student.right.spec.tasks !== v.tasks.length)
        throw new DistilleryFailure(distilleryError('invalid-input', `shared computation: the student has ${student.right.spec.tasks} tasks, the run ${v.tasks.length}`));
      const samples: Float32Array[] = [];
      for (const [i, { task, datasets }] of v.tasks.entries()) {
        ctx.emit(progress('sharing', 'shared computation (Kendall τ)', i, v.tasks.length + 1, 'tasks'));
        const dim = student.right.spec.stateDim;
        const rows = p.source === 'student' ? await studentStates(v.student.checkpointDir, i, task, p.episodes, env, ctx) : await datasetStates(datasets, datasetKindOf(options.dataset, task), task, dim);
        samples.push(sample(rows, dim, p.states, ctx.rng.split(`sharing/${task}`), task));
      }
      return { student: student.right, samples };
    }).pipe(
      map(({ student, samples }) => {
        const tasks = v.tasks.map((x) => x.task);
        const pool = concat(samples);
        const capture = (states: Float32Array, i: number) => {
          const acts = studentActivations(student, states, i);
          if (E.isLeft(acts)) throw new DistilleryFailure(acts.left);
          return acts.right;
        };
        const layers = sharedComputation({
          tasks,
          sameStates: tasks.map((_, i) => capture(pool, i)),
          ownStates: samples.map((s, i) => capture(s, i)),
        });
        const key = options.key ?? 'sharing';
        const states = Object.fromEntries(tasks.map((task, i) => [task, samples[i].length / student.spec.stateDim]));
        ctx.emit(result(`${key}.states`, states));
        for (const layer of layers) {
          const name = `${key}.layer${layer.layer + 1}`;
          for (const pair of layer.pairs) ctx.emit(result(`${name}.${pair.tasks[0]}-${pair.tasks[1]}`, { tasks: pair.tasks, perState: pair.perState, average: pair.average }));
          ctx.emit(result(`${name}.zeros`, layer.zeros));
          ctx.emit(result(`${name}.meanActivation`, layer.meanActivation));
        }
        ctx.emit(progress('sharing', 'shared computation (Kendall τ)', tasks.length + 1, tasks.length + 1, 'tasks'));
        return { ...v, sharing: { states, layers } };
      }),
    ),
  );

/** Every observation of a task's dataset `kind`, row-major. */
const datasetStates = async (datasets: Readonly<Record<string, string>>, kind: string, task: string, dim: number): Promise<Float32Array> => {
  const path = datasets[kind];
  if (path === undefined) throw new DistilleryFailure(distilleryError('not-found', `shared computation: task ${task} has no ${kind} dataset`));
  const batches = await readAllBatches([path]);
  const other = batches.find((b) => b.obsDim !== dim);
  if (other) throw new DistilleryFailure(distilleryError('invalid-input', `${path}: observations of size ${other.obsDim}, the student's states have ${dim}`));
  return concat(batches.map((b) => b.observation.subarray(0, b.size * b.obsDim)));
};

/** Every observation the student acts on in `episodes` deterministic episodes of `task`. */
const studentStates = async (dir: string, index: number, task: string, episodes: number, env: TaskEnv, ctx: RunContext): Promise<Float32Array> => {
  const actor = await loadStudentActor(dir, index)();
  if (E.isLeft(actor)) throw new DistilleryFailure(actor.left);
  const seen: Float32Array[] = [];
  const e = env.family.make(task, env.config, ctx.rng.split(`sharing-env/${task}`).seed());
  // The actor sees exactly the states visited before each step: record them there.
  episodeReturns(e, (obs) => (seen.push(Float32Array.from(obs)), actor.right(obs)), episodes, ctx.rng.split(`sharing-episodes/${task}`));
  return concat(seen);
};

/** `n` rows of `rows` drawn without replacement (all of them when there are fewer). */
const sample = (rows: Float32Array, dim: number, n: number, rng: Rng, task: string): Float32Array => {
  const total = rows.length / dim;
  if (total === 0) throw new DistilleryFailure(distilleryError('bad-file', `shared computation: no states for task ${task}`));
  // Partial Fisher–Yates over row indices: the first k positions are a uniform sample.
  const k = Math.min(n, total);
  const index = Uint32Array.from({ length: total }, (_, i) => i);
  const out = new Float32Array(k * dim);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(total - i);
    [index[i], index[j]] = [index[j], index[i]];
    out.set(rows.subarray(index[i] * dim, (index[i] + 1) * dim), i * dim);
  }
  return out;
};

const concat = (parts: readonly Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
};
