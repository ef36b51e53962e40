/**
 * End-to-end check of a dataset file: what `distillery verify` runs on a file received from
 * someone else. Opening already checks the structure (every count, length and offset of the
 * footer and headers), the schema, the metadata and the task dictionary against the metadata's
 * tasks; this then reads every record batch (against its checksum, when the file has them) and
 * checks the rows:
 *
 * - every value of the float columns is finite;
 * - inside an episode (same task and episode id, in file order) steps are consecutive,
 *   `observation[t] == next_observation[t − 1]` and `physics[t] == next_physics[t − 1]`, exactly;
 * - no row of an episode comes after its terminal (terminated or truncated) row;
 * - steps are non-negative, discrete actions lie in the action space.
 *
 * Everything wrong is collected (the first few of each kind in detail, then counts), not just
 * the first problem.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { TransitionBatch } from '../core/batch.ts';
import { errorOf, type DistilleryError } from '../core/errors.ts';
import { openDatasetReader, setOwn, type DatasetReader } from './reader.ts';
import { countNonFiniteValues, firstNonFinite, floatColumns } from './finite.ts';

export interface VerifyTaskReport {
  readonly transitions: number;
  readonly episodes: number;
  /** Episodes with rows but no terminal row by the end of the file. */
  readonly unfinishedEpisodes: number;
}

export interface VerifyReport {
  readonly path: string;
  /** No problem found. */
  readonly ok: boolean;
  readonly rows: number | null;
  readonly recordBatches: number | null;
  /**
   * 'verified': every record batch matched its checksum; 'mismatch': some did not; 'absent': the
   * file has none; 'stale': it has checksums of another layout (rewritten by another tool);
   * 'unchecked': the file could not be opened.
   */
  readonly checksums: 'verified' | 'mismatch' | 'absent' | 'stale' | 'unchecked';
  readonly tasks: Readonly<Record<string, VerifyTaskReport>>;
  /** Non-finite values per float column (only columns that have some). */
  readonly nonFinite: Readonly<Record<string, number>>;
  /** What is wrong, one line each (the first DETAILS of each kind, then a count of the rest). */
  readonly problems: readonly string[];
  /** What is worth knowing but not wrong (no checksums, unfinished episodes…). */
  readonly notes: readonly string[];
}

/** Detailed messages kept per kind of problem; the rest are counted. */
const DETAILS = 5;

class Problems {
  private readonly byKind = new Map<string, { shown: string[]; count: number }>();
  add(kind: string, message: string): void {
    let k = this.byKind.get(kind);
    if (!k) this.byKind.set(kind, (k = { shown: [], count: 0 }));
    k.count++;
    if (k.shown.length < DETAILS) k.shown.push(message);
  }
  get size(): number {
    return this.byKind.size;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [kind, k] of this.byKind) {
      out.push(...k.shown);
      if (k.count > k.shown.length) out.push(`… and ${k.count - k.shown.length} more ${kind}`);
    }
    return out;
  }
}

interface OpenEpisode {
  lastStep: number;
  readonly nextObservation: Float32Array;
  readonly nextPhysics?: Float64Array;
}

/**
 * Verifies a dataset file. Left only when the file cannot be looked at (missing, unreadable);
 * everything wrong with its content is in the report's `problems`.
 */
export const verifyDataset = async (path: string): Promise<E.Either<DistilleryError, VerifyReport>> => {
  const opened = await openDatasetReader(path)();
  if (E.isLeft(opened)) {
    if (opened.left.code === 'not-found' || opened.left.code === 'io') return opened;
    const message = opened.left.message.startsWith(`${path}: `) ? opened.left.message.slice(path.length + 2) : opened.left.message;
    return E.right({ path, ok: false, rows: null, recordBatches: null, checksums: 'unchecked', tasks: {}, nonFinite: {}, problems: [message], notes: [] });
  }
  const reader = opened.right;
  try {
    return E.right(await checkRows(reader));
  } finally {
    await reader.close();
  }
};

