import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { main } from '../../src/cli/main.ts';
import { buildCurves, curveSpec } from '../../src/report/curves.ts';
import { writeRunReport } from '../../src/report/run-report.ts';
import { renderVegaLiteSvg } from '../../src/report/vega.ts';
import { captureIO } from '../helpers/io.ts';
import { runBuiltin } from '../pipelines/helpers.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'distillery-report-'));

/** A run directory as the runner writes it: 3 seeds × 2 tasks of one metric, one of another, a table, an SVG figure. */
const handRun = (): string => {
  const dir = scratch();
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ pipeline: 'distral-two-room', seed: 7, params: { steps: 120, algo: { lr: 0.001 } } }));
  writeFileSync(join(dir, 'fig.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify({
      run: { pipeline: 'distral-two-room', seed: 7, status: 'completed', backend: 'wasm' },
      returns: { left: 1.5 },
      tables: [{ title: 'Returns <by task>', columns: ['task', 'return'], rows: [['left', 1.23456], ['right', null]] }],
      artifacts: [{ path: join(dir, 'fig.svg'), kind: 'figure', description: 'a square' }, { path: 'gone.arrow', kind: 'dataset' }],
    }),
  );
  const lines: string[] = [];
  for (let seed = 0; seed < 3; seed++)
    for (const task of ['left', 'right'])
      for (let step = 0; step <= 100; step += 10)
        lines.push(JSON.stringify({ type: 'metric', name: 'eval/return', step, value: step / 100 + seed * 0.1 + (task === 'left' ? 1 : 0), tags: { task, seed: String(seed) }, time: '2026-01-01T00:00:00.000Z' }));
  for (let step = 0; step < 5; step++) lines.push(JSON.stringify({ type: 'metric', name: 'student/loss', step, value: 1 / (step + 1), time: '2026-01-01T00:00:00.000Z' }));
  lines.push(JSON.stringify({ type: 'metric', name: 'student/loss', step: 5, value: null })); // NaN as JSON writes it: left out
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  return dir;
};

test('curves: mean and 95% t interval over seeds per step, series named by task with their number of seeds', () => {
  const curves = buildCurves([
    { name: 'r', step: 0, value: 1, tags: { task: 'a', seed: '0' } },
    { name: 'r', step: 0, value: 3, tags: { task: 'a', seed: '1' } },
    { name: 'r', step: 0, value: 5, tags: { task: 'b' } },
    { name: 'r', step: 1, value: Number.NaN, tags: { task: 'b' } },
  ]);
  assert.equal(curves.length, 1);
  const [c] = curves;
  assert.deepEqual([...c.series], [['a', 2], ['b', 1]]);
  const a = c.rows.find((r) => r.series === 'a')!;
  // mean 2, std √2, t(0.975, 1) = 12.706: half-width 12.706·√2/√2
  assert.equal(a.mean, 2);
  assert.ok(Math.abs(a.high! - 2 - 12.7062) < 1e-3, String(a.high));
  assert.equal(c.rows.find((r) => r.series === 'b')!.low, null);
  assert.deepEqual([c.min, c.max], [1, 5]);
  // the y-axis spans the values, not the interval; the legend names the seeds
  const spec = JSON.stringify(curveSpec(c));
  assert.match(spec, /"domain":\[0\.8,5\.2\]/);
  assert.match(spec, /a \(2 seeds\)/);
  assert.match(spec, /b \(1 seed\)/);
});

test('curves: a long series is averaged over at most 400 step bins', () => {
  const points = Array.from({ length: 5000 }, (_, i) => ({ name: 'x', step: i, value: i }));
  const [c] = buildCurves(points);
  assert.ok(c.rows.length <= 400 && c.rows.length > 300, String(c.rows.length));
  assert.ok(c.min < 10 && c.max > 4990, `${c.min} ${c.max}`); // bin means
});

