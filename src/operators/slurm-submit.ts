/**
 * How the SLURM executor puts jobs on the cluster: each job's folder and batch script, and the
 * submission queue that sends the jobs of one module that arrive together as one `sbatch --array`.
 *
 *   jobs/<n>/            one job:   input.json job.sh slurm-job-id (812)   events.jsonl output.json stdout stderr
 *                                  [dependency (afterok:811) when it waits for another job]
 *   jobs/<n>/array.sh    an array:  slurm-job-id (813), runs element i in jobs/<n>/<i>/
 *   jobs/<n>/<i>/        element i: input.json job.sh slurm-job-id (813_i) events.jsonl output.json stdout stderr
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import { quote, slurm } from './slurm-commands.ts';

/** What `sbatch` gets for every job of a run (the --slurm.* flags). */
export interface SbatchOptions {
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
}

/** A job on the cluster: its SLURM id (`812`, or `813_4` for element 4 of array 813) and folder. */
export interface Submitted {
  readonly id: string;
  readonly dir: string;
}

/** bin/distillery.mjs of this package, from src/operators/ (a clone) or dist/src/operators/ (built). */
const distilleryBin = (): string => {
  for (const up of ['../../bin/distillery.mjs', '../../../bin/distillery.mjs']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new DistilleryFailure(distilleryError('internal', 'cannot find bin/distillery.mjs beside the package'));
};

/** The job's name from its module URL (`train-teacher`). */
export const jobName = (module: string): string => fileURLToPath(module).replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '');

/** The batch script of one job, run in its folder: `distillery job <module> input.json output.json events.jsonl`. */
const jobScript = (module: string, o: SbatchOptions, label: string | undefined): string => {
  // The job runs the code the driver runs: the sources through tsx when the driver does.
  const fromSource = import.meta.url.endsWith('.ts');
  return [
    '#!/bin/sh',
    `# distillery job ${jobName(module)} (${module})${label ? `: ${label.replace(/[\r\n]+/g, ' ')}` : ''}`,
    ...(fromSource ? ['export DISTILLERY_SOURCE=1'] : []),
    `exec ${o.node ? quote(o.node) : 'node'} ${quote(distilleryBin())} job ${quote(module)} input.json output.json events.jsonl`,
    '',
  ].join('\n');
};

