/**
 * Issue 10 from the command line: every reproduction gives one line and a non-zero exit, quickly,
 * or a correct result. (The reader's own cases and the fuzz test are in test/data.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { main } from '../../src/cli/main.ts';
import { applyOverrides } from '../../src/core/codecs.ts';
import type { TransitionBatch } from '../../src/core/batch.ts';
import { boxOf } from '../../src/core/spaces.ts';
import { newDatasetMetadata, openDatasetWriter, type DatasetShape } from '../../src/data/index.ts';
import { STATE_QPOS, WALKER_STATE_DIM } from '../../src/envs/walker/physics.ts';
import { captureIO } from '../helpers/io.ts';
import { arrowLayout, setInt32 } from '../data/arrow-bytes.ts';
import { episode, writeDataset } from '../data/hostile-fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-hostile-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const run = async (...argv: string[]) => {
  const io = captureIO();
  const t0 = performance.now();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err(), ms: performance.now() - t0 };
};

/** Exit `code`, one line on stderr matching `pattern`, no stack, within 10 s (the bound). */
const oneLine = (r: Awaited<ReturnType<typeof run>>, code: number, pattern: RegExp) => {
  assert.equal(r.code, code, `exit ${r.code}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.ok(r.ms < 10_000, `${r.ms.toFixed(0)} ms`);
};

const fifo = join(tmp, 'fifo');
execFileSync('mkfifo', [fifo]);
const dataset = join(tmp, 'data.arrow');
const ready = writeDataset(dataset, [episode('left', 0, 10), episode('right', 0, 10)]);

test('defect 8: Object.prototype names are not commands', async () => {
  for (const name of ['toString', '__proto__', 'valueOf', 'constructor', 'hasOwnProperty'])
    oneLine(await run(name), 2, new RegExp(`unknown command "${name}"`));
});

test('defect 8: --set refuses Object.prototype names and pollutes nothing', async () => {
  const actions = join(tmp, 'one-action.json');
  writeFileSync(actions, '[[0.1, 0.1]]');
  for (const key of ['toString', 'valueOf', '__proto__.polluted', 'constructor.prototype.polluted', 'observation.hasOwnProperty']) {
    const r = applyOverrides({}, [`${key}=1`]);
    assert.ok(E.isLeft(r), key);
    assert.match(r.left.message, /is a reserved name \(of every JavaScript object\), not a parameter/);
    oneLine(await run('rollout', '--env', 'pointmass/maze', '--actions', actions, '--set', `${key}=1`), 1, /is a reserved name/);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Names that merely contain one are parameters like any other.
  assert.deepEqual(applyOverrides({}, ['a.toStringy=2']), E.right({ a: { toStringy: 2 } }));
});

test('defects 1–3: corrupt headers are one line and exit 1 for inspect, replay and verify', async () => {
  await ready;
  const bytes = new Uint8Array(readFileSync(dataset));
  const bad = join(tmp, 'bad-header.arrow');
  writeFileSync(bad, setInt32(bytes, arrowLayout(bytes).recordBatches[0].buffersLength, 150994971));
  for (const command of ['inspect', 'replay']) oneLine(await run(command, bad), 1, /bad-header\.arrow: corrupt record batch 0 header: a vector of 150994971 elements does not fit/);
  const v = await run('verify', bad);
  assert.equal(v.code, 1);
  assert.match(v.out, /1 problem:\n {2}corrupt record batch 0 header/);
});

test('defect 6: FIFOs, devices and directories are refused by every command that reads a file', async () => {
  await ready;
  for (const [path, what] of [
    [fifo, /is a FIFO \(named pipe\)/],
    ['/dev/zero', /is a device/],
    [tmp, /is a directory/],
  ] as const) {
    for (const command of ['replay', 'inspect', 'animate']) oneLine(await run(command, path), 1, what);
    // verify prints its report (what is wrong) on stdout.
    const v = await run('verify', path);
    assert.equal(v.code, 1);
    assert.match(v.out, new RegExp(`1 problem:\n  ${what.source}, not an Arrow file`));
    oneLine(await run('rollout', '--env', 'pointmass/maze', '--actions', path), 1, new RegExp(`--actions ${path}: ${what.source}`));
  }
  const actions = join(tmp, 'actions.json');
  writeFileSync(actions, '[[0.1, 0.1]]');
  oneLine(await run('rollout', '--env', 'pointmass/maze', '--actions', actions, '--init-state', fifo), 1, /--init-state .*fifo: is a FIFO/);
  const huge = join(tmp, 'huge.json');
  writeFileSync(huge, '');
  execFileSync('truncate', ['-s', '100M', huge]); // sparse: 100 MB without writing them
  oneLine(await run('rollout', '--env', 'pointmass/maze', '--actions', huge), 1, /--actions .*huge\.json: 100\.0 MiB, more than the 64\.0 MiB this reads/);
});

test('defects 6 and 9: a walker model that is a device, a FIFO or missing is one line and exit 1', async () => {
  const actions = join(tmp, 'walker-actions.json');
  writeFileSync(actions, JSON.stringify([[0, 0, 0, 0, 0, 0]]));
  for (const [model, what] of [
    ['/dev/zero', /walker model \/dev\/zero: is a device, not a regular file/],
    [fifo, /walker model .*fifo: is a FIFO \(named pipe\), not a regular file/],
    [join(tmp, 'missing.xml'), /walker model .*missing\.xml: file not found/],
  ] as const)
    oneLine(await run('rollout', '--env', 'walker', '--actions', actions, '--set', `model=${model}`), 1, what);
});

test('defect 4: replay reports non-finite values per column, in JSON and in the table', async () => {
  const path = join(tmp, 'nan.arrow');
  const a = episode('left', 0, 10);
  a.reward[3] = NaN;
  await writeDataset(path, [a, episode('left', 1, 10)]);
  const j = await run('replay', path, '--json');
  assert.equal(j.code, 0, j.err);
  const s = JSON.parse(j.out);
  assert.deepEqual(s.nonFinite, { reward: 1 });
  assert.equal(s.tasks.left.episodes, 2);
  assert.equal(s.tasks.left.nonFiniteReturns, 1);
  assert.equal(s.tasks.left.return.mean, (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) / 4, 'the finite episode alone');
  const text = await run('replay', path);
  assert.match(text.out, /warning: non-finite values \(NaN or ±Infinity\): reward 1/);
  assert.match(text.out, /warning: 1 of the 2 episodes of task left have a non-finite return/);
  const v = await run('verify', path);
  assert.equal(v.code, 1);
  assert.match(v.out, /non-finite values: reward 1/);
});

test("defect 8: a task named __proto__ shows in replay --json", async () => {
  const path = join(tmp, 'proto.arrow');
  await writeDataset(path, [episode('__proto__', 0, 1000)], { tasks: ['__proto__'] });
  const r = await run('replay', path, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.transitions, 1000);
  assert.ok(Object.hasOwn(s.tasks, '__proto__'));
  assert.equal(s.tasks['__proto__'].transitions, 1000);
});

test('verify: exit 0 on a clean file, 1 with the problems listed, --json', async () => {
  await ready;
  const ok = await run('verify', dataset);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /checksums: every record batch matches its checksum/);
  assert.match(ok.out, /^OK: /m);
  const j = await run('verify', dataset, '--json');
  const report = JSON.parse(j.out);
  assert.equal(report.ok, true);
  assert.equal(report.checksums, 'verified');
  assert.deepEqual(report.problems, []);
  const broken = join(tmp, 'broken.arrow');
  const e = episode('left', 0, 10);
  e.step[4] = 40;
  await writeDataset(broken, [e]);
  const b = await run('verify', broken);
  assert.equal(b.code, 1);
  assert.match(b.out, /task left, episode 0, step 40: follows step 3 of the same episode/);
  oneLine(await run('verify', join(tmp, 'nope.arrow')), 1, /nope\.arrow: no such file/);
});

/** A walker dataset written directly (no MuJoCo): one episode whose torso x is `x(t)`. */
const walkerDataset = async (path: string, x: (t: number) => number): Promise<void> => {
  const shape: DatasetShape = { obsDim: 24, actDim: 6, discreteActions: false, physicsDim: WALKER_STATE_DIM, rewardTasks: [] };
  const n = 20;
  const d = WALKER_STATE_DIM;
  const state = new Float64Array(n * d);
  const next = new Float64Array(n * d);
  for (let t = 0; t < n; t++) {
    state[t * d + STATE_QPOS + 1] = x(t);
    next[t * d + STATE_QPOS + 1] = x(t + 1);
  }
  const b: TransitionBatch = {
    task: 'walk',
    size: n,
    obsDim: 24,
    actDim: 6,
    discreteActions: false,
    episode: new Int32Array(n),
    step: Int32Array.from({ length: n }, (_, i) => i),
    observation: new Float32Array(n * 24),
    nextObservation: new Float32Array(n * 24),
    action: new Float32Array(n * 6),
    reward: new Float32Array(n),
    terminated: new Uint8Array(n),
    truncated: Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)),
    physics: { dim: d, state, nextState: next },
  };
  const metadata = newDatasetMetadata({
    envId: 'walker',
    envConfig: {},
    tasks: ['walk'],
    behaviorPolicy: 'test',
    seed: 0,
    observationSpace: boxOf(24, -Infinity, Infinity),
    actionSpace: boxOf(6, -1, 1),
    pipeline: 'test',
  });
  const w = await openDatasetWriter(path, { metadata, shape })();
  if (E.isLeft(w)) assert.fail(w.left.message);
  await w.right.write(b);
  await w.right.close();
};

test('defect 5: animate with a huge x draws a bounded ground; infinite or NaN states are one line, exit 1', async () => {
  const huge = join(tmp, 'walker-huge.arrow');
  await walkerDataset(huge, (t) => (t === 7 ? 1e30 : t * 0.01));
  const out = join(tmp, 'huge.svg');
  const r = await run('animate', huge, '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.ms < 10_000);
  assert.ok(statSync(out).size < 2_000_000, `${statSync(out).size} bytes`);
  for (const [name, value] of [
    ['inf', Infinity],
    ['nan', NaN],
  ] as const) {
    const path = join(tmp, `walker-${name}.arrow`);
    await walkerDataset(path, (t) => (t === 5 ? value : t * 0.01));
    oneLine(await run('animate', path, '--out', join(tmp, `${name}.svg`)), 1, new RegExp(`episode 0 of task walk has a non-finite simulator state \\(physics of step 5, value 1: ${value}\\)`));
    assert.ok(!existsSync(join(tmp, `${name}.svg`)));
  }
});
