/**
 * D4RL's HDF5 layout (flat arrays over all episodes, docs/facts.md "Dataset formats people
 * already have"): `observations` (N, obs), `actions` (N, act), `rewards` (N), `terminals` (N),
 * `timeouts` (N), optionally `next_observations` (N, obs). Episodes end at a terminal or a
 * timeout. What Distillery adds on export lives under `infos/` (where D4RL keeps extras) and in
 * the root attribute `distillery_metadata`, so that Arrow → HDF5 → Arrow is lossless:
 * `infos/episode`, `infos/step`, `infos/physics`, `infos/next_physics`, `infos/reward/<task>`.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decode } from '../core/codecs.ts';
import { distilleryError, DistilleryFailure, errorOf, type DistilleryError } from '../core/errors.ts';
import { boxOf, discrete } from '../core/spaces.ts';
import { ActionArray, FlagVector, FloatMatrix, NumberVector, openHdf5Reader, openHdf5Writer, type Hdf5Reader, type Hdf5Writer } from './hdf5.ts';
import { episodeStarts, readFlatTask, writeFlatDataset, type FlatTransitions, type ImportedMetadata } from './interop.ts';
import { DatasetMetadataCodec, type DatasetMetadata } from './metadata.ts';

/** The root attribute holding the Distillery metadata of an exported file (JSON). */
export const METADATA_ATTR = 'distillery_metadata';

const D4rlRequired = t.type({ observations: FloatMatrix, actions: ActionArray, rewards: NumberVector, terminals: FlagVector, timeouts: FlagVector });
const D4rlOptional = t.partial({ next_observations: FloatMatrix, 'infos/episode': NumberVector, 'infos/step': NumberVector, 'infos/physics': FloatMatrix, 'infos/next_physics': FloatMatrix });

export interface ImportOptions {
  /** Env id and task recorded in the dataset; required unless the file carries Distillery metadata. */
  readonly envId?: string;
  readonly task?: string;
}

export interface ImportResult {
  readonly rows: number;
  readonly episodes: number;
  readonly bytes: number;
  /** Last transitions of episodes left out because the file has no next_observations. */
  readonly dropped: number;
  readonly returnTotal: number;
}

const bad = (file: string, m: string) => new DistilleryFailure(distilleryError('bad-file', `${file}: ${m}`));

/** 0/1 values of a flag array (h5py booleans, or 0/1 numbers); anything else is a bad file. */
export const flags = (file: string, name: string, values: Float64Array): Uint8Array => {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw bad(file, `${name}[${i}] is ${v}, expected 0 or 1`);
    out[i] = v;
  }
  return out;
};

/** Discrete actions (1-d integers ≥ 0) or box actions (float32). */
export const actionsOf = (file: string, name: string, values: Float64Array, shape: readonly number[]): { action: Float32Array | Int32Array; actDim: number; discrete: boolean } => {
  if (shape.length === 1) {
    const a = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      if (!(Number.isInteger(values[i]) && values[i] >= 0 && values[i] <= 0x7fffffff)) throw bad(file, `${name}[${i}] is ${values[i]}, expected a non-negative integer action`);
      a[i] = values[i];
    }
    return { action: a, actDim: 1, discrete: true };
  }
  return { action: Float32Array.from(values), actDim: shape[1], discrete: false };
};

/** The Distillery metadata an exported file carries (root attribute), decoded; undefined when absent. */
export const carriedMetadata = (r: Hdf5Reader, name = '/'): DatasetMetadata | undefined => {
  const raw = r.attr(name, METADATA_ATTR);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw bad(r.path, `attribute ${METADATA_ATTR} is not a string`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw bad(r.path, `attribute ${METADATA_ATTR} is not JSON`);
  }
  const m = decode(DatasetMetadataCodec, json, `${r.path}: attribute ${METADATA_ATTR}`);
  if (E.isLeft(m)) throw new DistilleryFailure({ ...m.left, code: 'bad-file' });
  return m.right;
};