/** `<parent>/<n>`, the first n not taken (a resumed run keeps its earlier jobs' folders). */
const newDir = (parent: string): string => {
  mkdirSync(parent, { recursive: true });
  for (let n = 0; ; n++) {
    const dir = join(parent, String(n));
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
};

const numbered = (dir: string): string[] => {
  try {
    return readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
};

/** The latest job folder (a job's, or an array element's) of an earlier driver holding `module`'s job on `inputText`. */
export const earlierJob = (workDir: string, module: string, inputText: string): { dir: string; id?: string; output: boolean } | undefined => {
  const jobs = join(workDir, 'jobs');
  for (const n of numbered(jobs)) {
    const top = join(jobs, n);
    for (const dir of existsSync(join(top, 'array.sh')) ? numbered(top).map((i) => join(top, i)) : [top]) {
      try {
        if (!readFileSync(join(dir, 'job.sh'), 'utf8').includes(` job ${quote(module)} `) || readFileSync(join(dir, 'input.json'), 'utf8') !== inputText) continue;
      } catch {
        continue;
      }
      const id = existsSync(join(dir, 'slurm-job-id')) ? readFileSync(join(dir, 'slurm-job-id'), 'utf8').trim() : undefined;
      return { dir, ...(id ? { id } : {}), output: existsSync(join(dir, 'output.json')) };
    }
  }
  return undefined;
};

const sbatchOptions = (o: SbatchOptions): string[] => [
  ...(o.partition ? [`--partition=${o.partition}`] : []),
  ...(o.time ? [`--time=${o.time}`] : []),
  ...(o.cpus ? [`--cpus-per-task=${o.cpus}`] : []),
  ...(o.mem ? [`--mem=${o.mem}`] : []),
  ...(o.extra ?? []),
];

interface Waiting {
  readonly module: string;
  /** SLURM ids this job waits for (`--dependency=afterok:…`); empty: none. */
  readonly after: readonly string[];
  readonly inputText: string;
  readonly label: string | undefined;
  readonly settle: (s: Submitted | undefined, e?: unknown) => void;
}

/** A job handed to the queue: `submitted` resolves once it is on the cluster, or to undefined if withdrawn first. */
export interface Ticket {
  readonly submitted: Promise<Submitted | undefined>;
  /** Takes the job back if it has not gone to sbatch yet (then `submitted` resolves to undefined). */
  readonly withdraw: () => void;
}

/**
 * Collects jobs for `windowMs` after the first one arrives, then submits each module's jobs as
 * one `sbatch --array=0-(k-1)` (k ≤ arrayMax; more make several arrays; one job alone is a plain
 * batch job); jobs waiting for others (`after`) go with those waiting for the same ones. Element i reads `<dir>/<i>/input.json`, chosen by `$SLURM_ARRAY_TASK_ID`. Jobs of
 * one stage, and of the same stage of every seed, usually reach the queue in the same tick.
 */
export const submissionQueue = (o: SbatchOptions, arrayMax: number, windowMs: number) => {
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;
  const jobs = join(o.workDir, 'jobs');

  const writeJob = (dir: string, w: Waiting) => {
    writeFileSync(join(dir, 'input.json'), w.inputText);
    writeFileSync(join(dir, 'job.sh'), jobScript(w.module, o, w.label), { mode: 0o755 });
    if (w.after.length > 0) writeFileSync(join(dir, 'dependency'), `afterok:${w.after.join(':')}\n`);
  };

  const submit = async (group: Waiting[]): Promise<Submitted[]> => {
    const name = `--job-name=distillery-${jobName(group[0].module)}`;
    const after = group[0].after.length > 0 ? [`--dependency=afterok:${group[0].after.join(':')}`] : [];
    const dir = newDir(jobs);
    if (group.length === 1) {
      writeJob(dir, group[0]);
      const args = ['--parsable', name, ...after, `--chdir=${dir}`, `--output=${join(dir, 'stdout')}`, `--error=${join(dir, 'stderr')}`, ...sbatchOptions(o), join(dir, 'job.sh')];
      const id = (await slurm('sbatch', args)).trim().split(';')[0];
      writeFileSync(join(dir, 'slurm-job-id'), `${id}\n`);
      return [{ id, dir }];
    }
    group.forEach((w, i) => {
      mkdirSync(join(dir, String(i)));
      writeJob(join(dir, String(i)), w);
    });
    const script = [
      '#!/bin/sh',
      `# distillery job array: ${group.length} × ${jobName(group[0].module)}; element i runs ${dir}/<i>/job.sh`,
      `cd ${quote(dir)}/"$SLURM_ARRAY_TASK_ID" || exit 1`,
      'exec ./job.sh',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'array.sh'), script, { mode: 0o755 });
    const args = ['--parsable', name, ...after, `--array=0-${group.length - 1}`, `--chdir=${dir}`, `--output=${join(dir, '%a', 'stdout')}`, `--error=${join(dir, '%a', 'stderr')}`, ...sbatchOptions(o), join(dir, 'array.sh')];
    const arrayId = (await slurm('sbatch', args)).trim().split(';')[0];
    writeFileSync(join(dir, 'slurm-job-id'), `${arrayId}\n`);
    return group.map((_, i) => {
      const element = join(dir, String(i));
      writeFileSync(join(element, 'slurm-job-id'), `${arrayId}_${i}\n`);
      return { id: `${arrayId}_${i}`, dir: element };
    });
  };

  const flush = () => {
    timer = undefined;
    const now = waiting;
    waiting = [];
    // One array per module and dependency: sbatch's --dependency holds a whole array.
    const byModule = new Map<string, Waiting[]>();
    for (const w of now) {
      const key = `${w.module}\n${w.after.join(':')}`;
      byModule.set(key, [...(byModule.get(key) ?? []), w]);
    }
    for (const all of byModule.values())
      for (let at = 0; at < all.length; at += arrayMax) {
        const group = all.slice(at, at + arrayMax);
        submit(group).then(
          (subs) => group.forEach((w, i) => w.settle(subs[i])),
          (e: unknown) => {
            const failure =
              e instanceof DistilleryFailure
                ? e
                : new DistilleryFailure(distilleryError('io', `--executor slurm: cannot write the job's files under ${jobs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
            group.forEach((w) => w.settle(undefined, failure));
          },
        );
      }
  };

  return (module: string, inputText: string, label: string | undefined, after: readonly string[] = []): Ticket => {
    let settle!: Waiting['settle'];
    const submitted = new Promise<Submitted | undefined>((done, failed) => {
      settle = (s, e) => (e === undefined ? done(s) : failed(e));
    });
    const w: Waiting = { module, after, inputText, label, settle };
    waiting.push(w);
    timer ??= setTimeout(flush, windowMs);
    return {
      submitted,
      withdraw: () => {
        const at = waiting.indexOf(w);
        if (at < 0) return;
        waiting.splice(at, 1);
        w.settle(undefined);
        if (waiting.length === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      },
    };
  };
};
