/**
 * The SLURM client commands the executor uses (sbatch, scontrol, scancel) and what it reads from
 * them. Only `scontrol show job` is polled: no accounting database (sacct) is assumed.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';

/** Runs a SLURM command; ENOENT (not installed) and a non-zero exit become one-line failures. */
export const slurm = (command: string, args: readonly string[]): Promise<string> =>
  new Promise((done, failed) => {
    execFile(command, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return done(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return failed(new DistilleryFailure(distilleryError('unsupported', `${command} is not on the PATH: --executor slurm needs the SLURM client commands (sbatch, scontrol, scancel) where distillery runs`)));
      const said = oneLine(stderr || stdout || error.message);
      failed(new DistilleryFailure(distilleryError(command === 'sbatch' ? 'invalid-input' : 'io', `${command} ${args.join(' ')}: ${said}`)));
    });
  });

export const oneLine = (s: string): string => s.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');

/** The states after which a job will never run again (squeue/scontrol JobState). */
export const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

export interface JobState {
  readonly state: string;
  readonly exitCode?: string;
  readonly reason?: string;
  /** The controller no longer knows the job (older than MinJobAge). */
  readonly gone?: boolean;
}

export const GONE: JobState = { state: 'UNKNOWN', gone: true };

/** `0-3,5,8-12:2%4` (an ArrayTaskId of scontrol, or sbatch's --array) → [0, 1, 2, 3, 5, 8, 10, 12]. */
export const arrayIndices = (spec: string): number[] =>
  spec
    .replace(/%\d+$/, '')
    .split(',')
    .flatMap((part) => {
      const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
      if (!m) return [];
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      const step = m[3] === undefined ? 1 : Math.max(1, Number(m[3]));
      const out: number[] = [];
      for (let i = from; i <= to; i += step) out.push(i);
      return out;
    });

/**
 * `scontrol show job -o` output → state by job id: a plain job under its JobId, an array element
 * under `<array id>_<index>` (the pending elements of an array share one line, `ArrayTaskId=2-5`).
 */
export const parseJobLines = (out: string): Map<string, JobState> => {
  const states = new Map<string, JobState>();
  for (const line of out.split('\n')) {
    const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
    const jobId = field('JobId');
    if (jobId === undefined) continue;
    const exitCode = field('ExitCode');
    const reason = field('Reason');
    const s: JobState = { state: field('JobState') ?? 'UNKNOWN', ...(exitCode ? { exitCode } : {}), ...(reason && reason !== 'None' ? { reason } : {}) };
    const arrayId = field('ArrayJobId');
    const tasks = field('ArrayTaskId');
    if (arrayId !== undefined && tasks !== undefined) for (const i of arrayIndices(tasks)) states.set(`${arrayId}_${i}`, s);
    else states.set(jobId, s);
  }
  return states;
};

/**
 * States of jobs and array elements, one `scontrol show job -o <id>` per job or array per poll
 * however many of its elements are watched: elements ask `state('812_3')` and share the answer
 * of `scontrol show job 812` while it is younger than `maxAgeMs`.
 */
export const statePoller = (maxAgeMs: number) => {
  const recent = new Map<string, { at: number; states: Promise<Map<string, JobState>> }>();
  const show = async (key: string): Promise<Map<string, JobState>> => {
    try {
      return parseJobLines(await slurm('scontrol', ['show', 'job', '-o', key]));
    } catch (e) {
      if (e instanceof DistilleryFailure && /Invalid job id/i.test(e.error.message)) return new Map();
      throw e;
    }
  };
  return async (id: string): Promise<JobState> => {
    const key = id.split('_')[0];
    const now = Date.now();
    let entry = recent.get(key);
    if (!entry || now - entry.at > maxAgeMs) {
      entry = { at: now, states: show(key) };
      recent.set(key, entry);
      // A failed look is not kept: the next poll asks again.
      entry.states.catch(() => recent.delete(key));
    }
    return (await entry.states).get(id) ?? GONE;
  };
};

export const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last `lines` lines of a file as one line, or undefined when it is missing or empty. */
export const tail = async (file: string, lines: number): Promise<string | undefined> => {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : oneLine(text.split('\n').slice(-lines).join('\n'));
  } catch {
    return undefined;
  }
};
