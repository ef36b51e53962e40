import { mkdirSync, writeFileSync, appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as t from 'io-ts';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import * as E from 'fp-ts/lib/Either.js';
import { Subscription } from 'rxjs';
import { cleanupsSettled } from '../core/cleanup.ts';
import { applyOverrides, decode, isPlainObject, unknownKeys } from '../core/codecs.ts';
import { distilleryError, errorOf, type DistilleryError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { selectBackend, type BackendPreference } from '../nn/backend.ts';
import type { JobExecutor } from '../operators/run-job.ts';
import type { Pipeline, PipelineContext } from './define.ts';
import type { PipelineEvent, TableEvent } from './events.ts';
import { ProgressRenderer, formatTable } from './progress-renderer.ts';
import { checkEvent } from './event-codec.ts';
import { acquireRunLock, checkRunDir, setResultPath, writeFileAtomic } from './run-dir.ts';
import { runArtifacts, type RunArtifact } from './run-files.ts';

export type OutStream = Writable & { isTTY?: boolean; columns?: number };

export interface RunOptions {
  /** Parameters from a config file, under the overrides. */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly overrides?: readonly string[];
  readonly seed?: number;
  /** Run directory; default `runs/<name>-<time>`. */
  readonly out?: string;
  /** Print the results object as JSON on stdout instead of tables. */
  readonly json?: boolean;
  /**
   * Continue the interrupted run in `out`: its parameters and seed (from its params.json), every
   * stage it finished reused, the rest computed (results.json lists the reused ones as run.reused).
   */
  readonly resume?: boolean;
  readonly stdout?: OutStream;
  readonly stderr?: OutStream;
  /** Extra fields recorded under `run` in results.json (backend, versions…). */
  readonly runInfo?: Readonly<Record<string, unknown>>;
  /** tfjs backend to use (default auto: tfjs-node, else WASM, else CPU). */
  readonly backend?: BackendPreference;
  /**
   * Where jobs run: worker threads (default), this thread (tests, debugging), an executor, or a
   * function of the run directory that makes one (`(dir) => slurmExecutor({ workDir: dir })`).
   */
  readonly jobThread?: JobExecutor | ((runDir: string) => JobExecutor);
  /** Sees every telemetry event (after the runner recorded it): a custom display, a test probe. */
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Stops the run cleanly when aborted (the CLI wires SIGINT to it). */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export interface RunOutcome {
  readonly runDir: string;
  readonly status: 'completed' | 'interrupted';
  readonly results: Record<string, unknown>;
}

/** Decodes the pipeline's parameters from defaults + `--set` overrides, refusing unknown keys. */
export const resolveParams = <P>(pipeline: Pipeline<P>, overrides: readonly string[], config: Readonly<Record<string, unknown>> = {}): E.Either<DistilleryError, P> => {
  const merged = applyOverrides(config as Record<string, unknown>, overrides);
  if (E.isLeft(merged)) return merged;
  const unknown = unknownKeys(pipeline.params, merged.right);
  if (unknown.length > 0)
    return E.left(
      distilleryError('invalid-input', `--set ${unknown[0]}: pipeline "${pipeline.name}" has no parameter "${unknown[0]}"`),
    );
  return decode(pipeline.params, merged.right, `pipeline "${pipeline.name}" parameters`);
};

const timestamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Picks `runs/<name>-<time>` (suffixing -2, -3… if taken). */
const defaultRunDir = (name: string, now: Date): string => {
  const base = resolve('runs', `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${timestamp(now)}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
};

/**
 * Writes `<runDir>/report.html` (loaded here, on first use: vega is large); any failure, even a
 * bug in the report code, is returned, never thrown, so it cannot cost the run its results.
 */
const writeReportAfterRun = async (runDir: string): Promise<E.Either<DistilleryError, { readonly path: string; readonly curveFiles: readonly string[] }>> => {
  try {
    const { writeRunReport } = await import('../report/run-report.ts');
    const r = await writeRunReport(runDir, { generator: `distillery run (Node ${process.versions.node})` });
    return E.map((done: { path: string; curveFiles: readonly string[] }) => ({ path: done.path, curveFiles: done.curveFiles }))(r);
  } catch (e) {
    return E.left(errorOf(e));
  }
};

const PreviousRun = t.type({ pipeline: t.string, seed: t.number, params: t.unknown });

/** The parameters and seed of the run to resume in `options.out`. */
const previousRun = <P>(pipeline: Pipeline<P>, options: RunOptions): E.Either<DistilleryError, { params: E.Either<DistilleryError, P>; seed: number }> => {
  if (!options.out) return E.left(distilleryError('invalid-input', '--resume: give the run directory to resume with --out'));
  if ((options.overrides ?? []).length > 0 || options.config || options.seed !== undefined)
    return E.left(distilleryError('invalid-input', '--resume continues a run with its own parameters and seed: drop --set, --config and --seed'));
  const file = join(resolve(options.out), 'params.json');
  if (!existsSync(file)) return E.left(distilleryError('invalid-input', `--resume: ${options.out} holds no run to resume (no params.json)`));
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return E.left(distilleryError('bad-file', `--resume: ${file} is not valid JSON (${(e as Error).message})`));
  }
  const prev = decode(PreviousRun, raw, `--resume: ${file}`);
  if (E.isLeft(prev)) return prev;
  if (prev.right.pipeline !== pipeline.name)
    return E.left(distilleryError('invalid-input', `--resume: ${options.out} is a run of "${prev.right.pipeline}", not "${pipeline.name}"`));
  const params = isPlainObject(prev.right.params) ? resolveParams(pipeline, [], prev.right.params) : E.left(distilleryError('bad-file', `--resume: ${file} has no parameters object`));
  return E.right({ params, seed: prev.right.seed });
};

/**
 * Runs a pipeline: validates everything first (nothing is written on bad input), creates the run
 * directory (params.json, results.json, metrics.jsonl, log), renders progress, and turns an abort
 * signal into a clean stop that keeps what was written.
 */
export const runPipeline = async <P>(pipeline: Pipeline<P>, options: RunOptions = {}): Promise<E.Either<DistilleryError, RunOutcome>> => {
  const previous = options.resume ? previousRun(pipeline, options) : undefined;
  if (previous && E.isLeft(previous)) return previous;
  const params = previous ? previous.right.params : resolveParams(pipeline, options.overrides ?? [], options.config);
  if (E.isLeft(params)) return params;
  const valid = pipeline.validate?.(params.right);
  if (valid && E.isLeft(valid)) return valid;
  const seed = previous ? previous.right.seed : (options.seed ?? 0);
  if (!Number.isSafeInteger(seed) || seed < 0) return E.left(distilleryError('invalid-input', `--seed: expected a non-negative integer, got ${seed}`));
  const preference = options.backend ?? 'auto';
  const backend = await selectBackend(preference)();
  if (E.isLeft(backend)) return backend;
  const now = options.now ?? (() => new Date());
  const started = now();
  if (options.out !== undefined && options.out.trim() === '') return E.left(distilleryError('invalid-input', '--out: expected a directory, got an empty string'));
  const runDir = options.out ? resolve(options.out) : defaultRunDir(pipeline.name, started);
  const usable = options.resume ? E.right(undefined) : checkRunDir(runDir, options.out ?? runDir);
  if (E.isLeft(usable)) return usable;
  try {
    mkdirSync(runDir, { recursive: true }); // datasets/ is made by the first dataset written (a run over seeds writes them under seed-<s>/)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left(distilleryError('io', `--out ${options.out ?? runDir}: cannot create the run directory (${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is a file' : (e as Error).message})`));
  }
  const lock = acquireRunLock(runDir);
  if (E.isLeft(lock)) return lock;
  try {
    return await runInDir(pipeline, params.right, options, { seed, preference, backend: backend.right, started, now, runDir });
  } finally {
    lock.right();
  }
};

interface RunSetup {
  readonly seed: number;
  readonly preference: BackendPreference;
  readonly backend: string;
  readonly started: Date;
  readonly now: () => Date;
  readonly runDir: string;
}

const runInDir = async <P>(pipeline: Pipeline<P>, params: P, options: RunOptions, setup: RunSetup): Promise<E.Either<DistilleryError, RunOutcome>> => {
  const { seed, preference, started, now, runDir } = setup;
  const stdout: OutStream = options.stdout ?? process.stdout;
  const stderr: OutStream = options.stderr ?? process.stderr;
  const renderer = new ProgressRenderer(stderr);
  const logFile = join(runDir, 'log');
  const metricsFile = join(runDir, 'metrics.jsonl');
  try {
    writeFileAtomic(join(runDir, 'params.json'), JSON.stringify({ pipeline: pipeline.name, seed, params }, null, 2) + '\n');
    // A resumed run keeps the records of the interrupted one and appends to them.
    if (!options.resume || !existsSync(metricsFile)) writeFileSync(metricsFile, '');
    if (!options.resume || !existsSync(logFile)) writeFileSync(logFile, '');
  } catch (e) {
    return E.left(distilleryError('io', `${runDir}: cannot write the run files (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  // A failed write of the run's records (disk full…) stops the run with one message, once.
  let recordFailure: DistilleryError | undefined;
  let stop: (() => void) | undefined;
  const record = (file: string, line: string): void => {
    if (recordFailure) return;
    try {
      appendFileSync(file, line);
    } catch (e) {
      recordFailure = distilleryError('io', `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the run stopped`);
      stop?.();
    }
  };
  const writeLog = (line: string): void => record(logFile, `${new Date().toISOString()} ${line}\n`);

  const results: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const reused: string[] = [];
  const tables: TableEvent[] = [];
  const artifacts: RunArtifact[] = [];
  const onEvent = (event: PipelineEvent): void => {
    const e = checkEvent(event);
    renderer.handle(e);
    switch (e.type) {
      case 'metric':
        record(metricsFile, JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
        break;
      case 'log':
        writeLog(`${e.level} ${e.message}`);
        break;
      case 'artifact':
        artifacts.push({ path: e.path, kind: e.kind, ...(e.description ? { description: e.description } : {}) });
        writeLog(`artifact ${e.path}`);
        break;
      case 'result':
        setResultPath(results, e.key, e.value);
        break;
      case 'table':
        tables.push(e);
        break;
      case 'progress':
        if (e.done >= e.total) writeLog(`done ${e.label} ${e.done}/${e.total}`);
        break;
    }
    options.onEvent?.(e);
  };
  const ctx: PipelineContext = {
    rng: Rng.fromSeed(seed),
    seed,
    runDir,
    datasetsDir: join(runDir, 'datasets'),
    pipeline: pipeline.name,
    backend: { preference, name: setup.backend },
    ...(options.jobThread ? { jobThread: typeof options.jobThread === 'function' ? options.jobThread(runDir) : options.jobThread } : {}),
    stageCache: { dir: join(runDir, 'stages'), reuse: Boolean(options.resume), reused: (stage) => reused.push(stage) },
    emit: onEvent,
  };
  renderer.line(`run ${pipeline.name} (seed ${seed}) → ${runDir}`);
  writeLog(`start ${pipeline.name} seed=${seed} params=${JSON.stringify(params)}`);

  const outcome = await new Promise<E.Either<DistilleryError, 'completed' | 'interrupted'>>((done) => {
    let sub: Subscription | undefined;
    let finished = false;
    const finish = (r: E.Either<DistilleryError, 'completed' | 'interrupted'>): void => {
      if (finished) return;
      finished = true;
      options.signal?.removeEventListener('abort', onAbort);
      sub?.unsubscribe();
      // Nothing may still run or write when the runner reports the outcome.
      void cleanupsSettled().then(() => done(r));
    };
    const onAbort = (): void => finish(E.right('interrupted'));
    stop = () => finish(E.left(recordFailure!));
    if (options.signal?.aborted) return done(E.right('interrupted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      sub = pipeline.graph(params, ctx).subscribe({
        error: (err: unknown) => finish(E.left(errorOf(err))),
        complete: () => finish(recordFailure ? E.left(recordFailure) : E.right('completed')),
      });
      if (finished) sub.unsubscribe();
    } catch (err) {
      finish(E.left(errorOf(err)));
    }
  });
  renderer.finish();

  const finished = now();
  const status = E.isRight(outcome) ? outcome.right : 'failed';
  const summary = {
    run: {
      pipeline: pipeline.name,
      seed,
      status,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationSeconds: (finished.getTime() - started.getTime()) / 1000,
      ...(options.resume ? { resumed: true, reused } : {}),
      backend: setup.backend,
      node: process.versions.node,
      ...(options.runInfo ?? {}),
      ...(E.isLeft(outcome) ? { error: outcome.left.message } : {}),
    },
    ...results,
    tables: tables.map(({ title, columns, rows }) => ({ title, columns, rows })),
    // every file the run left behind, the report written next included
    artifacts: runArtifacts(runDir, artifacts, ['report.html']),
  };
  const resultsFile = join(runDir, 'results.json');
  try {
    writeFileAtomic(resultsFile, JSON.stringify(summary, null, 2) + '\n');
  } catch (e) {
    const failure = distilleryError('io', `cannot write ${resultsFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return E.left(E.isLeft(outcome) ? outcome.left : failure);
  }
  writeLog(`${status}`);
  // The report comes after results.json: when it fails, the run's results are already safe and
  // the run keeps its outcome; the failure is one warning line (stderr and log).
  const report = await writeReportAfterRun(runDir);
  if (E.isLeft(report)) {
    stderr.write(`warning: report.html not written (${report.left.message}); the results are in ${resultsFile}\n`);
    writeLog(`warn report.html not written: ${report.left.message}`);
    try {
      summary.artifacts = summary.artifacts.filter((a) => a.path !== join(runDir, 'report.html'));
      writeFileAtomic(resultsFile, JSON.stringify(summary, null, 2) + '\n');
    } catch {
      // results.json as written above, listing the missing report
    }
  } else if (report.right.curveFiles.length > 0) {
    // the report's charts as files (curves/<metric>.svg) join the list of what the run wrote
    try {
      const listed = new Set(summary.artifacts.map((a) => a.path));
      summary.artifacts = [
        ...summary.artifacts,
        ...report.right.curveFiles.filter((f) => !listed.has(f)).map((f) => ({ path: f, kind: 'figure' as const, description: 'a learning curve of the report (mean over seeds, 95% band)' })),
      ];
      writeFileAtomic(resultsFile, JSON.stringify(summary, null, 2) + '\n');
    } catch {
      // results.json as written above, without the curve files
    }
  }
  if (E.isLeft(outcome)) return outcome;

  if (options.json) stdout.write(JSON.stringify(summary) + '\n');
  else {
    for (const t of tables) stdout.write('\n' + formatTable(t.title, t.columns, t.rows) + '\n');
    stdout.write(`\n${status === 'completed' ? 'done' : 'interrupted'}: results in ${resultsFile}${E.isRight(report) ? `, report in ${report.right.path}` : ''}\n`);
  }
  return E.right({ runDir, status: outcome.right, results: summary });
};
