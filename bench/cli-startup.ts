/**
 * CLI start-up (issue 18): wall time of `distillery --help`, `envs`, `inspect` and `replay` on a
 * small dataset, each in a fresh process, as a multiple of bare `node -e 0`; and `replay` of a
 * ~50 MB dataset against the time to start Node and read the file's bytes.
 *
 * Commands run round-robin (one of each per round, after a warm-up round) so machine load hits
 * all of them alike; figures are medians. The bin runs from dist/ when it is built and up to date,
 * else from the sources through tsx (`extra.mode` says which; `npm run build` for the fast path).
 * Polars, the reference for replay, is not installable here (no PyPI; Debian has no
 * pyarrow either), so the replay reference is `node -e 0` plus a raw read of the file's bytes.
 *
 * `node --import tsx bench/cli-startup.ts` runs it alone (`--quick` for fewer rounds).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, BenchResult } from './types.ts';
import { writeDataset } from './arrow.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: bench/ from the sources, dist/bench/ compiled. */
const root = [join(here, '..'), join(here, '..', '..')].find((d) => existsSync(join(d, 'bin', 'distillery.mjs')))!;
const bin = join(root, 'bin', 'distillery.mjs');

const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.DISTILLERY_DEBUG;
  delete env.NODE_OPTIONS;
  return env;
};

/** Wall seconds of one process run to completion; throws when it fails. */
const timeRun = (args: readonly string[]): number => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(), maxBuffer: 64 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${String(r.stderr).trim().split('\n')[0]}`);
  return s;
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits));

/** Measures every command `rounds` times, round-robin, after one warm-up round; medians in seconds. */
export const measureStartup = (commands: Readonly<Record<string, readonly string[]>>, rounds: number): Record<string, number> => {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let r = -1; r < rounds; r++)
    for (const [name, args] of Object.entries(commands)) {
      const s = timeRun(args);
      if (r >= 0) times[name].push(s);
    }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
};

/** Which code the bin runs: `dist` (compiled) or `source` (tsx), and why. */
const binMode = async (): Promise<{ mode: string; why: string }> => {
  const m = (await import(pathToFileURL(join(root, 'bin', 'dist-mode.mjs')).href)) as { distMode(): { mode: string; why: string } };
  return m.distMode();
};

export const benchmark: Benchmark = {
  name: 'cli-startup',
  description: 'CLI start-up: --help, envs, inspect, replay (small file) as multiples of bare `node -e 0`; replay of a ~50 MB file',
  async run({ quick, log }) {
    const rounds = quick ? 3 : 9;
    const { mode, why } = await binMode();
    log(`cli-startup: the bin runs from ${mode} (${why}); ${rounds} rounds after a warm-up`);
    const dir = await mkdtemp(join(tmpdir(), 'distillery-bench-cli-'));
    try {
      const small = join(dir, 'small.arrow');
      const large = join(dir, 'large.arrow');
      const largeRows = quick ? 40_000 : 370_000; // 136 B per transition: ~5 / ~50 MB
      await writeDataset(small, 2_000, 1);
      await writeDataset(large, largeRows, 2);
      const largeMB = statSync(large).size / 1e6;
      const commands: Record<string, readonly string[]> = {
        node: ['-e', '0'],
        help: [bin, '--help'],
        envs: [bin, 'envs'],
        inspect: [bin, 'inspect', small],
        replay: [bin, 'replay', small],
        'replay-large': [bin, 'replay', large],
        'read-large': ['-e', `require('node:fs').readFileSync(${JSON.stringify(large)})`],
      };
      const m = measureStartup(commands, rounds);
      const node = m.node;
      const extra = { mode, rounds, ...(quick ? { size: 'quick' } : {}) };
      const startup = (name: string, goal?: number): BenchResult => ({
        name: `cli-startup-${name}`,
        value: round(m[name]),
        unit: 's',
        reference: { name: 'node -e 0', value: round(node) },
        ratio: round(node / m[name]),
        extra: { times_node: round(m[name] / node), ...(goal ? { goal: `≤ ${goal}× node` } : {}), ...extra },
      });
      // The issue's replay goal is 2× Polars' read-and-aggregate plus start-up; without Polars the
      // reference is bare Node reading the file's bytes (a floor: no parsing, no aggregation).
      const readLarge = m['read-large'];
      return [
        startup('help', 3),
        startup('envs', 3),
        startup('inspect', 3),
        startup('replay'),
        {
          name: 'cli-startup-replay-large',
          value: round(m['replay-large']),
          unit: 's',
          reference: { name: 'node reads the file bytes', value: round(readLarge) },
          ratio: round(readLarge / m['replay-large']),
          extra: { mb: round(largeMB), transitions: largeRows, times_raw_read: round(m['replay-large'] / readLarge), node_s: round(node), ...extra },
        },
      ];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await benchmark.run({ quick: process.argv.includes('--quick'), log: (l) => process.stderr.write(l + '\n') });
  for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
}
