import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';
import { trackCleanup } from '../core/cleanup.ts';
import { DistilleryFailure, distilleryError, type DistilleryError, type ErrorCode } from '../core/errors.ts';
import type { JobEvent, JobRef } from '../core/job.ts';
import type { JobMessage, RemoteExecutor } from './run-job.ts';
import { decodeWire, encodeWire } from './wire-json.ts';

export interface SlurmOptions {
  /** Where the jobs' files go (`<workDir>/jobs/<n>/`): the run directory, on a filesystem the nodes share. */
  readonly workDir: string;
  readonly partition?: string;
  /** Time limit of each job (`--time`: `MM`, `HH:MM:SS`, `D-HH:MM:SS`…). */
  readonly time?: string;
  /** CPUs per job (`--cpus-per-task`). */
  readonly cpus?: number;
  /** Memory per job (`--mem`: `4G`, `500M`…). */
  readonly mem?: string;
  /** More `sbatch` arguments, as given (`['--account=rl', '--qos=short']`). */
  readonly extra?: readonly string[];
  /** The Node.js command on the nodes (default `node`, looked up on the job's PATH). */
  readonly node?: string;
  /** How often the job's state is polled (default 500 ms). */
  readonly pollMs?: number;
  /**
   * Pick up the jobs of an earlier driver on this workDir (`--resume` after a driver crash): a job
   * with the same module and input that finished gives its output without running again; one
   * still queued or running is waited for instead of submitted again.
   */
  readonly resume?: boolean;
}

export interface SlurmExecutor extends RemoteExecutor {
  readonly kind: 'slurm';
  readonly options: SlurmOptions;
}

/** The options' values, checked: one line naming the flag when one is wrong. */
export const checkSlurmOptions = (o: SlurmOptions): E.Either<DistilleryError, SlurmOptions> => {
  const bad = (flag: string, expected: string, got: unknown) => E.left(distilleryError('invalid-input', `--slurm.${flag}: expected ${expected}, got "${String(got)}"`));
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(o.partition)) return bad('partition', 'a partition name', o.partition);
  if (o.time !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$|^\d+-\d+$/.test(o.time)) return bad('time', 'a time limit such as 30, 01:30:00 or 2-00:00:00', o.time);
  if (o.cpus !== undefined && !(Number.isSafeInteger(o.cpus) && o.cpus > 0)) return bad('cpus', 'a positive integer', o.cpus);
  if (o.mem !== undefined && !/^\d+[KMGT]?$/i.test(o.mem)) return bad('mem', 'a memory size such as 4G or 500M', o.mem);
  if (o.pollMs !== undefined && !(o.pollMs > 0)) return bad('poll', 'a positive number of milliseconds', o.pollMs);
  return E.right(o);
};

/**
 * Runs each job as one SLURM batch job: `runJob(ref, input, { thread: slurmExecutor({ workDir }) })`.
 * The input goes to `<workDir>/jobs/<n>/input.json`; the batch script runs `distillery job`
 * (src/cli/commands/job.ts), which appends the job's reports to `events.jsonl` and writes
 * `output.json`. The driver polls `scontrol show job` (no accounting database needed), streams
 * new report lines as they appear, and emits the output once the job has COMPLETED. A job that
 * fails (or is cancelled, or runs out of time) fails with its error and its stderr's tail;
 * unsubscribing `scancel`s it and waits until it has left the node (registered with trackCleanup).
 * Inputs and outputs travel as JSON (wire-json.ts: typed arrays and non-finite numbers included).
 *
 *   run(ref, input): --sbatch…poll--e--e--poll--(d|)
 */
export const slurmExecutor = (options: SlurmOptions): SlurmExecutor => {
  const checked = checkSlurmOptions(options);
  if (E.isLeft(checked)) throw new DistilleryFailure(checked.left);
  const workDir = resolve(options.workDir);
  return { kind: 'slurm', options: { ...options, workDir }, run: (job, input) => runOnSlurm(job, input, { ...options, workDir }) };
};

/** Runs a SLURM command; ENOENT (not installed) and a non-zero exit become one-line failures. */
const slurm = (command: string, args: readonly string[]): Promise<string> =>
  new Promise((done, failed) => {
    execFile(command, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return done(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return failed(new DistilleryFailure(distilleryError('unsupported', `${command} is not on the PATH: --executor slurm needs the SLURM client commands (sbatch, scontrol, scancel) where distillery runs`)));
      const said = oneLine(stderr || stdout || error.message);
      failed(new DistilleryFailure(distilleryError(command === 'sbatch' ? 'invalid-input' : 'io', `${command} ${args.join(' ')}: ${said}`)));
    });
  });

const oneLine = (s: string): string => s.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');

/** The states after which a job will never run again (squeue/scontrol JobState). */
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

