/**
 * Arrow dataset layer: write and replay throughput, and replay memory against file size.
 *
 * The data is synthetic but point-mass shaped (observation 4, action 2, physics 5, one task,
 * 200-step episodes): physics [x, y, vx, vy, t] integrates uniform random actions drawn from the
 * Rng, observations are the first four physics values, reward −‖(x, y)‖. Only the sizes and the
 * value types matter for these figures.
 *
 * `node --import tsx bench/arrow.ts` runs it alone (`--quick` for the reduced sizes).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchResult } from './types.ts';
import { Rng } from '../src/core/rng.ts';
import { boxOf } from '../src/core/spaces.ts';
import type { TransitionBatch } from '../src/core/batch.ts';
import { newDatasetMetadata, openDatasetReader, openDatasetWriter, type DatasetShape } from '../src/data/index.ts';

const OBS = 4;
const ACT = 2;
const PHYS = 5;
const EPISODE_STEPS = 200;
const BATCH_ROWS = 4096;
const TASK = 'reach';
/** Alternated replay rounds per read path. */
const ROUNDS = 4;
const DT = 0.1;

const shape: DatasetShape = { obsDim: OBS, actDim: ACT, discreteActions: false, physicsDim: PHYS, rewardTasks: [] };

/** Yields `rows` transitions in batches of BATCH_ROWS (fresh arrays each, as a rollout would). */
export function* syntheticBatches(rows: number, rng: Rng): Generator<TransitionBatch> {
  const s = new Float64Array(PHYS);
  let episode = 0;
  let step = 0;
  const reset = (): void => {
    s[0] = rng.range(-1, 1);
    s[1] = rng.range(-1, 1);
    s[2] = s[3] = s[4] = 0;
  };
  reset();
  for (let done = 0; done < rows; ) {
    const n = Math.min(BATCH_ROWS, rows - done);
    const b = {
      episode: new Int32Array(n),
      step: new Int32Array(n),
      observation: new Float32Array(n * OBS),
      nextObservation: new Float32Array(n * OBS),
      action: new Float32Array(n * ACT),
      reward: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      state: new Float64Array(n * PHYS),
      nextState: new Float64Array(n * PHYS),
    };
    for (let i = 0; i < n; i++) {
      b.episode[i] = episode;
      b.step[i] = step;
      b.state.set(s, i * PHYS);
      for (let j = 0; j < OBS; j++) b.observation[i * OBS + j] = s[j];
      const ax = rng.range(-1, 1);
      const ay = rng.range(-1, 1);
      b.action[i * ACT] = ax;
      b.action[i * ACT + 1] = ay;
      s[2] += DT * ax;
      s[3] += DT * ay;
      s[0] += DT * s[2];
      s[1] += DT * s[3];
      s[4] += DT;
      b.nextState.set(s, i * PHYS);
      for (let j = 0; j < OBS; j++) b.nextObservation[i * OBS + j] = s[j];
      b.reward[i] = -Math.hypot(s[0], s[1]);
      if (++step === EPISODE_STEPS) {
        b.truncated[i] = 1;
        episode++;
        step = 0;
        reset();
      }
    }
    done += n;
    yield {
      task: TASK,
      size: n,
      obsDim: OBS,
      actDim: ACT,
      discreteActions: false,
      episode: b.episode,
      step: b.step,
      observation: b.observation,
      nextObservation: b.nextObservation,
      action: b.action,
      reward: b.reward,
      terminated: b.terminated,
      truncated: b.truncated,
      physics: { dim: PHYS, state: b.state, nextState: b.nextState },
    };
  }
}

const orThrow = <A>(e: { _tag: 'Left'; left: { message: string } } | { _tag: 'Right'; right: A }): A => {
  if (e._tag === 'Left') throw new Error(e.left.message);
  return e.right;
};

