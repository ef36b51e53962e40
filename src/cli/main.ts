import type { Either } from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../core/errors.ts';
import type { CommandIO } from './io.ts';

// Start-up matters (issue 18): this module imports nothing heavy. Each command is loaded when it
// runs, and loads only what it needs (tfjs only to train or evaluate, Arrow only to read or write
// datasets, MuJoCo only when a walker env is made).

const USAGE = `distillery — multi-task RL experiments as stream graphs over Arrow datasets

usage:
  distillery run <pipeline | file.ts> [--set key=value]… [--seed N] [--out DIR] [--backend B] [--json]
  distillery pipelines [--json]
  distillery replay <file.arrow> [--json]
  distillery inspect <file.arrow> [--json]
  distillery verify <file.arrow> [--json]
  distillery envs [--json]
  distillery rollout --env ID --task T --actions FILE [--seed N] [--init-state FILE] [--set key=value]… [--json]
  distillery bench [name…] [--json] [--quick]
  distillery animate <file.arrow> [--episode N] [--task T] [--every K] [--out file.svg]
  distillery report <run-dir> [--json]
  distillery compare <run-dir>… [--metric returns.*.student.mean] [--json] [--html out.html]
  distillery metrics <run-dir> [--csv] [--name PATTERN]
  distillery import <file.hdf5 | minari-dir> --format d4rl|minari --out file.arrow [--env ID] [--task T] [--json]
  distillery export <file.arrow> --format d4rl|minari --out file.hdf5 [--task T] [--json]
  distillery init <dir> [--from tarball|folder|version]
  distillery --help | --version

commands:
  run        run a pipeline (a name from \`distillery pipelines\`, or a file) into runs/<name>-<time>/
  pipelines  the built-in pipelines, one line each
  replay     stream a dataset: per-task transitions, episodes and returns
  inspect    a dataset's columns, types and metadata, without reading its rows
  verify     check a dataset end to end (structure, checksums, tasks, finite values, episodes)
  envs       every environment with its tasks and spaces
  rollout    step one env through given actions (debugging, comparing with a reference)
  bench      the benchmarks (figures only, never pass/fail)
  animate    one episode of a dataset as an animated SVG: walker stick figure, grid and point mass from above, classic control from the side
  init       a project folder for your own pipelines (package.json, tsconfig, an example)
  report     write <run-dir>/report.html (parameters, results, learning curves, artifacts; works offline)
  compare    runs that differ in seed or parameters as one table: mean and 95% CI over seeds per group
  metrics    a run's metrics.jsonl: one line per series, or every value as CSV (pandas, R)
  import     a D4RL or Minari HDF5 dataset as an Arrow dataset
  export     one task of an Arrow dataset as a D4RL or Minari HDF5 file`;

type Command = (argv: readonly string[], io: CommandIO) => Promise<Either<DistilleryError, number>>;

/** Every command, imported only when it runs. */
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  pipelines: async () => (await import('./commands/pipelines.ts')).pipelinesCommand,
  replay: async () => (await import('./commands/replay.ts')).replayCommand,
  inspect: async () => (await import('./commands/inspect.ts')).inspectCommand,
  verify: async () => (await import('./commands/verify.ts')).verifyCommand,
  envs: async () => (await import('./commands/envs.ts')).envsCommand,
  rollout: async () => (await import('./commands/rollout.ts')).rolloutCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
  animate: async () => (await import('./commands/animate.ts')).animateCommand,
  report: async () => (await import('./commands/report.ts')).reportCommand,
  compare: async () => (await import('./commands/compare.ts')).compareCommand,
  metrics: async () => (await import('./commands/metrics.ts')).metricsCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
  export: async () => (await import('./commands/export.ts')).exportCommand,
  init: async () => (await import('./commands/init.ts')).initCommand,
  // Internal: what a SLURM batch job runs (--executor slurm; src/operators/slurm-executor.ts).
  job: async () => (await import('./commands/job.ts')).jobCommand,
};

/** The package's version (package.json), read without importing anything. */
export const packageVersion = async (): Promise<string> => {
  const { readFile } = await import('node:fs/promises');
  // src/cli/main.ts and dist/src/cli/main.js both find package.json by walking up.
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'distillery' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
};

/** Runs the CLI; returns the exit code. Every failure becomes one line on stderr. */
export const main = async (argv: readonly string[], io: CommandIO = defaultIO()): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`distillery ${await packageVersion()}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined; // not `toString`, `__proto__`…
  if (!load) {
    io.stderr.write(`distillery: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')}, help; --version)\n`);
    return 2;
  }
  try {
    const r = await (await load())(rest, io);
    if (r._tag === 'Left') {
      io.stderr.write(`distillery ${name}: ${r.left.message}\n`);
      return r.left.code === 'internal' ? 70 : 1;
    }
    return r.right;
  } catch (e) {
    const { errorOf } = await import('../core/errors.ts');
    const err = failureOf(e) ?? errorOf(e);
    io.stderr.write(`distillery ${name}: ${err.message}\n`);
    if (process.env.DISTILLERY_DEBUG && e instanceof Error) io.stderr.write(`${e.stack}\n`);
    return err.code === 'internal' ? 70 : 1; // a DistilleryFailure about user input is not a bug
  }
};

/**
 * A thrown DistilleryFailure, recognised by name rather than instanceof: in the bundled CLI
 * (dist/cli/, see bin/build.mjs) `run`, `pipelines` and `bench` load the unbundled modules, whose
 * DistilleryFailure is another class object than the bundle's.
 */
const failureOf = (e: unknown): DistilleryError | undefined =>
  e instanceof Error && e.name === 'DistilleryFailure' && typeof (e as { error?: unknown }).error === 'object'
    ? (e as unknown as { error: DistilleryError }).error
    : undefined;

const defaultIO = (): CommandIO => ({ stdout: process.stdout, stderr: process.stderr });