/** The metadata of an imported dataset: carried metadata, with --env/--task overriding it. */
export const importedMetadata = (
  file: string,
  carried: DatasetMetadata | undefined,
  options: ImportOptions,
  flat: FlatTransitions,
  format: string,
): ImportedMetadata => {
  const envId = options.envId ?? carried?.envId;
  const task = options.task ?? (carried?.tasks.length === 1 ? carried.tasks[0] : undefined);
  if (!envId || !task) throw new DistilleryFailure(distilleryError('invalid-input', `${file}: --env and --task are required (the file carries no Distillery metadata naming them)`));
  let actionSpace = carried?.actionSpace;
  let observationSpace = carried?.observationSpace;
  if (!observationSpace || observationSpace.kind !== 'box' || observationSpace.shape[0] !== flat.obsDim) observationSpace = boxOf(flat.obsDim, -Infinity, Infinity);
  const actionFits = actionSpace && (flat.discreteActions ? actionSpace.kind === 'discrete' : actionSpace.kind === 'box' && actionSpace.shape[0] === flat.actDim);
  if (!actionFits) {
    let n = 0;
    if (flat.discreteActions) for (const a of flat.action) n = Math.max(n, a + 1);
    actionSpace = flat.discreteActions ? discrete(Math.max(1, n)) : boxOf(flat.actDim, -Infinity, Infinity);
  }
  return {
    envId,
    task,
    observationSpace,
    actionSpace: actionSpace!,
    behaviorPolicy: carried?.behaviorPolicy ?? `imported from ${format}`,
    pipeline: carried?.pipeline ?? `import ${format}`,
    ...(carried ? { envConfig: carried.envConfig, seed: carried.seed, createdAt: carried.createdAt } : {}),
    ...(carried?.extra !== undefined ? { extra: carried.extra } : {}),
  };
};

