import type * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, mergeMap, map, type OperatorFunction } from 'rxjs';
import { PositiveInt, section, withDefault } from '../../core/codecs.ts';
import { DistilleryFailure, distilleryError } from '../../core/errors.ts';
import { progress, result } from '../../core/events.ts';
import type { Rng } from '../../core/rng.ts';
import { readAllBatches } from '../../jobs/common.ts';
import { sharedComputation, type LayerSharing } from '../../metrics/shared-computation.ts';
import { loadStudentNet, studentActivations, type StudentNet } from '../../nn/student-activations.ts';
import type { RunContext } from '../context.ts';

// Activation capture is part of the public API through this module (pipelines import only `distillery`).
export { loadStudentNet, studentActivations, type ActivationMatrix, type StudentNet } from '../../nn/student-activations.ts';

export const SharingParams = section(
  {
    states: withDefault(PositiveInt, 500, "states sampled (without replacement) from each task's dataset"),
  },
  "shared computation: Kendall τ between the student's hidden-layer activations under two task ids",
);
export type SharingParams = t.TypeOf<typeof SharingParams>;

export interface SharingOptions {
  /** Which of each task's datasets the states come from (the one the student was distilled on). */
  readonly dataset: string;
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
 * States are drawn from each task's dataset `options.dataset` with RNG `sharing/<task>`. The
 * thesis uses states the student collects itself for the average τ; the dataset's states are the
 * distribution the student was trained on, and need no further rollouts.
 * Results: `<key>.layer<l>.<ti>-<tj>` = {tasks, perState: {a, b, c: {mean, std, states,
 * undefinedStates}}, average: {a, b, c}}, `<key>.layer<l>.zeros.<task>` (fraction of exactly-zero
 * activations: the ties that separate τ-a from τ-b), `<key>.layer<l>.meanActivation.<task>`,
 * `<key>.states.<task>`. Layers are numbered from 1 as in the thesis.
 *
 *   {tasks, student} ──measureSharing──▶ {tasks, student, sharing: {states, layers}}
 */
export const measureSharing = <V extends SharingSubject>(
  p: SharingParams,
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
        const path = datasets[options.dataset];
        if (path === undefined) throw new DistilleryFailure(distilleryError('not-found', `shared computation: task ${task} has no ${options.dataset} dataset`));
        samples.push(await sampleStates(path, task, student.right, p.states, ctx.rng.split(`sharing/${task}`)));
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

/** `n` observations of a dataset drawn without replacement (all of them when it has fewer). */
const sampleStates = async (path: string, task: string, student: StudentNet, n: number, rng: Rng): Promise<Float32Array> => {
  const batches = await readAllBatches([path]);
  const dim = student.spec.stateDim;
  const mismatch = batches.find((b) => b.obsDim !== dim);
  if (mismatch) throw new DistilleryFailure(distilleryError('invalid-input', `${path}: observations of size ${mismatch.obsDim}, the student's states have ${dim}`));
  const total = batches.reduce((s, b) => s + b.size, 0);
  if (total === 0) throw new DistilleryFailure(distilleryError('bad-file', `${path}: no transitions for task ${task}`));
  const rows = new Float32Array(total * dim);
  let at = 0;
  for (const b of batches) {
    rows.set(b.observation.subarray(0, b.size * dim), at * dim);
    at += b.size;
  }
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
