/**
 * kill -9 during the teacher stage of `mop --seed 3`, then `--resume`: the finished stages
 * (behavior, datasets) are reused, the rest recomputed, and the returns equal an uninterrupted run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { loadPipeline, runPipeline } from '../../src/pipeline/index.ts';
import { captureIO } from '../helpers/io.ts';
import { runBuiltin, scratch, TINY_MOP } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
// Teachers long enough to be killed while they train.
const SETTINGS = [...TINY_MOP, 'teacher.steps=400'];

/** Starts `distillery run mop` and SIGKILLs it once a teacher reports progress. */
const killDuringTeachers = (dir: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', 'mop', ...SETTINGS.flatMap((s) => ['--set', s]), '--seed', '3', '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += String(d);
      if (/teacher (left|right): \d+\/400/.test(err)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`mop ended before the teacher stage (code ${code}):\n${err}`))));
  });

test('kill -9 in the teacher stage, then --resume: behavior and data reused, returns equal an uninterrupted run', async () => {
  const dir = join(scratch('resume'), 'run');
  await killDuringTeachers(dir);
  const resumed = await runBuiltin('mop', [], { dir, resume: true });
  assert.equal(resumed.status, 'completed');
  assert.deepEqual([...resumed.results.run.reused].sort(), ['behavior/left', 'behavior/right', 'data/left/expert', 'data/left/medium', 'data/right/expert', 'data/right/medium'].map((stage) => `seed-3/${stage}`));
  const whole = await runBuiltin('mop', SETTINGS, { seed: 3 });
  assert.deepEqual(resumed.results.returns, whole.results.returns);
});

test('--resume refuses new parameters, a directory without a run, and another pipeline\'s run', async () => {
  const mop = await loadPipeline('mop')();
  assert.ok(E.isRight(mop));
  const io = captureIO();
  const opts = { stdout: io.stdout, stderr: io.stderr, resume: true };
  const withSet = await runPipeline(mop.right, { ...opts, out: scratch('r1'), overrides: ['teacher.steps=5'] });
  assert.ok(E.isLeft(withSet) && /drop --set/.test(withSet.left.message));
  const empty = await runPipeline(mop.right, { ...opts, out: scratch('r2') });
  assert.ok(E.isLeft(empty) && /no run to resume/.test(empty.left.message));
  const collected = await runBuiltin('collect', ['episodes=1', 'kinds=["random"]']);
  const other = await runPipeline(mop.right, { ...opts, out: collected.dir });
  assert.ok(E.isLeft(other) && /is a run of "collect"/.test(other.left.message));
});
