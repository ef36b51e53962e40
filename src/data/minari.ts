/**
 * Minari's HDF5 layout (docs/facts.md "Dataset formats people already have"): one group
 * `episode_{id}` per episode with `observations` (N+1, obs: every state, the last one after the
 * last step), `actions` (N, act), `rewards` (N), `terminations` (N), `truncations` (N). Only Box
 * observations are read (a Dict observation space is a group, refused). The root carries
 * `total_episodes` and `total_steps` attributes; a Distillery export adds `distillery_metadata`
 * (root), `distillery_episode` (each episode's id in the Arrow file) and, under `infos/`,
 * `step`, `physics` (N+1 rows) and `reward/<task>`, so Arrow → HDF5 → Arrow is lossless.
 *
 * A Minari dataset directory keeps this file as `data/main_data.hdf5`; `import` accepts the
 * directory or the file, `export` writes the file.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decode } from '../core/codecs.ts';
import { distilleryError, DistilleryFailure, errorOf, type DistilleryError } from '../core/errors.ts';
import { actionsOf, carriedMetadata, flags, importedMetadata, METADATA_ATTR, type ExportResult, type ImportOptions, type ImportResult } from './d4rl.ts';
import { ActionArray, FlagVector, FloatMatrix, NumberVector, openHdf5Reader, openHdf5Writer, type Hdf5Reader } from './hdf5.ts';
import { episodeStarts, readFlatTask, writeFlatDataset, type FlatTransitions } from './interop.ts';
import { DatasetMetadataCodec } from './metadata.ts';

const EpisodeLayout = t.type({ observations: FloatMatrix, actions: ActionArray, rewards: NumberVector, terminations: FlagVector, truncations: FlagVector });

const bad = (file: string, m: string) => new DistilleryFailure(distilleryError('bad-file', `${file}: ${m}`));

/** The HDF5 file of a Minari dataset: the path itself, or `<dir>/data/main_data.hdf5`. */
export const minariFile = (path: string): string => {
  try {
    if (statSync(path).isDirectory()) {
      const inner = join(path, 'data', 'main_data.hdf5');
      return existsSync(inner) ? inner : path;
    }
  } catch {
    // reported by the reader
  }
  return path;
};