/** Reads a D4RL-layout HDF5 file into flat transitions. */
export const readD4rl = (r: Hdf5Reader): { flat: FlatTransitions; dropped: number } => {
  const file = r.path;
  const names = ['observations', 'actions', 'rewards', 'terminals', 'timeouts', 'next_observations', 'infos/episode', 'infos/step', 'infos/physics', 'infos/next_physics'] as const;
  const infos: Record<string, unknown> = {};
  const root = r.info('/');
  const hasInfos = root?.kind === 'group' && root.keys.includes('infos');
  for (const n of names) {
    if (n.startsWith('infos/') && !hasInfos) continue;
    const top = n.split('/')[0];
    if (root?.kind === 'group' && !root.keys.includes(top)) continue;
    const i = r.info(n);
    if (i !== undefined) infos[n] = i;
  }
  const required = decode(D4rlRequired, infos, `${file} (D4RL layout)`);
  if (E.isLeft(required)) throw new DistilleryFailure({ ...required.left, code: 'bad-file' });
  const optional = decode(D4rlOptional, infos, `${file} (D4RL layout)`);
  if (E.isLeft(optional)) throw new DistilleryFailure({ ...optional.left, code: 'bad-file' });
  const L = { ...optional.right, ...required.right };
  const n = L.observations.shape[0];
  const obsDim = L.observations.shape[1];
  for (const [k, v] of Object.entries(L)) if (v && v.shape[0] !== n) throw bad(file, `${k} has ${v.shape[0]} rows, observations ${n}`);
  if (L.next_observations && L.next_observations.shape[1] !== obsDim) throw bad(file, `next_observations has ${L.next_observations.shape[1]} columns, observations ${obsDim}`);
  if (Boolean(L['infos/physics']) !== Boolean(L['infos/next_physics']) || (L['infos/physics'] && L['infos/physics'].shape[1] !== L['infos/next_physics']!.shape[1]))
    throw bad(file, 'infos/physics and infos/next_physics must come together with the same width');
  const obs = Float32Array.from(r.numbers('observations'));
  const next = L.next_observations ? Float32Array.from(r.numbers('next_observations')) : undefined;
  const { action, actDim, discrete: isDiscrete } = actionsOf(file, 'actions', r.numbers('actions'), L.actions.shape);
  const reward = Float32Array.from(r.numbers('rewards'));
  const terminals = flags(file, 'terminals', r.numbers('terminals'));
  const timeouts = flags(file, 'timeouts', r.numbers('timeouts'));
  const pd = L['infos/physics']?.shape[1];
  const phys = pd !== undefined ? { state: r.numbers('infos/physics'), next: r.numbers('infos/next_physics') } : undefined;
  const infosGroup = hasInfos ? r.info('infos') : undefined;
  const rewardGroup = infosGroup?.kind === 'group' && infosGroup.keys.includes('reward') ? r.info('infos/reward') : undefined;
  const rewardTasks = rewardGroup?.kind === 'group' ? rewardGroup.keys : [];
  const rewardCols: Record<string, Float64Array> = {};
  for (const task of rewardTasks) {
    const i = decode(NumberVector, r.info(`infos/reward/${task}`), `${file}: infos/reward/${task}`);
    if (E.isLeft(i) || i.right.shape[0] !== n) throw bad(file, `infos/reward/${task} is not a 1-d numeric array of ${n} rows`);
    rewardCols[task] = r.numbers(`infos/reward/${task}`);
  }

  // Episodes: stored ids when the file has them (a Distillery export), else split after terminals/timeouts.
  const episode = new Int32Array(n);
  const step = new Int32Array(n);
  if (L['infos/episode'] && L['infos/step']) {
    const e = r.numbers('infos/episode');
    const s = r.numbers('infos/step');
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(e[i]) || !Number.isInteger(s[i]) || e[i] < 0 || s[i] < 0 || e[i] > 0x7fffffff || s[i] > 0x7fffffff) throw bad(file, `infos/episode or infos/step at row ${i} is not a non-negative integer`);
      episode[i] = e[i];
      step[i] = s[i];
    }
  } else {
    let ep = 0;
    let st = 0;
    for (let i = 0; i < n; i++) {
      episode[i] = ep;
      step[i] = st++;
      if (terminals[i] || timeouts[i]) {
        ep++;
        st = 0;
      }
    }
  }
  // Rows kept: without next_observations, an episode's last transition has no next state.
  const keep: number[] = [];
  const truncated = Uint8Array.from(timeouts);
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1 || episode[i + 1] !== episode[i];
    if (last && !terminals[i] && !timeouts[i]) truncated[i] = 1; // the file ends mid-episode
    if (!next && last) {
      dropped++;
      if (keep.length && episode[keep[keep.length - 1]] === episode[i] && !terminals[keep[keep.length - 1]]) truncated[keep[keep.length - 1]] = 1;
      continue;
    }
    keep.push(i);
  }
  const m = keep.length;
  if (m === n && next) {
    // nothing left out: the arrays as read
    return {
      flat: {
        size: n,
        obsDim,
        actDim,
        discreteActions: isDiscrete,
        episode,
        step,
        observation: obs,
        nextObservation: next,
        action,
        reward,
        terminated: terminals,
        truncated,
        ...(phys && pd !== undefined ? { physics: { dim: pd, state: phys.state, nextState: phys.next } } : {}),
        ...(rewardTasks.length ? { rewards: Object.fromEntries(rewardTasks.map((task) => [task, Float32Array.from(rewardCols[task])])) } : {}),
      },
      dropped,
    };
  }
  const flat: FlatTransitions = {
    size: m,
    obsDim,
    actDim,
    discreteActions: isDiscrete,
    episode: Int32Array.from(keep, (i) => episode[i]),
    step: Int32Array.from(keep, (i) => step[i]),
    observation: gather(obs, keep, obsDim, Float32Array),
    nextObservation: next ? gather(next, keep, obsDim, Float32Array) : gather(obs, keep.map((i) => i + 1), obsDim, Float32Array),
    action: isDiscrete ? Int32Array.from(keep, (i) => action[i]) : gather(action as Float32Array, keep, actDim, Float32Array),
    reward: Float32Array.from(keep, (i) => reward[i]),
    terminated: Uint8Array.from(keep, (i) => terminals[i]),
    truncated: Uint8Array.from(keep, (i) => truncated[i]),
    ...(phys && pd !== undefined ? { physics: { dim: pd, state: gather(phys.state, keep, pd, Float64Array), nextState: gather(phys.next, keep, pd, Float64Array) } } : {}),
    ...(rewardTasks.length ? { rewards: Object.fromEntries(rewardTasks.map((task) => [task, Float32Array.from(keep, (i) => rewardCols[task][i])])) } : {}),
  };
  return { flat, dropped };
};