/** Writes `rows` synthetic transitions; the time counts only the writer's calls, not the generation. */
export const writeDataset = async (path: string, rows: number, seed: number): Promise<{ seconds: number; bytes: number }> => {
  const metadata = newDatasetMetadata({
    envId: 'synthetic/point-mass',
    envConfig: {},
    tasks: [TASK],
    behaviorPolicy: 'uniform',
    seed,
    observationSpace: boxOf(OBS, -Infinity, Infinity),
    actionSpace: boxOf(ACT, -1, 1),
    pipeline: 'bench/arrow',
  });
  const writer = orThrow(await openDatasetWriter(path, { metadata, shape })());
  let ns = 0n;
  for (const batch of syntheticBatches(rows, Rng.fromSeed(seed).split('bench/arrow'))) {
    const t0 = process.hrtime.bigint();
    await writer.write(batch);
    ns += process.hrtime.bigint() - t0;
  }
  const t0 = process.hrtime.bigint();
  const { bytes } = await writer.close();
  ns += process.hrtime.bigint() - t0;
  return { seconds: Number(ns) / 1e9, bytes };
};

/**
 * Reads every batch and folds every value into a checksum so nothing is skipped. `buffers`:
 * the reader's read path ('fresh' memory per record batch, or the 'reuse' pool).
 */
export const replayDataset = async (
  path: string,
  buffers: 'fresh' | 'reuse' = 'fresh',
): Promise<{ seconds: number; cpuSeconds: number; rows: number; checksum: number }> => {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const reader = orThrow(await openDatasetReader(path)());
  let rows = 0;
  let checksum = 0;
  for await (const b of reader.batches({ buffers })) {
    rows += b.size;
    checksum +=
      sumI32(b.episode) +
      sumI32(b.step) +
      sumF32(b.observation) +
      sumF32(b.nextObservation) +
      sumF32(b.action as Float32Array) +
      sumF32(b.reward) +
      sumU8(b.terminated) +
      sumU8(b.truncated) +
      (b.physics ? sumF64(b.physics.state) + sumF64(b.physics.nextState) : 0);
  }
  await reader.close();
  const cpu = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows, checksum };
};

// One function per array type keeps each loop monomorphic (a shared one measures V8's slow path).
const sumF32 = (a: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const sumF64 = (a: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const sumI32 = (a: Int32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const sumU8 = (a: Uint8Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

const here = fileURLToPath(import.meta.url);
const repoRoot = resolve(dirname(here), '..');

/** Replays `path` in a fresh node process and returns its peak resident memory (MB). */
const replayInChild = (path: string): Promise<{ maxRssMB: number; afterOpenRssMB: number; rows: number }> =>
  new Promise((ok, ko) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here, '--replay-child', path], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', ko);
    child.on('close', (code) => {
      if (code !== 0) return ko(new Error(`replay child exited with ${code}`));
      try {
        ok(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        ko(e);
      }
    });
  });

const childMain = async (path: string): Promise<void> => {
  const reader = orThrow(await openDatasetReader(path)());
  const afterOpenRssMB = process.memoryUsage().rss / 2 ** 20;
  await reader.close();
  const { rows } = await replayDataset(path);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ maxRssMB, afterOpenRssMB, rows }) + '\n');
};

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits));

