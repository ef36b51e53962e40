/**
 * `distillery run … --executor local|slurm [--slurm.partition P --slurm.time T --slurm.cpus N
 * --slurm.mem M --slurm.extra '…' --slurm.array-max N]`: the flags, checked before anything runs, and the executor
 * they give (a function of the run directory, which the runner picks).
 */
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../core/errors.ts';
import type { JobExecutor } from '../operators/run-job.ts';
import { checkSlurmOptions, slurmExecutor, type SlurmOptions } from '../operators/slurm-executor.ts';

export const EXECUTOR_FLAGS = {
  executor: { type: 'string' },
  'slurm.partition': { type: 'string' },
  'slurm.time': { type: 'string' },
  'slurm.cpus': { type: 'string' },
  'slurm.mem': { type: 'string' },
  'slurm.extra': { type: 'string', multiple: true },
  'slurm.array-max': { type: 'string' },
} as const;

export const EXECUTOR_USAGE = '[--executor local|slurm [--slurm.partition P] [--slurm.time HH:MM:SS] [--slurm.cpus N] [--slurm.mem M] [--slurm.extra ARGS] [--slurm.array-max N]]';

/** Filesystems that every node of a cluster usually mounts (statfs magic numbers). */
const SHARED_FS: Record<number, string> = { 0x6969: 'NFS', 0xff534d42: 'CIFS', 0xfe534d42: 'SMB2', 0x0bd00bd0: 'Lustre', 0x47504653: 'GPFS', 0x19830326: 'BeeGFS', 0x00c36400: 'CephFS', 0x65735546: 'FUSE' };
const LOCAL_FS: Record<number, string> = { 0x01021994: 'tmpfs', 0xef53: 'ext4', 0x58465342: 'XFS', 0x9123683e: 'Btrfs', 0x794c7630: 'overlay' };

const run = (command: string, args: readonly string[]): { ok: true; out: string } | { ok: false; missing: boolean; said: string } => {
  try {
    return { ok: true, out: execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    return { ok: false, missing: err.code === 'ENOENT', said: (err.stderr || err.message).trim().split('\n')[0] };
  }
};

/**
 * The executor the flags ask for (undefined: local worker threads, the default), after checking
 * that SLURM is there: sbatch on the PATH, a controller that answers, and a run directory the
 * nodes can see. `out` is --out (the run directory goes under ./runs without it); `notes` gets
 * what the user should know but that does not stop the run.
 */
export const executorFromFlags = (
  values: Record<string, unknown>,
  out: string | undefined,
  notes: (line: string) => void,
): E.Either<DistilleryError, ((runDir: string) => JobExecutor) | undefined> => {
  const executor = values.executor ?? 'local';
  const slurmFlags = Object.keys(EXECUTOR_FLAGS).filter((k) => k.startsWith('slurm.') && values[k] !== undefined);
  if (executor !== 'local' && executor !== 'slurm') return E.left(distilleryError('invalid-input', `--executor: expected local or slurm, got "${String(executor)}"`));
  if (executor === 'local') {
    return slurmFlags.length > 0 ? E.left(distilleryError('invalid-input', `--${slurmFlags[0]} needs --executor slurm`)) : E.right(undefined);
  }
  const cpus = values['slurm.cpus'];
  if (cpus !== undefined && !/^[1-9]\d*$/.test(String(cpus))) return E.left(distilleryError('invalid-input', `--slurm.cpus: expected a positive integer, got "${String(cpus)}"`));
  const arrayMax = values['slurm.array-max'];
  if (arrayMax !== undefined && !/^[1-9]\d*$/.test(String(arrayMax)))
    return E.left(distilleryError('invalid-input', `--slurm.array-max: expected a positive integer (jobs per sbatch --array; 1: no arrays), got "${String(arrayMax)}"`));
  const extra = ((values['slurm.extra'] as string[] | undefined) ?? []).flatMap((s) => s.split(/\s+/).filter(Boolean));
  const bad = extra.find((a) => !a.startsWith('-'));
  if (bad !== undefined) return E.left(distilleryError('invalid-input', `--slurm.extra: expected sbatch options (--account=X …), got "${bad}"`));
  const options: Omit<SlurmOptions, 'workDir'> = {
    ...(typeof values['slurm.partition'] === 'string' ? { partition: values['slurm.partition'] } : {}),
    ...(typeof values['slurm.time'] === 'string' ? { time: values['slurm.time'] } : {}),
    ...(cpus !== undefined ? { cpus: Number(cpus) } : {}),
    ...(typeof values['slurm.mem'] === 'string' ? { mem: values['slurm.mem'] } : {}),
    ...(extra.length > 0 ? { extra } : {}),
    ...(arrayMax !== undefined ? { arrayMax: Number(arrayMax) } : {}),
  };
  const checked = checkSlurmOptions({ ...options, workDir: '.' });
  if (E.isLeft(checked)) return checked;

  const sbatch = run('sbatch', ['--version']);
  if (!sbatch.ok)
    return E.left(
      distilleryError(
        'unsupported',
        sbatch.missing
          ? '--executor slurm: sbatch is not on the PATH (run on a machine with the SLURM client commands: a login node, or scripts/slurm-up.sh for a local cluster)'
          : `--executor slurm: sbatch does not run (${sbatch.said})`,
      ),
    );
  const ping = run('scontrol', ['ping']);
  if (!ping.ok || !/is UP/.test(ping.out))
    return E.left(distilleryError('io', `--executor slurm: no SLURM controller answers (scontrol ping: ${ping.ok ? ping.out.trim().split('\n')[0] : ping.said})`));
  const nodes = run('sinfo', ['-h', '-N', '-o', '%N', ...(options.partition ? ['-p', options.partition] : [])]);
  if (!nodes.ok) return E.left(distilleryError('io', `--executor slurm: sinfo: ${nodes.said}`));
  const names = [...new Set(nodes.out.split('\n').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) return E.left(distilleryError('invalid-input', `--executor slurm: ${options.partition ? `partition "${options.partition}" has` : 'the cluster has'} no nodes`));

  // The jobs read their input from the run directory and write their output there.
  const here = hostname().split('.')[0];
  if (!(names.length === 1 && names[0] === here)) {
    // Where the run directory will be: --out, or ./runs; the nearest existing folder tells the filesystem.
    let probe = resolve(out ?? 'runs');
    let type: number | undefined;
    for (let i = 0; i < 64 && type === undefined; i++) {
      try {
        type = statfsSync(probe).type;
      } catch {
        probe = dirname(probe);
      }
    }
    if (type !== undefined && SHARED_FS[type] === undefined && LOCAL_FS[type] !== undefined)
      notes(
        `note: the run directory is on a local ${LOCAL_FS[type]} filesystem of ${here}, and jobs run on ${names.slice(0, 4).join(', ')}${names.length > 4 ? '…' : ''}: ` +
          `they see it only if it is exported to them (else the first job fails saying so; use --out on a shared filesystem)`,
      );
  }
  // --resume also picks up jobs an earlier driver of the run submitted (finished or still running).
  return E.right((runDir: string) => slurmExecutor({ ...options, workDir: runDir, ...(values.resume ? { resume: true } : {}) }));
};
