/**
 * The SLURM executor against a real cluster (scripts/slurm-up.sh brings up a single-node one; .ci/run
 * does before the tests). Without a cluster these tests skip with the reason, except under CI=true
 * or DISTILLERY_SLURM=1, where a missing cluster fails them: CI cannot go green untested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, of, take, toArray } from 'rxjs';
import { cleanupsSettled } from '../../src/core/cleanup.ts';
import type { PipelineEvent } from '../../src/core/events.ts';
import { jobRef, moduleUrl } from '../../src/core/job.ts';
import { jobChain } from '../../src/operators/job-chain.ts';
import { jobStage } from '../../src/operators/job-stage.ts';
import { runJob } from '../../src/operators/run-job.ts';
import { slurmExecutor } from '../../src/operators/slurm-executor.ts';
import { runBuiltin, scratch, TINY_MOP } from '../pipelines/helpers.ts';

const draw = jobRef<typeof import('../fixtures/draw-job.ts')>(moduleUrl('../fixtures/draw-job', import.meta.url));
const failing = jobRef<typeof import('../fixtures/failing-job.ts')>(moduleUrl('../fixtures/failing-job', import.meta.url));
const endless = jobRef<typeof import('../fixtures/endless-job.ts')>(moduleUrl('../fixtures/endless-job', import.meta.url));
const fileJob = jobRef<typeof import('../fixtures/file-job.ts')>(moduleUrl('../fixtures/file-job', import.meta.url));

const required = ['true', '1'].includes(process.env.CI ?? '') || process.env.DISTILLERY_SLURM === '1';

/** Why no cluster can run jobs here, or undefined when one answers. */
const noCluster = (): string | undefined => {
  try {
    const ping = execFileSync('scontrol', ['ping'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return /is UP/.test(ping) ? undefined : `no SLURM controller is up (scontrol ping: ${ping.trim()})`;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string };
    return err.code === 'ENOENT' ? 'no SLURM client commands (scontrol) on the PATH' : `no SLURM controller answers (scontrol ping: ${(err.stdout || err.message).trim().split('\n')[0]})`;
  }
};
const missing = noCluster();
const skip = missing && !required ? `${missing}: sudo bash scripts/slurm-up.sh brings up a local cluster` : false;
if (skip) process.stderr.write(`test/slurm: skipped, ${skip}\n`);

const check = () => {
  if (missing) assert.fail(`${missing}, but CI=true or DISTILLERY_SLURM=1 requires a cluster: run bash scripts/slurm-up.sh first (.ci/run does)`);
};

const jobState = (id: string): string => /JobState=(\S+)/.exec(execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' }))?.[1] ?? '?';

/** The folders of single jobs and of array elements under `<workDir>/jobs`. */
const jobFolders = (jobs: string): string[] =>
  readdirSync(jobs).flatMap((n) => (existsSync(join(jobs, n, 'array.sh')) ? readdirSync(join(jobs, n)).filter((i) => /^\d+$/.test(i)).map((i) => join(jobs, n, i)) : [join(jobs, n)]));

const until = async (what: string, ok: () => boolean, ms = 60_000) => {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 100))) if (Date.now() > end) assert.fail(`waited ${ms / 1000} s for ${what}`);
};

