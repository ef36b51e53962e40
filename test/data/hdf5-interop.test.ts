/**
 * D4RL and Minari import/export against files written by h5py. The fixtures in
 * test/fixtures/hdf5/ were made once by make_fixtures.py there (Debian's python3-h5py 3.7.0);
 * expected.json holds what h5py reads from them. The read-back test runs h5py on our exports
 * (skipped, with its reason printed, where /usr/bin/python3 has no h5py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { main } from '../../src/cli/main.ts';
import { openDatasetReader, openDatasetWriter } from '../../src/data/index.ts';
import { readFlatTask, type FlatTransitions } from '../../src/data/interop.ts';
import { captureIO } from '../helpers/io.ts';
import { runBuiltin } from '../pipelines/helpers.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/hdf5/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8'));
const scratch = () => mkdtempSync(join(tmpdir(), 'distillery-hdf5-'));

const cli = async (...argv: string[]) => {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};
const ok = async (...argv: string[]) => {
  const r = await cli(...argv);
  assert.equal(r.code, 0, r.err);
  return r;
};
const flatOf = async (path: string, task?: string): Promise<FlatTransitions> => {
  const r = await readFlatTask(path, task);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.flat;
};
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const hasH5py = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { encoding: 'utf8' }).status === 0;

test('import d4rl: an h5py file becomes a dataset with the same arrays, episodes split on terminals and timeouts', async () => {
  const dir = scratch();
  const out = join(dir, 'd.arrow');
  const r = await ok('import', fixture('d4rl-small.hdf5'), '--format', 'd4rl', '--env', 'hopper-medium-v2', '--task', 'hop', '--out', out, '--json');
  const summary = JSON.parse(r.out);
  assert.equal(summary.rows, expected.d4rl.rows);
  assert.equal(summary.episodes, 3);
  close(summary.returnTotal, expected.d4rl.return_total, 'return total');
  const f = await flatOf(out);
  close(sum(f.observation), expected.d4rl.observations_sum, 'observations');
  close(sum(f.nextObservation), expected.d4rl.next_observations_sum, 'next_observations');
  close(sum(f.action), expected.d4rl.actions_sum, 'actions');
  assert.deepEqual([...f.episode], [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
  assert.deepEqual([...f.step], [0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 4]);
  assert.deepEqual([...f.terminated], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...f.truncated], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); // the timeout, and the file's end
  // replay (the command) sees the same totals
  const replay = JSON.parse((await ok('replay', out, '--json')).out);
  assert.equal(replay.transitions, 12);
  close(replay.tasks.hop.return.mean * replay.tasks.hop.episodes, expected.d4rl.return_total, 'replay return total');
  const inspect = JSON.parse((await ok('inspect', out, '--json')).out);
  assert.equal(inspect.metadata.envId, 'hopper-medium-v2');
  assert.deepEqual(inspect.metadata.tasks, ['hop']);
});

test('import d4rl without next_observations: each episode\'s last transition is left out, and said so', async () => {
  const out = join(scratch(), 'd.arrow');
  const r = await ok('import', fixture('d4rl-nonext.hdf5'), '--format', 'd4rl', '--env', 'hopper', '--task', 'hop', '--out', out);
  assert.match(r.out, /9 transitions in 3 episodes .*3 last transitions of episodes left out/);
  const f = await flatOf(out);
  assert.equal(f.size, expected.d4rl_nonext.rows);
  close(sum(f.reward), expected.d4rl_nonext.return_total, 'return total');
  // next observation of a kept row is the following row's observation
  for (let i = 0; i + 1 < f.size; i++) if (f.episode[i] === f.episode[i + 1]) assert.deepEqual(f.nextObservation.subarray(i * 3, i * 3 + 3), f.observation.subarray((i + 1) * 3, (i + 2) * 3));
  assert.deepEqual([...f.truncated], [0, 0, 1, 0, 1, 0, 0, 0, 1]);
});

test('import minari: episode groups in id order, N+1 observations, discrete actions', async () => {
  const out = join(scratch(), 'm.arrow');
  const r = JSON.parse((await ok('import', fixture('minari-small.hdf5'), '--format', 'minari', '--env', 'CartPole-v1', '--task', 'balance', '--out', out, '--json')).out);
  assert.deepEqual([r.rows, r.episodes], [expected.minari.rows, 3]);
  close(r.returnTotal, expected.minari.return_total, 'return total');
  const f = await flatOf(out);
  assert.equal(f.discreteActions, true);
  assert.deepEqual([...new Set(f.episode)], [0, 1, 10]);
  assert.deepEqual([...f.truncated], [0, 0, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual([...f.terminated], [0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const inspect = JSON.parse((await ok('inspect', out, '--json')).out);
  assert.deepEqual(inspect.metadata.actionSpace, { kind: 'discrete', n: Math.max(...f.action) + 1 });
  // a Minari dataset directory (data/main_data.hdf5) is read the same
  const ds = scratch();
  mkdirSync(join(ds, 'data'));
  copyFileSync(fixture('minari-small.hdf5'), join(ds, 'data', 'main_data.hdf5'));
  await ok('import', ds, '--format', 'minari', '--env', 'CartPole-v1', '--task', 'balance', '--out', join(ds, 'again.arrow'));
  assert.deepEqual(await flatOf(join(ds, 'again.arrow')), f);
});

test('round trips Arrow → HDF5 → Arrow are lossless (D4RL and Minari; a collected dataset and imported ones)', async () => {
  const dir = scratch();
  const run = await runBuiltin('collect', ['episodes=2', 'kinds=["random"]']);
  const collected = run.results.datasets.left.random.path as string;
  await ok('import', fixture('d4rl-small.hdf5'), '--format', 'd4rl', '--env', 'hopper', '--task', 'hop', '--out', join(dir, 'd.arrow'));
  await ok('import', fixture('minari-small.hdf5'), '--format', 'minari', '--env', 'CartPole-v1', '--task', 'balance', '--out', join(dir, 'm.arrow'));
  const cases: [string, string, string[]][] = [
    [collected, 'left', ['d4rl', 'minari']],
    [join(dir, 'd.arrow'), 'hop', ['d4rl']], // random next_observations: not Minari-shaped
    [join(dir, 'm.arrow'), 'balance', ['d4rl', 'minari']],
  ];
  for (const [file, task, formats] of cases)
    for (const format of formats) {
      const h5 = join(dir, `${task}-${format}.hdf5`);
      const back = join(dir, `${task}-${format}.arrow`);
      await ok('export', file, '--format', format, '--task', task, '--out', h5);
      await ok('import', h5, '--format', format, '--out', back); // env and task from the carried metadata
      assert.deepEqual(await flatOf(back), await flatOf(file, task), `${file} via ${format}`);
      const a = JSON.parse((await ok('inspect', file, '--json')).out).metadata;
      const b = JSON.parse((await ok('inspect', back, '--json')).out).metadata;
      assert.deepEqual({ ...b, tasks: a.tasks }, a, `${file} via ${format}: metadata`);
    }
  // Minari cannot hold a next observation that is not the following observation: refused, one line
  const r = await cli('export', join(dir, 'd.arrow'), '--format', 'minari', '--out', join(dir, 'no.hdf5'));
  assert.equal(r.code, 1);
  assert.match(r.err, /episode 0 step 0: the next observation is not the following step's observation; .*--format d4rl/);
  assert.equal(existsSync(join(dir, 'no.hdf5')), false);
  assert.equal(existsSync(join(dir, 'no.hdf5.tmp')), false);
});

test('h5py reads our exports back with the same arrays', async (t) => {
  if (!hasH5py) {
    // CI installs python3-h5py (.ci/run): there a missing reference is a failure, not a skip.
    if (process.env.CI === 'true') assert.fail('/usr/bin/python3 has no h5py (apt-get install python3-h5py): the h5py read-back cannot run');
    return t.skip('/usr/bin/python3 has no h5py (apt-get install python3-h5py): the h5py read-back did not run');
  }
  const dir = scratch();
  await ok('import', fixture('d4rl-small.hdf5'), '--format', 'd4rl', '--env', 'hopper', '--task', 'hop', '--out', join(dir, 'd.arrow'));
  await ok('export', join(dir, 'd.arrow'), '--format', 'd4rl', '--out', join(dir, 'd.hdf5'));
  await ok('import', fixture('minari-small.hdf5'), '--format', 'minari', '--env', 'CartPole-v1', '--task', 'balance', '--out', join(dir, 'm.arrow'));
  await ok('export', join(dir, 'm.arrow'), '--format', 'minari', '--out', join(dir, 'm.hdf5'));
  const script = `
import json, sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
d4rl = {k: bool(np.array_equal(a[k][()], b[k][()])) for k in ['observations', 'next_observations', 'actions', 'rewards', 'terminals']}
d4rl['timeouts'] = bool(np.array_equal(a['timeouts'][()].astype(bool), b['timeouts'][()] | (np.arange(len(b['timeouts'])) == len(b['timeouts']) - 1)))
c, d = h5py.File(sys.argv[3]), h5py.File(sys.argv[4])
minari = {}
for i, src in enumerate(['episode_0', 'episode_1', 'episode_10']):
    for k in ['observations', 'actions', 'rewards', 'terminations', 'truncations']:
        x, y = c[f'episode_{i}'][k][()], d[src][k][()]
        # rewards are float32 in Arrow: float64 rewards come back rounded to float32
        minari[f'{src}/{k}'] = bool(np.array_equal(x, y.astype(np.float32)) if k == 'rewards' else np.array_equal(x, y))
print(json.dumps({'d4rl': d4rl, 'minari': minari, 'total_episodes': int(c.attrs['total_episodes']), 'total_steps': int(c.attrs['total_steps'])}))
`;
  const py = spawnSync('/usr/bin/python3', ['-c', script, join(dir, 'd.hdf5'), fixture('d4rl-small.hdf5'), join(dir, 'm.hdf5'), fixture('minari-small.hdf5')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const got = JSON.parse(py.stdout);
  for (const [k, v] of Object.entries(got.d4rl)) assert.equal(v, true, `d4rl ${k}`);
  for (const [k, v] of Object.entries(got.minari)) assert.equal(v, true, `minari ${k}`);
  assert.deepEqual([got.total_episodes, got.total_steps], [3, expected.minari.rows]);
});

test('bad HDF5 input and bad flags: one line, exit 1, nothing written', async () => {
  const dir = scratch();
  const out = join(dir, 'x.arrow');
  writeFileSync(join(dir, 'text.hdf5'), 'not hdf5 at all');
  writeFileSync(join(dir, 'truncated.hdf5'), new Uint8Array(readFileSync(fixture('d4rl-small.hdf5'))).subarray(0, 3000));
  const d4rl = ['--format', 'd4rl', '--env', 'e', '--task', 't', '--out', out];
  const cases: [string[], RegExp][] = [
    [['import', join(dir, 'text.hdf5'), ...d4rl], /text\.hdf5: not an HDF5 file/],
    [['import', join(dir, 'truncated.hdf5'), ...d4rl], /truncated\.hdf5: cannot open: File has been truncated/],
    [['import', join(dir, 'missing.hdf5'), ...d4rl], /missing\.hdf5: no such file/],
    [['import', dir, ...d4rl], /is a directory, not an HDF5 file/],
    [['import', fixture('d4rl-short-rewards.hdf5'), ...d4rl], /rewards has 11 rows, observations 12/],
    [['import', fixture('d4rl-bad-flag.hdf5'), ...d4rl], /terminals\[3\] is 2, expected 0 or 1/],
    [['import', fixture('minari-small.hdf5'), ...d4rl], /D4RL layout\): observations: missing/],
    [['import', fixture('d4rl-small.hdf5'), '--format', 'minari', '--env', 'e', '--task', 't', '--out', out], /no episode_<n> groups/],
    [['import', fixture('minari-dict.hdf5'), '--format', 'minari', '--env', 'e', '--task', 't', '--out', out], /episode_0: observations: expected a 2-d numeric array, got "a group"/],
    [['import', fixture('d4rl-small.hdf5'), '--format', 'd4rl', '--out', out], /--env and --task are required/],
    [['import', fixture('d4rl-small.hdf5'), '--format', 'rlds', '--out', out], /--format must be d4rl or minari, got "rlds"/],
    [['import', fixture('d4rl-small.hdf5'), '--format', 'd4rl'], /--out file\.arrow is required/],
    [['export', fixture('d4rl-small.hdf5'), '--format', 'd4rl', '--out', join(dir, 'y.hdf5')], /d4rl-small\.hdf5/],
    [['export', join(dir, 'missing.arrow'), '--format', 'minari', '--out', join(dir, 'y.hdf5')], /missing\.arrow/],
    [['import', fixture('minari-small.hdf5'), '--format', 'minari', '--env', 'e', '--task', 't', '--out', join(dir, 'm.arrow')], /^$/], // made for the next case
    [['export', join(dir, 'm.arrow'), '--format', 'd4rl', '--out', dir], /is a directory \(--out names the HDF5 file to write\)/],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(...argv);
    if (message.source === '^$') {
      assert.equal(r.code, 0, r.err);
      continue;
    }
    assert.equal(r.code, 1, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, message, argv.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(existsSync(out), false, argv.join(' '));
  }
  // a dataset of two tasks needs --task, and the task must exist
  const f = await flatOf(join(dir, 'm.arrow'));
  const opened = await openDatasetReader(join(dir, 'm.arrow'))();
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const meta = opened.right.metadata;
  await opened.right.close();
  const w = await openDatasetWriter(join(dir, 'two.arrow'), { metadata: { ...meta, tasks: ['a', 'b'] }, shape: { obsDim: f.obsDim, actDim: f.actDim, discreteActions: true, rewardTasks: [] } })();
  if (E.isLeft(w)) throw new Error(w.left.message);
  for (const task of ['a', 'b']) await w.right.write({ ...f, task });
  await w.right.close();
  for (const [argv, message] of [
    [['export', join(dir, 'two.arrow'), '--format', 'd4rl', '--out', join(dir, 'y.hdf5')], /holds 2 tasks \(a, b\); choose one with --task/],
    [['export', join(dir, 'two.arrow'), '--format', 'd4rl', '--task', 'c', '--out', join(dir, 'y.hdf5')], /no task "c" \(tasks: a, b\)/],
  ] as const) {
    const r = await cli(...argv);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, message);
  }
  await ok('export', join(dir, 'two.arrow'), '--format', 'minari', '--task', 'b', '--out', join(dir, 'b.hdf5'));
});

test('libhdf5 says nothing on stderr for a corrupt file: the command prints one line (a real process)', () => {
  const dir = scratch();
  const bytes = new Uint8Array(readFileSync(fixture('d4rl-small.hdf5')));
  for (let i = 2000; i < 9000; i += 7) bytes[i] ^= 0x5a;
  writeFileSync(join(dir, 'corrupt.hdf5'), bytes);
  const bin = fileURLToPath(new URL('../../bin/distillery.mjs', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=distillery-source', '--import', 'tsx', bin, 'import', join(dir, 'corrupt.hdf5'), '--format', 'd4rl', '--env', 'e', '--task', 't', '--out', join(dir, 'x.arrow')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^distillery import: .*corrupt\.hdf5: /);
  assert.doesNotMatch(r.stderr, /HDF5-DIAG/);
});