test('report: a hand-written run directory becomes one offline page with its tables, curves (bands under lines, clipped) and artifacts', async () => {
  const dir = handRun();
  const r = await writeRunReport(dir);
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  assert.deepEqual({ charts: r.right.charts, metrics: r.right.metrics, artifacts: r.right.artifacts }, { charts: 2, metrics: 71, artifacts: 2 });
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<h1>Run report: distral-two-room · seed 7<\/h1>/);
  assert.match(html, /<th>algo\.lr<\/th><td>0\.001<\/td>/);
  assert.match(html, /<h3>Returns &lt;by task&gt;<\/h3>/); // escaped
  assert.match(html, /<td class="num">1\.235<\/td>/);
  assert.match(html, /left \(3 seeds\)/);
  assert.match(html, /right \(3 seeds\)/);
  assert.match(html, /value \(1 seed\)/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  // lines are drawn after (above) bands, and clipped to the plot
  const area = html.indexOf('mark-area');
  const line = html.indexOf('mark-line');
  assert.ok(area > 0 && line > area);
  assert.match(html, /clip-path/);
  // artifacts: the SVG is in the page as an image, a missing file is marked, links are relative
  assert.match(html, /<a href="fig\.svg">fig\.svg<\/a> — a square/);
  assert.match(html, /src="data:image\/svg\+xml;base64,/);
  assert.match(html, /gone\.arrow<\/a> <span class="missing">\(missing\)<\/span>/);
  assert.match(html, /&quot;returns&quot;/); // other results as JSON
  // offline: no script, nothing fetched
  assert.doesNotMatch(html, /<script|<link|src="http/);
});

test('report: a real run (collect at a tiny budget) lists its datasets and its table', async () => {
  const run = await runBuiltin('collect', ['episodes=2', 'kinds=["random"]']);
  const io = captureIO();
  assert.equal(await main(['report', run.dir], io), 0, io.err());
  assert.match(io.out(), /report\.html: 0 charts from 0 metric values, 2 artifacts/);
  const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
  assert.match(html, /<h1>Run report: collect · seed \d+<\/h1>/);
  assert.match(html, /<th>status<\/th><td>completed<\/td>/);
  assert.match(html, /report by distillery \S+ \(Node \d+\.\d+\.\d+\)/);
  for (const a of run.results.artifacts as { path: string }[]) assert.ok(html.includes(`>${relative(run.dir, a.path)}</a>`), a.path);
  for (const t of run.results.tables as { title: string }[]) assert.ok(html.includes(t.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), t.title);
});

test('report: bad run directories are one line and exit 1', async () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['missing', (d) => join(d, 'nope'), /no such directory/],
    ['no params', (d) => d, /is not a run directory \(no params\.json\)/],
    ['params not JSON', (d) => (writeFileSync(join(d, 'params.json'), '{'), d), /params\.json: not JSON/],
    ['params wrong shape', (d) => (writeFileSync(join(d, 'params.json'), '{"pipeline":3}'), d), /params\.json: .*pipeline/],
    [
      'bad metric line',
      (d) => {
        const r = handRun();
        appendFileSync(join(r, 'metrics.jsonl'), '{"type":"metric","name":"x","step":"a","value":1}\n');
        return r;
      },
      /metrics\.jsonl:73: .*step/,
    ],
    [
      'results wrong shape',
      (d) => {
        const r = handRun();
        writeFileSync(join(r, 'results.json'), '{"run":{},"tables":[{"title":1}]}');
        return r;
      },
      /results\.json: .*tables/,
    ],
    ['a file, not a directory', (d) => (writeFileSync(join(d, 'f'), ''), join(d, 'f')), /not a directory/],
  ];
  for (const [what, make, message] of cases) {
    const dir = make(scratch());
    const io = captureIO();
    assert.equal(await main(['report', dir], io), 1, what);
    assert.match(io.err(), message, what);
    assert.equal(io.err().trim().split('\n').length, 1, what);
  }
  const io = captureIO();
  assert.equal(await main(['report'], io), 1);
  assert.match(io.err(), /usage: distillery report <run-dir>/);
});

test('vega: a Vega-Lite specification renders to SVG in Node without a DOM', async () => {
  const svg = await renderVegaLiteSvg({ data: { values: [{ x: 1, y: 2 }, { x: 2, y: 4 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /mark-line/);
});

const CHROMIUM = '/usr/bin/chromium';

test('report: headless Chromium loads the page and it holds every chart', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is not installed (apt-get install chromium): the browser check did not run`);
  const dir = handRun();
  const r = await writeRunReport(dir);
  assert.ok(E.isRight(r));
  const page = `file://${join(dir, 'report.html')}`;
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(dir, 'chromium-profile')}`];
  const dom = spawnSync(CHROMIUM, [...flags, '--dump-dom', page], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(dom.status, 0, dom.stderr);
  // the DOM the browser built: both charts (SVG with their marks) and the figure
  assert.equal((dom.stdout.match(/<svg /g) ?? []).length, 2);
  const lines = (html: string) => (html.match(/class="mark-line role-mark/g) ?? []).length;
  assert.ok(lines(dom.stdout) >= 2);
  assert.equal(lines(dom.stdout), lines(readFileSync(join(dir, 'report.html'), 'utf8')));
  assert.match(dom.stdout, /<img alt="a square" src="data:image\/svg\+xml;base64,/);
  const png = join(dir, 'report.png');
  const shot = spawnSync(CHROMIUM, [...flags, '--window-size=1000,1600', `--screenshot=${png}`, page], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(shot.status, 0, shot.stderr);
  assert.ok(statSync(png).size > 20_000, `screenshot of ${statSync(png).size} bytes`);
});