test('mop through SLURM gives exactly the returns of the local run with the same seed', { skip, timeout: 600_000 }, async () => {
  check();
  const local = await runBuiltin('mop', TINY_MOP, { seed: 5 });
  const dir = join(scratch('slurm-mop'), 'run');
  const onCluster = await runBuiltin('mop', TINY_MOP, { seed: 5, dir, jobThread: (runDir) => slurmExecutor({ workDir: runDir }) });
  assert.equal(onCluster.status, 'completed');
  assert.deepEqual(onCluster.results.returns, local.results.returns);
  assert.deepEqual(onCluster.results.seeds, local.results.seeds);
  // Every job ran as a SLURM job (the two tasks' behavior jobs, submitted together, as one array)
  // and its reports came back while it ran.
  const jobs = jobFolders(join(dir, 'jobs'));
  assert.ok(jobs.length >= 5, `${jobs.length} jobs`);
  for (const d of jobs) {
    assert.ok(existsSync(join(d, 'output.json')), `${d}/output.json`);
    assert.equal(jobState(readFileSync(join(d, 'slurm-job-id'), 'utf8').trim()), 'COMPLETED');
  }
  const behaviors = readdirSync(join(dir, 'jobs')).filter((n) => existsSync(join(dir, 'jobs', n, 'array.sh')) && readFileSync(join(dir, 'jobs', n, '0', 'job.sh'), 'utf8').includes('train-behavior'));
  assert.equal(behaviors.length, 1, 'the behavior jobs of both tasks went out as one array');
  assert.ok(onCluster.events.some((e) => e.type === 'progress' && /(^|\/)teacher\//.test(e.id)));
  assert.ok(onCluster.events.some((e) => e.type === 'metric'));
});

test('a job that throws on the cluster fails its stage with its message and the SLURM job named', { skip, timeout: 120_000 }, async () => {
  check();
  const events: PipelineEvent[] = [];
  const executor = slurmExecutor({ workDir: scratch('slurm-fail') });
  const stage = of(1).pipe(
    jobStage({ emit: (e) => events.push(e), jobThread: executor }, { job: failing, input: () => ({}), output: (_v, o) => o, display: () => ({ id: 'f', label: 'failing' }) }),
  );
  await assert.rejects(lastValueFrom(stage), (e: Error) => {
    assert.match(e.message, /^failing: job failing-job \(SLURM job \d+, .*\) FAILED \(exit 70:0[^)]*\): the job failed on purpose$/);
    assert.equal(e.name, 'DistilleryFailure');
    return true;
  });
});

test('a job killed on the cluster (scancel) fails with its state; unsubscribing scancels the job', { skip, timeout: 120_000 }, async () => {
  check();
  const workDir = scratch('slurm-cancel');
  // Killed by someone else while it runs: the stage fails, saying so.
  const killed = lastValueFrom(runJob(endless, {}, { thread: slurmExecutor({ workDir }) }));
  const idFile = join(workDir, 'jobs', '0', 'slurm-job-id');
  for (let i = 0; i < 600 && !(existsSync(idFile) && existsSync(join(workDir, 'jobs', '0', 'events.jsonl'))); i++) await new Promise((r) => setTimeout(r, 100));
  execFileSync('scancel', [readFileSync(idFile, 'utf8').trim()]);
  await assert.rejects(killed, /^DistilleryFailure: job endless-job \(SLURM job \d+, .*\) CANCELLED/);
  // Unsubscribed by the driver (Ctrl-C): the job is cancelled before the cleanup settles.
  const first = await lastValueFrom(runJob(endless, {}, { thread: slurmExecutor({ workDir }) }).pipe(take(2), toArray()));
  assert.equal(first.length, 2);
  await cleanupsSettled();
  assert.equal(jobState(readFileSync(join(workDir, 'jobs', '1', 'slurm-job-id'), 'utf8').trim()), 'CANCELLED');
});

test('draw: the output of a job run through SLURM equals the one in this thread, reports included', { skip, timeout: 120_000 }, async () => {
  check();
  const onCluster = await lastValueFrom(runJob(draw, { seed: 4, n: 5 }, { thread: slurmExecutor({ workDir: scratch('slurm-draw'), pollMs: 200 }) }).pipe(toArray()));
  const here = await lastValueFrom(runJob(draw, { seed: 4, n: 5 }, { thread: 'main' }).pipe(toArray()));
  assert.deepEqual(onCluster, here);
});

test('run --executor: bad flags and a machine without SLURM give one line and exit 1, and write nothing (no cluster needed)', async () => {
  const { main } = await import('../../src/cli/main.ts');
  const { captureIO } = await import('../helpers/io.ts');
  const out = join(scratch('slurm-flags'), 'run');
  const cases: [string[], RegExp][] = [
    [['--executor', 'pbs'], /^distillery run: --executor: expected local or slurm, got "pbs"$/],
    [['--slurm.time', '01:00:00'], /^distillery run: --slurm\.time needs --executor slurm$/],
    [['--executor', 'slurm', '--slurm.time', '1h'], /^distillery run: --slurm\.time: expected a time limit/],
    [['--executor', 'slurm', '--slurm.cpus', '0'], /^distillery run: --slurm\.cpus: expected a positive integer, got "0"$/],
    [['--executor', 'slurm', '--slurm.mem', 'lots'], /^distillery run: --slurm\.mem: expected a memory size/],
    [['--executor', 'slurm', '--slurm.extra', 'oops'], /^distillery run: --slurm\.extra: expected sbatch options/],
    [['--executor', 'slurm', '--slurm.array-max', '0'], /^distillery run: --slurm\.array-max: expected a positive integer \(jobs per sbatch --array; 1: no arrays\), got "0"$/],
    [['--slurm.array-max', '8'], /^distillery run: --slurm\.array-max needs --executor slurm$/],
  ];
  for (const [flags, expected] of cases) {
    const io = captureIO();
    const code = await main(['run', 'mop', '--out', out, ...flags], io);
    assert.equal(code, 1, flags.join(' '));
    assert.match(io.err().trim(), expected);
    assert.equal(io.err().trim().split('\n').length, 1);
  }
  // No SLURM commands on the PATH (only node): said plainly, before anything is written.
  const { mkdtempSync, symlinkSync } = await import('node:fs');
  const bin = mkdtempSync(join(scratch('slurm-path'), 'bin-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [new URL('../../bin/distillery.mjs', import.meta.url).pathname, 'run', 'mop', '--executor', 'slurm', '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, PATH: bin },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^distillery run: --executor slurm: sbatch is not on the PATH \(/);
  assert.ok(!existsSync(out));
});

test('a job\'s input and output travel exactly: typed arrays and non-finite numbers included, a Map refused with its path (no cluster needed)', async () => {
  const { decodeWire, encodeWire } = await import('../../src/operators/wire-json.ts');
  const value = { a: [1, 0.1, -0, 1e-310], f32: Float32Array.from([0.1, Infinity, -0]), f64: Float64Array.from([Math.PI, NaN]), i: Int32Array.from([-3]), n: -Infinity, s: 'x', o: { b: null, t: true } };
  const back = decodeWire(encodeWire(value, 'output')) as typeof value;
  assert.deepStrictEqual(back, value);
  assert.ok(Object.is(back.a[2], -0));
  assert.ok(back.f32 instanceof Float32Array && back.f64 instanceof Float64Array);
  assert.throws(() => encodeWire({ w: { m: new Map() } }, 'output'), /^DistilleryFailure: output\.w\.m is Map, which does not travel as JSON/);
});

test('resume: a job an earlier driver submitted gives its output without running again, or is waited for while it runs', { skip, timeout: 120_000 }, async () => {
  check();
  const workDir = scratch('slurm-resume');
  const first = await lastValueFrom(runJob(draw, { seed: 7, n: 3 }, { thread: slurmExecutor({ workDir }) }));
  const again = await lastValueFrom(runJob(draw, { seed: 7, n: 3 }, { thread: slurmExecutor({ workDir, resume: true }) }));
  assert.deepEqual(again, first);
  assert.deepEqual(readdirSync(join(workDir, 'jobs')), ['0']);
  // A driver that stopped watching (crashed) left a job running: the next one attaches to it.
  const orphan = runJob(endless, {}, { thread: slurmExecutor({ workDir }) }).subscribe({ error: () => undefined });
  const idFile = join(workDir, 'jobs', '1', 'slurm-job-id');
  for (let i = 0; i < 600 && !existsSync(idFile); i++) await new Promise((r) => setTimeout(r, 100));
  const attached = await lastValueFrom(runJob(endless, {}, { thread: slurmExecutor({ workDir, resume: true }) }).pipe(take(2), toArray()));
  assert.equal(attached.length, 2);
  await cleanupsSettled();
  assert.deepEqual(readdirSync(join(workDir, 'jobs')).sort(), ['0', '1']);
  assert.equal(jobState(readFileSync(idFile, 'utf8').trim()), 'CANCELLED');
  orphan.unsubscribe();
});

test('a sweep of one job goes out as one sbatch --array (at most arrayMax per array) and gives exactly the outputs of this thread', { skip, timeout: 180_000 }, async () => {
  check();
  const seeds = [11, 12, 13, 14, 15];
  const sweep = (thread: Parameters<typeof jobStage>[0]['jobThread']) =>
    lastValueFrom(
      from(seeds).pipe(
        jobStage({ emit: () => undefined, jobThread: thread }, { job: draw, input: (seed) => ({ seed, n: 4 }), output: (seed, o) => ({ seed, o }), display: (seed) => ({ id: `draw/${seed}`, label: `draw seed ${seed}` }) }),
        toArray(),
      ),
    ).then((r) => [...r].sort((a, b) => a.seed - b.seed));
  const here = await sweep('main');
  const workDir = scratch('slurm-array');
  assert.deepEqual(await sweep(slurmExecutor({ workDir, pollMs: 200 })), here);
  // One array of 5: jobs/0/array.sh, elements jobs/0/<i> with SLURM ids <array>_<i>, each its own input.
  assert.deepEqual(readdirSync(join(workDir, 'jobs')), ['0']);
  const arrayId = readFileSync(join(workDir, 'jobs', '0', 'slurm-job-id'), 'utf8').trim();
  assert.match(arrayId, /^\d+$/);
  const inputs = seeds.map((_, i) => {
    assert.equal(readFileSync(join(workDir, 'jobs', '0', String(i), 'slurm-job-id'), 'utf8').trim(), `${arrayId}_${i}`);
    assert.equal(jobState(`${arrayId}_${i}`), 'COMPLETED');
    return (JSON.parse(readFileSync(join(workDir, 'jobs', '0', String(i), 'input.json'), 'utf8')) as { seed: number }).seed;
  });
  assert.deepEqual([...inputs].sort(), seeds);
  // arrayMax 3: an array of 3 and one of 2, same outputs.
  const capped = scratch('slurm-array-max');
  assert.deepEqual(await sweep(slurmExecutor({ workDir: capped, pollMs: 200, arrayMax: 3 })), here);
  assert.deepEqual(readdirSync(join(capped, 'jobs')).map((n) => readdirSync(join(capped, 'jobs', n)).filter((i) => /^\d+$/.test(i)).length).sort(), [2, 3]);
  // --resume finds every element's output without submitting anything.
  assert.deepEqual(await sweep(slurmExecutor({ workDir, pollMs: 200, resume: true })), here);
  assert.deepEqual(readdirSync(join(workDir, 'jobs')), ['0']);
});

test('an array element killed on the cluster fails its stage naming its task; the rest of the array is scancelled', { skip, timeout: 180_000 }, async () => {
  check();
  const workDir = scratch('slurm-array-kill');
  const tasks = ['left', 'right', 'up'];
  const stage = lastValueFrom(
    from(tasks).pipe(jobStage({ emit: () => undefined, jobThread: slurmExecutor({ workDir, pollMs: 200 }) }, { job: endless, input: () => ({}), output: (_t, o) => o, display: (task) => ({ id: task, label: `endless ${task}` }) })),
  );
  const failed = assert.rejects(stage, (e: Error) => {
    assert.match(e.message, /^endless right: job endless-job \(SLURM job \d+_1, .*jobs\/0\/1\) CANCELLED/);
    return true;
  });
  await until('element 1 to run', () => existsSync(join(workDir, 'jobs', '0', '1', 'events.jsonl')));
  const arrayId = readFileSync(join(workDir, 'jobs', '0', 'slurm-job-id'), 'utf8').trim();
  execFileSync('scancel', [`${arrayId}_1`]);
  await failed;
  await cleanupsSettled();
  for (const i of [0, 1, 2]) assert.equal(jobState(`${arrayId}_${i}`), 'CANCELLED', `element ${i}`);
});

test('interrupting a stage scancels its array, running and pending elements alike', { skip, timeout: 180_000 }, async (t) => {
  check();
  const workDir = scratch('slurm-array-cancel');
  const events: PipelineEvent[] = [];
  // scancel as the executor finds it on the PATH: the real one, each call logged.
  const bin = scratch('slurm-scancel-log');
  const log = join(bin, 'calls');
  const real = execFileSync('sh', ['-c', 'command -v scancel'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'scancel'), `#!/bin/sh\necho "$@" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  t.after(() => {
    process.env.PATH = path;
  });
  // Three endless jobs on a 2-core node: two run, one waits; the stage is dropped (Ctrl-C) once one reports.
  const running = from(['a', 'b', 'c'])
    .pipe(jobStage({ emit: (e) => events.push(e), jobThread: slurmExecutor({ workDir, pollMs: 200 }) }, { job: endless, input: () => ({}), output: (_t, o) => o, display: (task) => ({ id: task, label: `endless ${task}` }) }))
    .subscribe({ error: (e: unknown) => assert.fail(String(e)) });
  await until('a report from the array', () => events.some((e) => e.type === 'progress'));
  const arrayId = readFileSync(join(workDir, 'jobs', '0', 'slurm-job-id'), 'utf8').trim();
  assert.equal(jobState(`${arrayId}_0`), 'RUNNING');
  running.unsubscribe();
  await cleanupsSettled();
  for (const i of [0, 1, 2]) assert.equal(jobState(`${arrayId}_${i}`), 'CANCELLED', `element ${i}`);
  assert.equal(readFileSync(log, 'utf8'), `${arrayId}\n`, 'one scancel, of the array');
});

/** first writes `<dir>/<task>.txt` after `ms`; then reads it: its input names the file, not first's output. */
const writeThenRead = (ctx: Parameters<typeof jobChain>[0], dir: string, ms: number) =>
  jobChain(ctx, {
    first: { job: fileJob, input: (task: string) => ({ ms, write: join(dir, `${task}.txt`), text: `made for ${task}` }), display: (task) => ({ id: `w/${task}`, label: `write ${task}` }) },
    then: { job: fileJob, input: (_task, first) => ({ ms: 0, read: first.write }), display: (task) => ({ id: `r/${task}`, label: `read ${task}` }) },
    output: (task, _w, r) => ({ task, read: r.read }),
  });

test('jobChain: the second job starts after the first succeeded and reads its file; a failed first fails the chain and the second never runs (no cluster needed)', async () => {
  const dir = scratch('chain-local');
  const events: PipelineEvent[] = [];
  const out = await lastValueFrom(from(['a', 'b']).pipe(writeThenRead({ emit: (e) => events.push(e), jobThread: 'main' }, dir, 50), toArray()));
  assert.deepEqual([...out].sort((x, y) => x.task.localeCompare(y.task)), [{ task: 'a', read: 'made for a' }, { task: 'b', read: 'made for b' }]);
  assert.ok(events.some((e) => e.type === 'progress' && e.id === 'w/a') && events.some((e) => e.type === 'progress' && e.id === 'r/b'));
  const chain = of('x').pipe(
    jobChain({ emit: () => undefined, jobThread: 'main' }, {
      first: { job: failing, input: () => ({}), display: () => ({ id: 'f', label: 'failing' }) },
      then: { job: fileJob, input: () => ({ ms: 0, write: join(dir, 'never.txt') }), display: () => ({ id: 'n', label: 'never' }) },
      output: (_v, _f, n) => n,
    }),
  );
  await assert.rejects(lastValueFrom(chain), /the job failed on purpose/);
  assert.ok(!existsSync(join(dir, 'never.txt')));
});

test('jobChain on SLURM: the second job is submitted ahead with --dependency=afterok and the cluster starts it; a failed first cancels it', { skip, timeout: 180_000 }, async () => {
  check();
  const workDir = scratch('slurm-chain');
  const files = scratch('slurm-chain-files');
  const running = lastValueFrom(from(['a', 'b']).pipe(writeThenRead({ emit: () => undefined, jobThread: slurmExecutor({ workDir, pollMs: 200 }) }, files, 3000), toArray()));
  // While the writers run, a reader waits on the cluster for its writer (Reason=Dependency).
  const firstReader = join(workDir, 'jobs', '1', 'slurm-job-id');
  await until('a reader to be submitted', () => existsSync(firstReader));
  const waiting = execFileSync('scontrol', ['show', 'job', '-o', readFileSync(firstReader, 'utf8').trim()], { encoding: 'utf8' });
  assert.match(waiting, /Dependency=afterok:\d+_[01]\(unfulfilled\)/);
  assert.match(waiting, /JobState=PENDING Reason=Dependency/);
  const out = await running;
  assert.deepEqual([...out].sort((x, y) => x.task.localeCompare(y.task)), [{ task: 'a', read: 'made for a' }, { task: 'b', read: 'made for b' }]);
  // The two writers went out as one array (jobs/0); each reader was submitted before its writer finished.
  const writers = join(workDir, 'jobs', '0');
  assert.ok(existsSync(join(writers, 'array.sh')));
  const readers = readdirSync(join(workDir, 'jobs')).filter((n) => n !== '0');
  assert.equal(readers.length, 2);
  for (const n of readers) {
    const reader = join(workDir, 'jobs', n);
    const task = (JSON.parse(readFileSync(join(reader, 'input.json'), 'utf8')) as { read: string }).read.endsWith('a.txt') ? 'a' : 'b';
    const writer = [0, 1].map((i) => join(writers, String(i))).find((d) => readFileSync(join(d, 'input.json'), 'utf8').includes(`${task}.txt`));
    assert.ok(writer);
    assert.ok(statSync(join(reader, 'slurm-job-id')).mtimeMs < statSync(join(writer, 'output.json')).mtimeMs, `reader of ${task} submitted before its writer finished`);
    assert.equal(readFileSync(join(reader, 'dependency'), 'utf8').trim(), `afterok:${readFileSync(join(writer, 'slurm-job-id'), 'utf8').trim()}`);
  }
  // A first job that fails: the chain fails with its message; the waiting second job is cancelled.
  const failWork = scratch('slurm-chain-fail');
  const chain = of('x').pipe(
    jobChain({ emit: () => undefined, jobThread: slurmExecutor({ workDir: failWork, pollMs: 200 }) }, {
      first: { job: failing, input: () => ({}), display: () => ({ id: 'f', label: 'failing x' }) },
      then: { job: fileJob, input: () => ({ ms: 0, write: join(files, 'never.txt') }), display: () => ({ id: 'n', label: 'never x' }) },
      output: (_v, _f, n) => n,
    }),
  );
  await assert.rejects(lastValueFrom(chain), /^DistilleryFailure: failing x: job failing-job \(SLURM job \d+, .*\) FAILED .*the job failed on purpose$/);
  await cleanupsSettled();
  assert.equal(jobState(readFileSync(join(failWork, 'jobs', '1', 'slurm-job-id'), 'utf8').trim()), 'CANCELLED');
  assert.ok(!existsSync(join(files, 'never.txt')));
});