/** Reads every `episode_<n>` group (in id order) into flat transitions. */
export const readMinari = (r: Hdf5Reader): FlatTransitions => {
  const file = r.path;
  const root = r.info('/');
  if (root?.kind !== 'group') throw bad(file, 'no root group');
  const episodes = root.keys
    .map((k) => /^episode_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ key: m[0], id: Number(m[1]) }))
    .sort((a, b) => a.id - b.id);
  if (episodes.length === 0) throw bad(file, 'no episode_<n> groups (not a Minari dataset file?)');
  const parts: { id: number; n: number; obs: Float64Array; act: ReturnType<typeof actionsOf>; rew: Float64Array; term: Uint8Array; trunc: Uint8Array; step?: Float64Array; phys?: { dim: number; v: Float64Array }; rewards: Record<string, Float64Array> }[] = [];
  let obsDim: number | undefined;
  let actShape: string | undefined;
  let physDim: number | undefined;
  let rewardTasks: string[] | undefined;
  for (const { key, id } of episodes) {
    const g = r.info(key);
    if (g?.kind !== 'group') throw bad(file, `${key} is not a group`);
    const infos: Record<string, unknown> = {};
    for (const k of ['observations', 'actions', 'rewards', 'terminations', 'truncations']) if (g.keys.includes(k)) infos[k] = r.info(`${key}/${k}`);
    const layout = decode(EpisodeLayout, infos, `${file}: ${key}`);
    if (E.isLeft(layout)) throw new DistilleryFailure({ ...layout.left, code: 'bad-file' });
    const L = layout.right;
    const n = L.actions.shape[0];
    if (L.observations.shape[0] !== n + 1) throw bad(file, `${key}: observations has ${L.observations.shape[0]} rows, expected actions' ${n} + 1`);
    for (const k of ['rewards', 'terminations', 'truncations'] as const) if (L[k].shape[0] !== n) throw bad(file, `${key}: ${k} has ${L[k].shape[0]} rows, actions ${n}`);
    if (obsDim !== undefined && L.observations.shape[1] !== obsDim) throw bad(file, `${key}: observations have ${L.observations.shape[1]} columns, earlier episodes ${obsDim}`);
    obsDim = L.observations.shape[1];
    const shape = JSON.stringify(L.actions.shape.slice(1)) + L.actions.type;
    if (actShape !== undefined && shape !== actShape) throw bad(file, `${key}: actions differ in shape or type from earlier episodes`);
    actShape = shape;
    // Distillery's additions
    const hasInfos = g.keys.includes('infos');
    const infoKeys = hasInfos ? ((r.info(`${key}/infos`) as { keys?: string[] } | undefined)?.keys ?? []) : [];
    let step: Float64Array | undefined;
    if (infoKeys.includes('step')) {
      const s = decode(NumberVector, r.info(`${key}/infos/step`), `${file}: ${key}/infos/step`);
      if (E.isLeft(s) || s.right.shape[0] !== n) throw bad(file, `${key}/infos/step is not a 1-d numeric array of ${n} rows`);
      step = r.numbers(`${key}/infos/step`);
    }
    let phys: { dim: number; v: Float64Array } | undefined;
    if (infoKeys.includes('physics')) {
      const p = decode(FloatMatrix, r.info(`${key}/infos/physics`), `${file}: ${key}/infos/physics`);
      if (E.isLeft(p) || p.right.shape[0] !== n + 1) throw bad(file, `${key}/infos/physics is not a 2-d numeric array of ${n + 1} rows`);
      phys = { dim: p.right.shape[1], v: r.numbers(`${key}/infos/physics`) };
    }
    if ((physDim === undefined) !== (phys === undefined) && parts.length > 0) throw bad(file, `${key}: infos/physics in some episodes only`);
    if (phys && physDim !== undefined && phys.dim !== physDim) throw bad(file, `${key}: infos/physics width differs from earlier episodes`);
    physDim = phys?.dim;
    const tasksHere = infoKeys.includes('reward') ? ((r.info(`${key}/infos/reward`) as { keys?: string[] } | undefined)?.keys ?? []) : [];
    if (rewardTasks !== undefined && JSON.stringify(rewardTasks) !== JSON.stringify(tasksHere)) throw bad(file, `${key}: infos/reward tasks differ from earlier episodes`);
    rewardTasks = tasksHere;
    const rewards: Record<string, Float64Array> = {};
    for (const task of tasksHere) {
      const c = decode(NumberVector, r.info(`${key}/infos/reward/${task}`), `${file}: ${key}/infos/reward/${task}`);
      if (E.isLeft(c) || c.right.shape[0] !== n) throw bad(file, `${key}/infos/reward/${task} is not a 1-d numeric array of ${n} rows`);
      rewards[task] = r.numbers(`${key}/infos/reward/${task}`);
    }
    const storedId = r.attr(key, 'distillery_episode');
    parts.push({
      id: typeof storedId === 'number' && Number.isInteger(storedId) && storedId >= 0 && storedId <= 0x7fffffff ? storedId : id,
      n,
      obs: r.numbers(`${key}/observations`),
      act: actionsOf(file, `${key}/actions`, r.numbers(`${key}/actions`), L.actions.shape),
      rew: r.numbers(`${key}/rewards`),
      term: flags(file, `${key}/terminations`, r.numbers(`${key}/terminations`)),
      trunc: flags(file, `${key}/truncations`, r.numbers(`${key}/truncations`)),
      ...(step ? { step } : {}),
      ...(phys ? { phys } : {}),
      rewards,
    });
  }
  const o = obsDim!;
  const first = parts[0].act;
  const a = first.actDim;
  const size = parts.reduce((s, p) => s + p.n, 0);
  const flat = {
    size,
    obsDim: o,
    actDim: a,
    discreteActions: first.discrete,
    episode: new Int32Array(size),
    step: new Int32Array(size),
    observation: new Float32Array(size * o),
    nextObservation: new Float32Array(size * o),
    action: first.discrete ? new Int32Array(size) : new Float32Array(size * a),
    reward: new Float32Array(size),
    terminated: new Uint8Array(size),
    truncated: new Uint8Array(size),
    ...(physDim !== undefined ? { physics: { dim: physDim, state: new Float64Array(size * physDim), nextState: new Float64Array(size * physDim) } } : {}),
    ...(rewardTasks && rewardTasks.length ? { rewards: Object.fromEntries(rewardTasks.map((task) => [task, new Float32Array(size)])) } : {}),
  } satisfies FlatTransitions;
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) {
      const row = at + i;
      flat.episode[row] = p.id;
      const s = p.step ? p.step[i] : i;
      if (!(Number.isInteger(s) && s >= 0 && s <= 0x7fffffff)) throw bad(file, `episode ${p.id}: infos/step[${i}] is ${s}`);
      flat.step[row] = s;
      for (let j = 0; j < o; j++) {
        flat.observation[row * o + j] = p.obs[i * o + j];
        flat.nextObservation[row * o + j] = p.obs[(i + 1) * o + j];
      }
      flat.action.set(p.act.action.subarray(i * a, (i + 1) * a), row * a);
      flat.reward[row] = p.rew[i];
      flat.terminated[row] = p.term[i];
      flat.truncated[row] = p.trunc[i];
      if (p.phys && flat.physics) {
        const d = p.phys.dim;
        flat.physics.state.set(p.phys.v.subarray(i * d, (i + 1) * d), row * d);
        flat.physics.nextState.set(p.phys.v.subarray((i + 1) * d, (i + 2) * d), row * d);
      }
      if (flat.rewards) for (const task of rewardTasks!) flat.rewards[task][row] = p.rewards[task][i];
    }
    at += p.n;
  }
  return flat;
};

