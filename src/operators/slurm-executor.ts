import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { Observable, defer, map, merge } from 'rxjs';
import { trackCleanup } from '../core/cleanup.ts';
import { DistilleryFailure, distilleryError, type DistilleryError, type ErrorCode } from '../core/errors.ts';
import type { JobEvent, JobRef } from '../core/job.ts';
import type { JobMessage, RemoteExecutor, RemoteJobOptions } from './run-job.ts';
import { FINAL, GONE, slurm, sleep, statePoller, tail, type JobState } from './slurm-commands.ts';
import { earlierJob, jobName, submissionQueue, type SbatchOptions, type Submitted, type Ticket } from './slurm-submit.ts';
import { decodeWire, encodeWire } from './wire-json.ts';

/** The sbatch options of every job (slurm-submit.ts), and how the executor polls, resumes and batches. */
export interface SlurmOptions extends SbatchOptions {
  /** How often the job's state is polled (default 500 ms). */
  readonly pollMs?: number;
  /**
   * Pick up the jobs of an earlier driver on this workDir (`--resume` after a driver crash): a job
   * with the same module and input that finished gives its output without running again; one
   * still queued or running is waited for instead of submitted again.
   */
  readonly resume?: boolean;
  /**
   * Most jobs in one `sbatch --array` (default 1000: SLURM's default MaxArraySize of 1001 allows
   * indices 0–1000); more jobs make several arrays. 1: every job is a batch job of its own.
   */
  readonly arrayMax?: number;
  /** Jobs of one module that reach the executor within this many ms of the first go out as one array (default 200). */
  readonly batchWindowMs?: number;
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
  if (o.arrayMax !== undefined && !(Number.isSafeInteger(o.arrayMax) && o.arrayMax > 0)) return bad('array-max', 'a positive integer', o.arrayMax);
  if (o.batchWindowMs !== undefined && !(o.batchWindowMs >= 0)) return bad('batch-window', 'a number of milliseconds', o.batchWindowMs);
  return E.right(o);
};

/**
 * Runs jobs as SLURM batch jobs: `runJob(ref, input, { thread: slurmExecutor({ workDir }) })`.
 * Jobs of one module that arrive together (a stage's jobs for every task, and for every seed) are
 * submitted as one `sbatch --array` (slurm-submit.ts); a job alone is a plain batch job. Each job's
 * input goes to its own folder under `<workDir>/jobs/`; its batch script runs `distillery job`
 * (src/cli/commands/job.ts), which appends the job's reports to `events.jsonl` and writes
 * `output.json`. The driver polls `scontrol show job` (no accounting database needed; one call per
 * array however many elements), streams new report lines as they appear, and emits the output
 * once the job has COMPLETED. A job that fails (or is cancelled, or runs out of time) fails with
 * its label (`TD3BC teacher left`), its error and its stderr's tail; unsubscribing `scancel`s it
 * (the whole array when all its running elements go at once) and waits until it has left the node
 * (registered with trackCleanup). Inputs and outputs travel as JSON (wire-json.ts).
 *
 *   run(ref, input): --(window)sbatch…poll--e--e--poll--(d|)
 */
export const slurmExecutor = (options: SlurmOptions): SlurmExecutor => {
  const checked = checkSlurmOptions(options);
  if (E.isLeft(checked)) throw new DistilleryFailure(checked.left);
  const o = { ...options, workDir: resolve(options.workDir) };
  const cluster: Cluster = {
    o,
    enqueue: submissionQueue(o, o.arrayMax ?? 1000, o.batchWindowMs ?? 200),
    state: statePoller((o.pollMs ?? 500) * 0.8),
    cancel: canceller(),
  };
  return {
    kind: 'slurm',
    options: o,
    run: (job, input, about) => runOnSlurm(job, input, cluster, about),
    runAfter: (first, then) =>
      defer(() => {
        let submitted!: (ids: readonly string[]) => void;
        const after = new Promise<readonly string[]>((r) => (submitted = r));
        const label = (j: RemoteJobOptions) => (j.label === undefined ? {} : { label: j.label });
        // (first finished before, by an earlier driver: then waits for nothing)
        const a = runOnSlurm(first.job, first.input, cluster, label(first), { submitted: (id) => submitted(id === undefined ? [] : [id]) });
        const b = runOnSlurm(then.job, then.input, cluster, label(then), { after });
        return merge(a.pipe(map((message) => ({ job: 0 as const, message }))), b.pipe(map((message) => ({ job: 1 as const, message }))));
      }),
  };
};