const gather = <T extends Float32Array | Float64Array>(src: ArrayLike<number>, rows: readonly number[], dim: number, Ctor: { new (n: number): T }): T => {
  const out = new Ctor(rows.length * dim);
  rows.forEach((r, i) => {
    for (let j = 0; j < dim; j++) out[i * dim + j] = src[r * dim + j];
  });
  return out;
};

const returnTotal = (flat: FlatTransitions): number => {
  let s = 0;
  for (const r of flat.reward) s += r;
  return s;
};

/** Imports a D4RL HDF5 file as a Distillery dataset at `out`. */
export const importD4rl = async (file: string, out: string, options: ImportOptions): Promise<E.Either<DistilleryError, ImportResult>> => {
  const opened = await openHdf5Reader(file);
  if (E.isLeft(opened)) return opened;
  const r = opened.right;
  try {
    const { flat, dropped } = readD4rl(r);
    const meta = importedMetadata(file, carriedMetadata(r), options, flat, 'D4RL');
    const written = await writeFlatDataset(out, flat, meta);
    if (E.isLeft(written)) return written;
    return E.right({ rows: written.right.rows, episodes: episodeStarts(flat).length - 1, bytes: written.right.bytes, dropped, returnTotal: returnTotal(flat) });
  } catch (e) {
    return E.left(errorOf(e));
  } finally {
    r.close();
  }
};

export interface ExportResult {
  readonly rows: number;
  readonly episodes: number;
  readonly task: string;
  readonly returnTotal: number;
}

/** Writes the arrays of one task's transitions; `close` renames the file into place. */
const writeWith = async (out: string, body: (w: Hdf5Writer) => void): Promise<E.Either<DistilleryError, void>> => {
  const opened = await openHdf5Writer(out);
  if (E.isLeft(opened)) return opened;
  const w = opened.right;
  try {
    body(w);
    w.close();
    return E.right(undefined);
  } catch (e) {
    w.abort();
    return E.left(errorOf(e));
  }
};

/** Exports one task of a Distillery dataset in D4RL's layout. */
export const exportD4rl = async (file: string, out: string, task: string | undefined): Promise<E.Either<DistilleryError, ExportResult>> => {
  const read = await readFlatTask(file, task);
  if (E.isLeft(read)) return read;
  const { flat: f, metadata, task: chosen } = read.right;
  const n = f.size;
  const written = await writeWith(out, (w) => {
    w.dataset('observations', f.observation, [n, f.obsDim]);
    w.dataset('actions', f.action, f.discreteActions ? [n] : [n, f.actDim]);
    w.dataset('rewards', f.reward, [n]);
    w.dataset('terminals', f.terminated, [n], true);
    w.dataset('timeouts', f.truncated, [n], true);
    w.dataset('next_observations', f.nextObservation, [n, f.obsDim]);
    w.group('infos');
    w.dataset('infos/episode', f.episode, [n]);
    w.dataset('infos/step', f.step, [n]);
    if (f.physics) {
      w.dataset('infos/physics', f.physics.state, [n, f.physics.dim]);
      w.dataset('infos/next_physics', f.physics.nextState, [n, f.physics.dim]);
    }
    if (f.rewards) {
      w.group('infos/reward');
      for (const [t2, col] of Object.entries(f.rewards)) w.dataset(`infos/reward/${t2}`, col, [n]);
    }
    w.attr('/', METADATA_ATTR, JSON.stringify(DatasetMetadataCodec.encode({ ...metadata, tasks: [chosen] })));
  });
  if (E.isLeft(written)) return written;
  return E.right({ rows: n, episodes: episodeStarts(f).length - 1, task: chosen, returnTotal: returnTotal(f) });
};