export const benchmark: Benchmark = {
  name: 'arrow',
  description: 'Arrow datasets: streaming write, lazy replay, replay memory vs file size (synthetic point-mass data)',
  async run({ quick, log }) {
    const rows = quick ? 100_000 : 1_000_000;
    const big = 4 * rows;
    const dir = await mkdtemp(join(tmpdir(), 'distillery-bench-arrow-'));
    const size = quick ? 'quick (100k/400k transitions)' : 'full (1M/4M transitions)';
    try {
      const small = join(dir, 'small.arrow');
      const large = join(dir, 'large.arrow');
      log(`arrow: writing ${rows} transitions`);
      const w = await writeDataset(small, rows, 1);
      const mb = w.bytes / 1e6;
      log(`arrow: replaying ${rows} transitions, fresh buffers and the reuse pool alternated (${ROUNDS} rounds)`);
      await replayDataset(small, 'fresh'); // warm-up: JIT and page cache
      await replayDataset(small, 'reuse');
      const rounds: Record<'fresh' | 'reuse', Awaited<ReturnType<typeof replayDataset>>[]> = { fresh: [], reuse: [] };
      for (let k = 0; k < ROUNDS; k++)
        for (const path of k % 2 === 0 ? (['fresh', 'reuse'] as const) : (['reuse', 'fresh'] as const)) {
          const run = await replayDataset(small, path);
          if (run.rows !== rows) throw new Error(`replay (${path}) read ${run.rows} rows, wrote ${rows}`);
          rounds[path].push(run);
        }
      if (rounds.reuse[0].checksum !== rounds.fresh[0].checksum)
        throw new Error(`the reuse path read other values (checksum ${rounds.reuse[0].checksum}, fresh ${rounds.fresh[0].checksum})`);
      // Best round of each: the machine is shared, and load only ever slows a round down.
      const best = (runs: typeof rounds.fresh) => runs.reduce((x, y) => (y.seconds < x.seconds ? y : x));
      const r = best(rounds.fresh);
      const reuse = best(rounds.reuse);
      const replayExtra = (run: typeof r, runs: typeof rounds.fresh) => ({
        'MB/s': round(mb / run.seconds),
        // CPU time of all threads (reads run on libuv's pool): the figure a busy shared machine distorts least.
        'MB per CPU-second': round(mb / run.cpuSeconds),
        'MB/s per round': runs.map((x) => round(mb / x.seconds)).join(' '),
        'file MB': round(mb),
        size,
        data: 'synthetic',
        cache: 'file in page cache',
      });
      log(`arrow: writing ${big} transitions and replaying both files in child processes`);
      await writeDataset(large, big, 2);
      const rssSmall = await replayInChild(small);
      const rssLarge = await replayInChild(large);
      const largeBytes = (await stat(large)).size;
      const results: BenchResult[] = [
        {
          name: 'arrow-write',
          value: round(rows / w.seconds),
          unit: 'transitions/s',
          extra: { 'MB/s': round(mb / w.seconds), 'file MB': round(mb), 'bytes/transition': round(w.bytes / rows), size, data: 'synthetic' },
        },
        {
          name: 'arrow-replay',
          value: round(rows / r.seconds),
          unit: 'transitions/s',
          extra: { ...replayExtra(r, rounds.fresh), buffers: 'fresh (default)' },
        },
        {
          name: 'arrow-replay-reuse',
          value: round(rows / reuse.seconds),
          unit: 'transitions/s',
          // The fresh path is the reference: ratio = how many times faster the pool replays.
          reference: { name: 'arrow-replay (fresh buffers), same run', value: round(rows / r.seconds) },
          ratio: round(r.seconds / reuse.seconds),
          extra: { ...replayExtra(reuse, rounds.reuse), buffers: "reuse (batches({ buffers: 'reuse' }))" },
        },
        {
          name: 'arrow-replay-rss',
          value: round(rssLarge.maxRssMB),
          unit: 'MB',
          extra: {
            [`max RSS ${rows} transitions (${round(mb)} MB file)`]: round(rssSmall.maxRssMB),
            [`max RSS ${big} transitions (${round(largeBytes / 1e6)} MB file)`]: round(rssLarge.maxRssMB),
            'RSS after open (small file)': round(rssSmall.afterOpenRssMB),
            'ratio large/small': round(rssLarge.maxRssMB / rssSmall.maxRssMB),
            size,
          },
        },
      ];
      return results;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === here;
if (isMain) {
  const childAt = process.argv.indexOf('--replay-child');
  if (childAt >= 0) {
    await childMain(process.argv[childAt + 1]);
  } else {
    const results = await benchmark.run({ quick: process.argv.includes('--quick'), log: (l) => console.error(l) });
    for (const r of results) {
      const extra = Object.entries(r.extra ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      console.log(`${r.name.padEnd(18)} ${String(r.value).padStart(12)} ${r.unit}   (${extra})`);
    }
  }
}