/** What the jobs of one executor share: the submission queue, the state poller, the canceller. */
interface Cluster {
  readonly o: SlurmOptions & { readonly workDir: string };
  readonly enqueue: ReturnType<typeof submissionQueue>;
  readonly state: (id: string) => Promise<JobState>;
  readonly cancel: ReturnType<typeof canceller>;
}

/**
 * scancel for the jobs being cancelled in one tick (a stage failing or the driver interrupted):
 * an array all of whose watched, unfinished elements go is cancelled by its id, `scancel 813`;
 * otherwise the elements alone, `scancel 813_2`.
 */
const canceller = () => {
  const live = new Map<string, Set<string>>();
  let asked = new Set<string>();
  let sent: Promise<void> | undefined;
  const arrayOf = (id: string) => id.split('_')[0];
  return {
    /** A job being watched (until `done`). */
    watch: (id: string) => live.set(arrayOf(id), (live.get(arrayOf(id)) ?? new Set()).add(id)),
    done: (id: string) => {
      const set = live.get(arrayOf(id));
      set?.delete(id);
      if (set?.size === 0) live.delete(arrayOf(id));
    },
    /** Cancels `id` together with the others asked for in this tick; resolves once scancel has answered. */
    cancel: (id: string): Promise<void> => {
      asked.add(id);
      sent ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
        const now = asked;
        asked = new Set();
        sent = undefined;
        const ids = new Set<string>();
        for (const a of now) {
          const elements = live.get(arrayOf(a));
          ids.add(a.includes('_') && elements && [...elements].every((e) => now.has(e)) ? arrayOf(a) : a);
        }
        await slurm('scancel', [...ids]).catch(() => undefined);
      });
      return sent;
    },
  };
};

/** How a job of a chain (`runAfter`) is tied to the others. */
interface Chained {
  /** Told the job's SLURM id once it is on the cluster (undefined: it had already finished, or never went out). */
  readonly submitted?: (id: string | undefined) => void;
  /** The ids the job must wait for (afterok). */
  readonly after?: Promise<readonly string[]>;
}

