import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { main } from '../../src/cli/main.ts';
import { buildCurves, curveSpec } from '../../src/report/curves.ts';
import { writeRunReport } from '../../src/report/run-report.ts';
import { renderVegaLiteSvg } from '../../src/report/vega.ts';
import { captureIO } from '../helpers/io.ts';
import * as t from 'io-ts';
import { defer, EMPTY } from 'rxjs';
import { definePipeline, runPipeline } from '../../src/pipeline/index.ts';
import { runBuiltin, TINY_MOP, type Ran } from '../pipelines/helpers.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'distillery-report-'));

/** One tiny mop run (every stage, metrics from behavior, teachers and student), shared by the tests that need a real run directory. */
let tinyMop: Promise<Ran> | undefined;
const mopRun = () => (tinyMop ??= runBuiltin('mop', TINY_MOP));

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
  // every chart is also its own SVG file, the same drawing as in the page
  assert.equal(r.right.curveFiles.length, 2);
  for (const f of r.right.curveFiles) assert.ok(readFileSync(join(dir, 'report.html'), 'utf8').includes(readFileSync(f, 'utf8')), f);
  assert.ok(r.right.curveFiles.every((f) => f.startsWith(join(dir, 'curves') + '/') && f.endsWith('.svg')));
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
  // the run wrote its report itself; the command writes it again
  assert.ok(existsSync(join(run.dir, 'report.html')));
  // 2 datasets, params.json, metrics.jsonl, log, 2 stage records (results.json lists report.html too; the page leaves itself out)
  assert.match(io.out(), /report\.html: 0 charts from 0 metric values, 7 artifacts/);
  const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
  assert.match(html, /<h1>Run report: collect · seed \d+<\/h1>/);
  assert.match(html, /<th>status<\/th><td>completed<\/td>/);
  assert.match(html, /report by distillery \S+ \(Node \d+\.\d+\.\d+\)/);
  for (const a of run.results.artifacts as { path: string; kind: string }[]) if (a.kind !== 'report') assert.ok(html.includes(`>${relative(run.dir, a.path)}</a>`), a.path);
  for (const t of run.results.tables as { title: string }[]) assert.ok(html.includes(t.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), t.title);
});

test('runner: every run ends with report.html, and results.json lists every file the run wrote', async () => {
  const run = await mopRun();
  const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
  assert.match(html, /<h1>Run report: mop · seed 0<\/h1>/);
  // one chart per metric name of metrics.jsonl, the student's loss among them with a line per task
  const lines = readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; tags?: Record<string, string>; time: string });
  const names = new Set(lines.map((l) => l.name));
  // one naming scheme: <stage>/<quantity>, the task a tag (never part of the name), a wall-clock time on every line
  for (const l of lines) {
    assert.match(l.name, /^[a-z-]+\/[A-Za-z_]+$/, l.name);
    assert.ok(!/\b(left|right)\b/.test(l.name) && l.tags?.task !== undefined, JSON.stringify(l));
    assert.ok(Math.abs(Date.parse(l.time) - Date.now()) < 3600_000, l.time);
  }
  assert.deepEqual(new Set(lines.filter((l) => l.name === 'student/loss').map((l) => l.tags!.task)), new Set(['left', 'right']));
  assert.ok(names.size >= 5, [...names].join(' '));
  assert.equal((html.match(/<svg /g) ?? []).length, names.size);
  const artifacts = run.results.artifacts as { path: string; kind: string }[];
  const listed = new Set(artifacts.map((a) => relative(run.dir, a.path)));
  const onDisk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? onDisk(join(dir, e.name)) : [relative(run.dir, join(dir, e.name))]));
  assert.deepEqual([...listed].sort(), onDisk(run.dir).filter((f) => f !== 'results.json').sort());
  // (a run of several seeds keeps each seed's files under seed-<n>/)
  const kind = (rel: string) => artifacts.find((a) => relative(run.dir, a.path).replace(/^seed-\d+\//, '') === rel)?.kind;
  assert.equal(kind('report.html'), 'report');
  assert.equal(kind('student/weights.bin'), 'checkpoint');
  assert.equal(kind('teachers/left/manifest.json'), 'checkpoint');
  assert.equal(kind('datasets/left-expert.arrow'), 'dataset');
  assert.equal(kind('params.json'), 'other');
  assert.equal(artifacts.length, listed.size); // each file once
});

test('runner: a report that cannot be written is one warning; the run and its results stand', async () => {
  const pipeline = definePipeline({
    name: 'report-blocked',
    description: 'puts a directory where report.html goes',
    params: t.type({}),
    graph: (_p, ctx) =>
      defer(() => {
        mkdirSync(join(ctx.runDir, 'report.html'));
        ctx.emit({ type: 'result', key: 'answer', value: 42 });
        return EMPTY;
      }),
  });
  const io = captureIO();
  const dir = join(scratch(), 'run');
  const r = await runPipeline(pipeline, { out: dir, stdout: io.stdout, stderr: io.stderr, jobThread: 'main' });
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  assert.equal(r.right.status, 'completed');
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.equal(results.answer, 42);
  assert.equal(results.run.status, 'completed');
  assert.ok(!results.artifacts.some((a: { kind: string }) => a.kind === 'report'));
  const warnings = io.err().split('\n').filter((l) => l.includes('report.html'));
  assert.equal(warnings.length, 1, io.err());
  assert.match(warnings[0], /^warning: report\.html not written \(.*\); the results are in .*results\.json$/);
  assert.match(readFileSync(join(dir, 'log'), 'utf8'), /warn report\.html not written/);
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

test('report: headless Chromium loads the report a real run (tiny mop) wrote, with every chart', async (tc) => {
  if (!existsSync(CHROMIUM)) return tc.skip(`${CHROMIUM} is not installed (apt-get install chromium): the browser check did not run`);
  const run = await mopRun();
  const file = join(run.dir, 'report.html');
  const written = readFileSync(file, 'utf8');
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(scratch(), 'chromium-profile')}`];
  const dom = spawnSync(CHROMIUM, [...flags, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(dom.status, 0, dom.stderr);
  const charts = (html: string) => (html.match(/<svg /g) ?? []).length;
  assert.ok(charts(written) >= 5);
  assert.equal(charts(dom.stdout), charts(written));
  const lines = (html: string) => (html.match(/class="mark-line role-mark/g) ?? []).length;
  assert.equal(lines(dom.stdout), lines(written));
  assert.doesNotMatch(dom.stderr, /Uncaught|SyntaxError|ERR_FILE_NOT_FOUND/);
});

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