interface JobState {
  readonly state: string;
  readonly exitCode?: string;
  readonly reason?: string;
  /** The controller no longer knows the job (older than MinJobAge). */
  readonly gone?: boolean;
}

const jobState = async (id: string): Promise<JobState> => {
  let out: string;
  try {
    out = await slurm('scontrol', ['show', 'job', '-o', id]);
  } catch (e) {
    if (e instanceof DistilleryFailure && /Invalid job id/i.test(e.error.message)) return { state: 'UNKNOWN', gone: true };
    throw e;
  }
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(out)?.[1];
  const state = field('JobState') ?? 'UNKNOWN';
  const exitCode = field('ExitCode');
  const reason = field('Reason');
  return { state, ...(exitCode ? { exitCode } : {}), ...(reason && reason !== 'None' ? { reason } : {}) };
};

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** bin/distillery.mjs of this package, from src/operators/ (a clone) or dist/src/operators/ (built). */
const distilleryBin = (): string => {
  for (const up of ['../../bin/distillery.mjs', '../../../bin/distillery.mjs']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new DistilleryFailure(distilleryError('internal', 'cannot find bin/distillery.mjs beside the package'));
};

/** `<workDir>/jobs/<n>`, the first n not taken (a resumed run keeps its earlier jobs' folders). */
const newJobDir = (workDir: string): string => {
  const jobs = join(workDir, 'jobs');
  mkdirSync(jobs, { recursive: true });
  for (let n = 0; ; n++) {
    const dir = join(jobs, String(n));
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
};

/** The latest job folder of an earlier driver holding `module`'s job on `inputText`. */
const earlierJob = (workDir: string, module: string, inputText: string): { dir: string; id?: string; output: boolean } | undefined => {
  const jobs = join(workDir, 'jobs');
  let names: string[];
  try {
    names = readdirSync(jobs).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const n of names.sort((a, b) => Number(b) - Number(a))) {
    const dir = join(jobs, n);
    try {
      if (!readFileSync(join(dir, 'job.sh'), 'utf8').includes(` job ${quote(module)} `) || readFileSync(join(dir, 'input.json'), 'utf8') !== inputText) continue;
    } catch {
      continue;
    }
    const id = existsSync(join(dir, 'slurm-job-id')) ? readFileSync(join(dir, 'slurm-job-id'), 'utf8').trim() : undefined;
    return { dir, ...(id ? { id } : {}), output: existsSync(join(dir, 'output.json')) };
  }
  return undefined;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tail = async (file: string, lines: number): Promise<string | undefined> => {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : oneLine(text.split('\n').slice(-lines).join('\n'));
  } catch {
    return undefined;
  }
};

const runOnSlurm = <I, O>(ref: JobRef<I, O>, input: I, o: SlurmOptions & { workDir: string }): Observable<JobMessage<O>> =>
  new Observable<JobMessage<O>>((subscriber) => {
    let stopped = false;
    /** The job reached a final state: nothing to cancel. */
    let finished = false;
    let id: string | undefined;
    let dir: string;
    const name = basename(fileURLToPath(ref.module)).replace(/\.[cm]?[jt]s$/, '');
    let earlier: { dir: string; id?: string; output: boolean } | undefined;
    try {
      const inputText = encodeWire(input, 'input');
      earlier = o.resume ? earlierJob(o.workDir, ref.module, inputText) : undefined;
      if (earlier?.output || earlier?.id) dir = earlier.dir;
      else {
        earlier = undefined;
        dir = newJobDir(o.workDir);
      }
      if (!earlier) writeFileSync(join(dir, 'input.json'), inputText);
      // The job runs the code the driver runs: the sources through tsx when the driver does.
      const fromSource = import.meta.url.endsWith('.ts');
      const script = [
        '#!/bin/sh',
        `# distillery job ${name} (${ref.module})`,
        ...(fromSource ? ['export DISTILLERY_SOURCE=1'] : []),
        `exec ${o.node ? quote(o.node) : 'node'} ${quote(distilleryBin())} job ${quote(ref.module)} input.json output.json events.jsonl`,
        '',
      ].join('\n');
      if (!earlier) writeFileSync(join(dir, 'job.sh'), script, { mode: 0o755 });
    } catch (e) {
      if (e instanceof DistilleryFailure) return void subscriber.error(e);
      subscriber.error(new DistilleryFailure(distilleryError('io', `--executor slurm: cannot write the job's files under ${join(o.workDir, 'jobs')} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)));
      return;
    }
    const sbatchArgs = (dir: string) => [
      '--parsable',
      `--job-name=distillery-${name}`,
      `--chdir=${dir}`,
      `--output=${join(dir, 'stdout')}`,
      `--error=${join(dir, 'stderr')}`,
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      ...(o.time ? [`--time=${o.time}`] : []),
      ...(o.cpus ? [`--cpus-per-task=${o.cpus}`] : []),
      ...(o.mem ? [`--mem=${o.mem}`] : []),
      ...(o.extra ?? []),
      join(dir, 'job.sh'),
    ];
    const args = sbatchArgs(dir);
    let events = join(dir, 'events.jsonl');
    let offset = 0;
    let partial = '';
    const decoder = new TextDecoder();
    /** Sends the report lines the job appended since the last look. */
    const drain = async (): Promise<void> => {
      let fh;
      try {
        fh = await open(events, 'r');
      } catch {
        return; // not started yet
      }
      try {
        for (;;) {
          const buf = new Uint8Array(1 << 16);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          partial += decoder.decode(buf.subarray(0, bytesRead), { stream: true });
        }
      } finally {
        await fh.close();
      }
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '' && !stopped) subscriber.next({ type: 'event', event: JSON.parse(line) as JobEvent });
    };
    const failure = async (s: JobState): Promise<DistilleryFailure> => {
      let reported: { code: ErrorCode; message: string } | undefined;
      try {
        reported = JSON.parse(await readFile(join(dir, 'error.json'), 'utf8')) as { code: ErrorCode; message: string };
      } catch {
        // the job did not get to report an error (killed, out of time, no node…)
      }
      const stderr = await tail(join(dir, 'stderr'), 8);
      const how = `${s.state}${s.exitCode ? ` (exit ${s.exitCode}${s.reason ? `, ${s.reason}` : ''})` : ''}`;
      const why = reported?.message ?? (stderr ? `stderr: ${stderr}` : existsSync(join(dir, 'stderr')) ? 'no error output' : `no stderr in ${dir}: is the run directory on a filesystem the nodes share?`);
      return new DistilleryFailure(distilleryError(reported?.code ?? 'io', `job ${name} (SLURM job ${id}, ${dir}) ${how}: ${why}`));
    };
    const watch = async (): Promise<void> => {
      if (earlier?.output) {
        // Finished on the cluster while no driver watched: its output, without running it again.
        const output = decodeWire(await readFile(join(dir, 'output.json'), 'utf8')) as O;
        finished = true;
        if (stopped) return;
        subscriber.next({ type: 'done', output });
        subscriber.complete();
        return;
      }
      const attach = earlier?.id !== undefined && !FINAL.has((await jobState(earlier.id)).state) ? earlier.id : undefined;
      if (attach !== undefined) id = attach;
      else {
        if (earlier) {
          // The earlier job failed or vanished: run it again in a folder of its own.
          const again = newJobDir(o.workDir);
          for (const f of ['input.json', 'job.sh']) writeFileSync(join(again, f), readFileSync(join(dir, f), 'utf8'), { mode: f === 'job.sh' ? 0o755 : 0o644 });
          dir = again;
          args.splice(0, args.length, ...sbatchArgs(dir));
          events = join(dir, 'events.jsonl');
        }
        id = (await slurm('sbatch', args)).trim().split(';')[0];
        writeFileSync(join(dir, 'slurm-job-id'), `${id}\n`);
      }
      const jobId: string = id;
      for (;;) {
        if (stopped) return;
        const s = await jobState(jobId);
        await drain();
        if (stopped) return;
        if (s.state === 'COMPLETED' || (s.gone && existsSync(join(dir, 'output.json')))) {
          let text: string;
          try {
            text = await readFile(join(dir, 'output.json'), 'utf8');
          } catch {
            throw new DistilleryFailure(distilleryError('io', `job ${name} (SLURM job ${id}) completed but ${join(dir, 'output.json')} is not there: the run directory must be on a filesystem the nodes share`));
          }
          finished = true;
          subscriber.next({ type: 'done', output: decodeWire(text) as O });
          subscriber.complete();
          return;
        }
        if (FINAL.has(s.state) || s.gone) {
          finished = true;
          throw await failure(s);
        }
        await sleep(o.pollMs ?? 500);
      }
    };
    const watching = watch().catch((e: unknown) => {
      if (!stopped) subscriber.error(e instanceof DistilleryFailure ? e : new DistilleryFailure(distilleryError('internal', `SLURM job ${id ?? '(not submitted)'}: ${(e as Error).message}`)));
    });
    return () => {
      if (stopped) return;
      stopped = true;
      if (finished) return;
      // Cancel once submitted, then wait (up to 30 s) until the job has left the node.
      trackCleanup(
        watching.then(async () => {
          if (id === undefined) return;
          const s = await jobState(id).catch(() => ({ state: 'UNKNOWN', gone: true }) as JobState);
          if (FINAL.has(s.state) || s.gone) return;
          await slurm('scancel', [id]).catch(() => undefined);
          for (let i = 0; i < 60; i++) {
            const now = await jobState(id).catch(() => ({ state: 'UNKNOWN', gone: true }) as JobState);
            if (FINAL.has(now.state) || now.gone) return;
            await sleep(500);
          }
        }),
      );
    };
  });