const checkRows = async (reader: DatasetReader): Promise<VerifyReport> => {
  const problems = new Problems();
  const notes: string[] = [];
  const nonFinite = new Map<string, number>();
  const tasks = new Map<string, { transitions: number; episodes: number }>();
  const open = new Map<string, OpenEpisode>();
  const ended = new Set<string>();
  const { actionSpace } = reader.metadata;
  let rows = 0;
  let checksumMismatch = false;

  const row = (b: TransitionBatch, r: number): void => {
    const ep = b.episode[r];
    const step = b.step[r];
    const where = `task ${b.task}, episode ${ep}, step ${step}`;
    const key = `${ep}\u0000${b.task}`;
    if (step < 0) problems.add('negative steps', `${where}: negative step`);
    if (b.discreteActions && actionSpace.kind === 'discrete') {
      const a = b.action[r];
      if (!(a >= 0 && a < actionSpace.n)) problems.add('actions outside the action space', `${where}: action ${a} is outside Discrete(${actionSpace.n})`);
    }
    const { obsDim } = b;
    const obs = b.observation.subarray(r * obsDim, (r + 1) * obsDim);
    const physDim = b.physics?.dim ?? 0;
    const phys = b.physics?.state.subarray(r * physDim, (r + 1) * physDim);
    let st = open.get(key);
    if (st === undefined) {
      if (ended.has(key)) problems.add('rows after an episode ended', `${where}: a row after the episode's terminal row`);
      st = { lastStep: step, nextObservation: new Float32Array(obsDim), ...(b.physics ? { nextPhysics: new Float64Array(physDim) } : {}) };
      open.set(key, st);
      const t = tasks.get(b.task)!;
      t.episodes++;
    } else {
      if (step !== st.lastStep + 1) problems.add('step gaps', `${where}: follows step ${st.lastStep} of the same episode (steps must be consecutive)`);
      const j = firstDifference(obs, st.nextObservation);
      if (j >= 0)
        problems.add(
          'observation discontinuities',
          `${where}: observation[${j}] = ${obs[j]}, but the previous step's next_observation[${j}] = ${st.nextObservation[j]}`,
        );
      if (phys && st.nextPhysics) {
        const k = firstDifference(phys, st.nextPhysics);
        if (k >= 0) problems.add('physics discontinuities', `${where}: physics[${k}] = ${phys[k]}, but the previous step's next_physics[${k}] = ${st.nextPhysics[k]}`);
      }
      st.lastStep = step;
    }
    st.nextObservation.set(b.nextObservation.subarray(r * obsDim, (r + 1) * obsDim));
    if (b.physics && st.nextPhysics) st.nextPhysics.set(b.physics.nextState.subarray(r * physDim, (r + 1) * physDim));
    if (b.terminated[r] !== 0 || b.truncated[r] !== 0) {
      open.delete(key);
      ended.add(key);
    }
  };

  for (let i = 0; i < reader.numRecordBatches; i++) {
    let runs: TransitionBatch[];
    try {
      runs = await reader.recordBatchRuns(i);
    } catch (e) {
      const message = errorOf(e).message;
      if (/does not match its checksum/.test(message)) checksumMismatch = true;
      problems.add('unreadable record batches', message.startsWith(`${reader.path}: `) ? message.slice(reader.path.length + 2) : message);
      // Rows are missing: continuity across the gap cannot be judged.
      open.clear();
      continue;
    }
    for (const b of runs) {
      rows += b.size;
      if (!tasks.has(b.task)) tasks.set(b.task, { transitions: 0, episodes: 0 });
      tasks.get(b.task)!.transitions += b.size;
      for (const [name, values, per] of floatColumns(b)) {
        const n = countNonFiniteValues(values);
        if (n === 0) continue;
        nonFinite.set(name, (nonFinite.get(name) ?? 0) + n);
        const at = Math.floor(firstNonFinite(values) / per);
        problems.add(`rows with non-finite '${name}'`, `task ${b.task}, episode ${b.episode[at]}, step ${b.step[at]}: '${name}' holds ${values[firstNonFinite(values)]} (${n} non-finite values in this record batch)`);
      }
      for (let r = 0; r < b.size; r++) row(b, r);
    }
  }

  const checksums = checksumMismatch ? 'mismatch' : reader.checksums === undefined ? 'absent' : reader.checksums.applies ? 'verified' : 'stale';
  if (checksums === 'absent') notes.push("no checksums (written before they existed, or by another tool): a changed value in the body cannot be detected");
  if (checksums === 'stale') notes.push("its 'distillery.checksum' describes another layout (the file was rewritten by another tool): not checked");
  const unfinished = new Map<string, number>();
  for (const key of open.keys()) {
    const task = key.slice(key.indexOf('\u0000') + 1);
    unfinished.set(task, (unfinished.get(task) ?? 0) + 1);
  }
  for (const [task, n] of unfinished) notes.push(`${n} episode${n === 1 ? '' : 's'} of task ${task} ha${n === 1 ? 's' : 've'} no terminal row (the data ends mid-episode)`);
  for (const t of reader.metadata.tasks) if (!tasks.has(t)) notes.push(`task ${t} is in the metadata but has no rows`);
  if (rows !== reader.numRows && !problems.size) problems.add('row counts', `read ${rows} rows, the headers say ${reader.numRows}`);

  const taskReport: Record<string, VerifyTaskReport> = {};
  for (const [task, t] of tasks) setOwn(taskReport, task, { transitions: t.transitions, episodes: t.episodes, unfinishedEpisodes: unfinished.get(task) ?? 0 });
  const nonFiniteReport: Record<string, number> = {};
  for (const [column, n] of nonFinite) setOwn(nonFiniteReport, column, n);
  const lines = problems.lines();
  return {
    path: reader.path,
    ok: lines.length === 0,
    rows: reader.numRows,
    recordBatches: reader.numRecordBatches,
    checksums,
    tasks: taskReport,
    nonFinite: nonFiniteReport,
    problems: lines,
    notes,
  };
};

/** First index where a and b differ (NaN equals NaN: non-finite values are reported on their own), or −1. */
const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  for (let j = 0; j < a.length; j++) {
    const x = a[j];
    const y = b[j];
    if (x !== y && !(x !== x && y !== y)) return j;
  }
  return -1;
};
