import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../helpers/io.ts';
import { runBuiltin, scratch } from '../pipelines/helpers.ts';

/** Real run directories: collect at a tiny budget, seeds 0–2, with 2 and with 3 episodes. */
let made: Promise<{ dir: string; episodes: number; seed: number; value: (task: string) => number }[]> | undefined;
const runs = () =>
  (made ??= (async () => {
    const out = [];
    for (const episodes of [2, 3])
      for (const seed of [0, 1, 2]) {
        const r = await runBuiltin('collect', [`episodes=${episodes}`, 'kinds=["random"]'], { seed });
        out.push({ dir: r.dir, episodes, seed, value: (task: string) => r.results.datasets[task].random.return.mean as number });
      }
    return out;
  })());

const METRIC = 'datasets.*.random.return.mean';

test('compare: runs grouped by parameters minus seed; mean and 95% t interval over the seeds of each group', async () => {
  const all = await runs();
  const io = captureIO();
  assert.equal(await main(['compare', ...all.map((r) => r.dir), '--metric', METRIC, '--json'], io), 0, io.err());
  const c = JSON.parse(io.out());
  assert.deepEqual(c.groups.map((g: { label: string }) => g.label), ['episodes=2', 'episodes=3']);
  assert.equal(c.rows.length, 4);
  for (const episodes of [2, 3])
    for (const task of ['left', 'right']) {
      const row = c.rows.find((r: { group: string; label: string }) => r.group === `episodes=${episodes}` && r.label === task);
      const xs = all.filter((r) => r.episodes === episodes).map((r) => r.value(task));
      const m = (xs[0] + xs[1] + xs[2]) / 3;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
      assert.deepEqual(row.values, xs);
      assert.deepEqual(row.seeds, [0, 1, 2]);
      assert.equal(row.n, 3);
      assert.ok(Math.abs(row.mean - m) < 1e-12);
      // t(0.975, 2) = 4.302653
      assert.ok(Math.abs(row.halfWidth - (4.302653 * sd) / Math.sqrt(3)) < 1e-5, `${row.halfWidth}`);
      assert.equal(row.metric, `datasets.${task}.random.return.mean`);
    }
});

test('compare: text table, and an offline HTML page with the table and the chart', async () => {
  const all = await runs();
  const html = join(scratch('compare'), 'cmp.html');
  const io = captureIO();
  assert.equal(await main(['compare', ...all.map((r) => r.dir), '--metric', METRIC, '--html', html], io), 0, io.err());
  assert.match(io.out(), /^datasets\.\*\.random\.return\.mean: 6 runs in 2 groups/);
  assert.match(io.out(), /\nepisodes=3 +right +3 +\d/);
  const page = readFileSync(html, 'utf8');
  assert.equal((page.match(/<svg /g) ?? []).length, 1);
  assert.match(page, /episodes=2 \(3 seeds\)/); // the legend counts seeds
  assert.ok(page.indexOf('mark-rule') < page.indexOf('mark-symbol'), 'intervals under the points');
  assert.doesNotMatch(page, /<script|src="http/);
  // one seed: a mean without an interval
  const one = captureIO();
  assert.equal(await main(['compare', all[0].dir, '--metric', METRIC], one), 0, one.err());
  assert.match(one.out(), /all runs +left +1 +\S+ +– +– +– +0/);
});

test('compare: bad directories and metrics that match nothing are one line, exit 1', async () => {
  const all = await runs();
  const d = scratch('compare-bad');
  mkdirSync(join(d, 'empty'));
  mkdirSync(join(d, 'unfinished'));
  writeFileSync(join(d, 'unfinished', 'params.json'), JSON.stringify({ pipeline: 'collect', seed: 0, params: {} }));
  mkdirSync(join(d, 'failed'));
  writeFileSync(join(d, 'failed', 'params.json'), JSON.stringify({ pipeline: 'collect', seed: 0, params: {} }));
  writeFileSync(join(d, 'failed', 'results.json'), JSON.stringify({ run: { status: 'failed' } }));
  const cases: [string[], RegExp][] = [
    [[join(d, 'nope')], /nope: no such directory/],
    [[join(d, 'empty')], /is not a run directory \(no params\.json\)/],
    [[join(d, 'unfinished')], /the run has not finished \(no results\.json\)/],
    [[join(d, 'failed')], /the run did not complete \(status "failed"\)/],
    [[all[0].dir], /--metric returns\.\*\.student\.mean: no numeric result matches it in the run/],
    [[all[0].dir, all[1].dir, '--metric', 'datasets.*.random.return'], /in any of the 2 runs \(it names objects, not numbers: add one of their keys \(mean, std, min, max\)\)/],
    [[all[0].dir, '--metric', 'a..b'], /--metric "a\.\.b": expected a dot path/],
    [[], /usage: distillery compare <run-dir>…/],
    [[all[0].dir, '--bogus'], /compare: Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const io = captureIO();
    assert.equal(await main(['compare', ...args], io), 1, args.join(' '));
    assert.match(io.err(), message, args.join(' '));
    assert.equal(io.err().trim().split('\n').length, 1, io.err());
  }
});

/** A finished multi-seed run as mop writes it: each result's mean over seeds with its per-seed values. */
const multiSeedRun = (dir: string, seed: number, steps: number, perSeed: Record<string, number>): string => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ pipeline: 'mop', seed, params: { seeds: Object.keys(perSeed).length, student: { steps } } }));
  const values = Object.values(perSeed);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ run: { status: 'completed' }, returns: { left: { student: { mean, std: null, ci95: null, seeds: values.length, perSeed } } } }));
  return dir;
};

test('compare: a multi-seed run gives one sample per seed (its perSeed values); a seed in two runs of a group is refused', async () => {
  const d = scratch('compare-multi');
  const a = multiSeedRun(join(d, 'a'), 0, 20, { 0: 1, 1: 2, 2: 6 });
  const b1 = multiSeedRun(join(d, 'b1'), 0, 40, { 0: 1 });
  const b2 = multiSeedRun(join(d, 'b2'), 1, 40, { 1: 3 });
  const io = captureIO();
  assert.equal(await main(['compare', a, b1, b2, '--json'], io), 0, io.err());
  const c = JSON.parse(io.out());
  assert.deepEqual(c.rows.map((r: { group: string; n: number; seeds: number[]; values: number[]; mean: number }) => [r.group, r.n, r.seeds, r.values, r.mean]), [
    ['student.steps=20', 3, [0, 1, 2], [1, 2, 6], 3],
    ['student.steps=40', 2, [0, 1], [1, 3], 2],
  ]);
  // t(0.975, 2)·std/√3 with std = √7
  assert.ok(Math.abs(c.rows[0].halfWidth - (4.302653 * Math.sqrt(7)) / Math.sqrt(3)) < 1e-5);
  const again = multiSeedRun(join(d, 'b3'), 1, 40, { 1: 3.5 });
  const dup = captureIO();
  assert.equal(await main(['compare', b1, b2, again], dup), 1);
  assert.match(dup.err(), /seed 1 of all runs is in two runs \(.*b2 and .*b3\): the same experiment counted twice; leave one out/);
});