const runOnSlurm = <I, O>(ref: JobRef<I, O>, input: I, cluster: Cluster, about: RemoteJobOptions = {}, chain: Chained = {}): Observable<JobMessage<O>> =>
  new Observable<JobMessage<O>>((subscriber) => {
    const { o } = cluster;
    let stopped = false;
    /** The job reached a final state: nothing to cancel. */
    let finished = false;
    let id: string | undefined;
    let ticket: Ticket | undefined;
    const name = jobName(ref.module);
    let inputText: string;
    let earlier: { dir: string; id?: string; output: boolean } | undefined;
    try {
      inputText = encodeWire(input, 'input');
      earlier = o.resume ? earlierJob(o.workDir, ref.module, inputText) : undefined;
    } catch (e) {
      return void subscriber.error(e instanceof DistilleryFailure ? e : new DistilleryFailure(distilleryError('internal', `job ${name}: ${(e as Error).message}`)));
    }
    const said = about.label ? `${about.label}: ` : '';
    let offset = 0;
    let partial = '';
    const decoder = new TextDecoder();
    /** Sends the report lines the job appended since the last look. */
    const drain = async (events: string): Promise<void> => {
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
    const failure = async (s: JobState, at: Submitted): Promise<DistilleryFailure> => {
      let reported: { code: ErrorCode; message: string } | undefined;
      try {
        reported = JSON.parse(await readFile(join(at.dir, 'error.json'), 'utf8')) as { code: ErrorCode; message: string };
      } catch {
        // the job did not get to report an error (killed, out of time, no node…)
      }
      const stderr = await tail(join(at.dir, 'stderr'), 8);
      const how = `${s.state}${s.exitCode ? ` (exit ${s.exitCode}${s.reason ? `, ${s.reason}` : ''})` : ''}`;
      const why =
        reported?.message ??
        (s.reason === 'DependencyNeverSatisfied' ? `a job it waits for failed (${(await tail(join(at.dir, 'dependency'), 1)) ?? 'afterok'})` : undefined) ??
        (stderr ? `stderr: ${stderr}` : existsSync(join(at.dir, 'stderr')) ? 'no error output' : `no stderr in ${at.dir}: is the run directory on a filesystem the nodes share?`);
      return new DistilleryFailure(distilleryError(reported?.code ?? 'io', `${said}job ${name} (SLURM job ${at.id}, ${at.dir}) ${how}: ${why}`));
    };
    const watch = async (): Promise<void> => {
      if (earlier?.output) {
        // Finished on the cluster while no driver watched: its output, without running it again.
        chain.submitted?.(undefined);
        const output = decodeWire(await readFile(join(earlier.dir, 'output.json'), 'utf8')) as O;
        finished = true;
        if (stopped) return;
        subscriber.next({ type: 'done', output });
        subscriber.complete();
        return;
      }
      let at: Submitted | undefined;
      const before = earlier?.id === undefined ? undefined : await cluster.state(earlier.id);
      if (earlier?.id !== undefined && before && !FINAL.has(before.state) && !before.gone && before.reason !== 'DependencyNeverSatisfied') at = { id: earlier.id, dir: earlier.dir };
      else {
        // New, or the earlier job failed, vanished or waits for one that failed: (again) in a folder of its own, with the jobs arriving now.
        if (earlier?.id !== undefined && before?.reason === 'DependencyNeverSatisfied') await slurm('scancel', [earlier.id]).catch(() => undefined);
        const after = chain.after ? await chain.after : [];
        if (stopped) return chain.submitted?.(undefined);
        ticket = cluster.enqueue(ref.module, inputText, about.label, after);
        at = await ticket.submitted;
        if (at === undefined) return chain.submitted?.(undefined); // withdrawn before it went out
      }
      chain.submitted?.(at.id);
      id = at.id;
      cluster.cancel.watch(at.id);
      try {
        for (;;) {
          if (stopped) return;
          const s = await cluster.state(at.id);
          await drain(join(at.dir, 'events.jsonl'));
          if (stopped) return;
          if (s.state === 'COMPLETED' || (s.gone && existsSync(join(at.dir, 'output.json')))) {
            let text: string;
            try {
              text = await readFile(join(at.dir, 'output.json'), 'utf8');
            } catch {
              throw new DistilleryFailure(
                distilleryError('io', `${said}job ${name} (SLURM job ${at.id}) completed but ${join(at.dir, 'output.json')} is not there: the run directory must be on a filesystem the nodes share`),
              );
            }
            finished = true;
            subscriber.next({ type: 'done', output: decodeWire(text) as O });
            subscriber.complete();
            return;
          }
          // A job whose afterok dependency failed would wait for ever. In a chain the first job's own
          // failure, with its message, is on its way (this driver watches it): wait for that.
          if (FINAL.has(s.state) || s.gone || (s.reason === 'DependencyNeverSatisfied' && !chain.after)) {
            if (!FINAL.has(s.state) && !s.gone) await slurm('scancel', [at.id]).catch(() => undefined);
            finished = true;
            throw await failure(s, at);
          }
          await sleep(o.pollMs ?? 500);
        }
      } finally {
        if (finished) cluster.cancel.done(at.id);
      }
    };
    const watching = watch().catch((e: unknown) => {
      chain.submitted?.(undefined);
      if (!stopped) subscriber.error(e instanceof DistilleryFailure ? e : new DistilleryFailure(distilleryError('internal', `${said}SLURM job ${id ?? '(not submitted)'}: ${(e as Error).message}`)));
    });
    return () => {
      if (stopped) return;
      stopped = true;
      ticket?.withdraw();
      if (finished) return;
      // Asked now, in the tick every job of a dropped stage is asked in (so an array goes as one).
      const asked = id === undefined ? undefined : cluster.cancel.cancel(id);
      // Cancel once submitted, then wait (up to 30 s) until the job has left the node.
      trackCleanup(
        watching.then(async () => {
          if (id === undefined) return;
          const jobId = id;
          try {
            if (asked) await asked;
            else {
              const s = await cluster.state(jobId).catch(() => GONE);
              if (FINAL.has(s.state) || s.gone) return;
              await cluster.cancel.cancel(jobId);
            }
            for (let i = 0; i < 60; i++) {
              const now = await cluster.state(jobId).catch(() => GONE);
              if (FINAL.has(now.state) || now.gone) return;
              await sleep(500);
            }
          } finally {
            cluster.cancel.done(jobId);
          }
        }),
      );
    };
  });