/** Imports a Minari dataset (its directory or its HDF5 file) as a Distillery dataset at `out`. */
export const importMinari = async (path: string, out: string, options: ImportOptions): Promise<E.Either<DistilleryError, ImportResult>> => {
  const file = minariFile(path);
  const opened = await openHdf5Reader(file);
  if (E.isLeft(opened)) return opened;
  const r = opened.right;
  try {
    const flat = readMinari(r);
    const meta = importedMetadata(file, carriedMetadata(r), options, flat, 'Minari');
    const written = await writeFlatDataset(out, flat, meta);
    if (E.isLeft(written)) return written;
    let total = 0;
    for (const x of flat.reward) total += x;
    return E.right({ rows: written.right.rows, episodes: episodeStarts(flat).length - 1, bytes: written.right.bytes, dropped: 0, returnTotal: total });
  } catch (e) {
    return E.left(errorOf(e));
  } finally {
    r.close();
  }
};

const sameRow = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): boolean => {
  for (let k = 0; k < d; k++) if (!Object.is(a[i * d + k], b[j * d + k])) return false;
  return true;
};

/**
 * Exports one task of a Distillery dataset in Minari's layout. Minari stores N+1 observations per
 * episode, so each transition's next observation must be the following one's observation (and
 * likewise for physics); a file where it is not (rows mixed from several sources) is refused.
 */
export const exportMinari = async (file: string, out: string, task: string | undefined): Promise<E.Either<DistilleryError, ExportResult>> => {
  const read = await readFlatTask(file, task);
  if (E.isLeft(read)) return read;
  const { flat: f, metadata, task: chosen } = read.right;
  const starts = episodeStarts(f);
  const o = f.obsDim;
  for (let e = 0; e + 1 < starts.length; e++)
    for (let i = starts[e]; i + 1 < starts[e + 1]; i++) {
      if (!sameRow(f.nextObservation, i, f.observation, i + 1, o))
        return E.left(distilleryError('unsupported', `${file}: episode ${f.episode[i]} step ${f.step[i]}: the next observation is not the following step's observation; Minari's layout (N+1 observations per episode) cannot hold it (export --format d4rl can)`));
      if (f.physics && !sameRow(f.physics.nextState, i, f.physics.state, i + 1, f.physics.dim))
        return E.left(distilleryError('unsupported', `${file}: episode ${f.episode[i]} step ${f.step[i]}: the next physics state is not the following step's; Minari's layout cannot hold it (export --format d4rl can)`));
    }
  const opened = await openHdf5Writer(out);
  if (E.isLeft(opened)) return opened;
  const w = opened.right;
  let total = 0;
  try {
    for (let e = 0; e + 1 < starts.length; e++) {
      const s = starts[e];
      const end = starts[e + 1];
      const n = end - s;
      const g = `episode_${e}`;
      w.group(g);
      const obs = new Float32Array((n + 1) * o);
      obs.set(f.observation.subarray(s * o, end * o));
      obs.set(f.nextObservation.subarray((end - 1) * o, end * o), n * o);
      w.dataset(`${g}/observations`, obs, [n + 1, o]);
      w.dataset(`${g}/actions`, f.action.slice(s * f.actDim, end * f.actDim), f.discreteActions ? [n] : [n, f.actDim]);
      w.dataset(`${g}/rewards`, f.reward.slice(s, end), [n]);
      w.dataset(`${g}/terminations`, f.terminated.slice(s, end), [n], true);
      w.dataset(`${g}/truncations`, f.truncated.slice(s, end), [n], true);
      w.group(`${g}/infos`);
      w.dataset(`${g}/infos/step`, f.step.slice(s, end), [n]);
      if (f.physics) {
        const d = f.physics.dim;
        const p = new Float64Array((n + 1) * d);
        p.set(f.physics.state.subarray(s * d, end * d));
        p.set(f.physics.nextState.subarray((end - 1) * d, end * d), n * d);
        w.dataset(`${g}/infos/physics`, p, [n + 1, d]);
      }
      if (f.rewards) {
        w.group(`${g}/infos/reward`);
        for (const [t2, col] of Object.entries(f.rewards)) w.dataset(`${g}/infos/reward/${t2}`, col.slice(s, end), [n]);
      }
      w.attr(g, 'id', e);
      w.attr(g, 'total_steps', n);
      w.attr(g, 'distillery_episode', f.episode[s]);
      for (let i = s; i < end; i++) total += f.reward[i];
    }
    w.attr('/', 'total_episodes', starts.length - 1);
    w.attr('/', 'total_steps', f.size);
    w.attr('/', METADATA_ATTR, JSON.stringify(DatasetMetadataCodec.encode({ ...metadata, tasks: [chosen] })));
    w.close();
  } catch (e) {
    w.abort();
    return E.left(errorOf(e));
  }
  return E.right({ rows: f.size, episodes: starts.length - 1, task: chosen, returnTotal: total });
};
