/**
 * A run directory as one self-contained HTML page (`report.html`): run information, parameters,
 * the results tables, learning curves from metrics.jsonl (Vega-Lite, rendered to inline SVG, so
 * the page needs no network and no script), the other results as JSON, and the artifacts with
 * links (SVG figures shown inline as images). Every file read is decoded with io-ts; a file that
 * is not what a run writes is one DistilleryError naming it.
 */
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { decode } from '../core/codecs.ts';
import { distilleryError, type DistilleryError } from '../core/errors.ts';
import { notRegular, readSmallTextFile } from '../core/files.ts';
import { buildCurves, curveSpec, type MetricPoint } from './curves.ts';
import { renderVegaLiteSvg } from './vega.ts';

export const ParamsFile = t.type({ pipeline: t.string, seed: t.number, params: t.unknown });
const Cell = t.union([t.string, t.number, t.null]);
const TableCodec = t.type({ title: t.string, columns: t.array(t.string), rows: t.array(t.array(Cell)) });
const ArtifactCodec = t.intersection([t.type({ path: t.string, kind: t.string }), t.partial({ description: t.string })]);
export const ResultsFile = t.intersection([
  t.type({ run: t.UnknownRecord }),
  t.partial({ tables: t.array(TableCodec), artifacts: t.array(ArtifactCodec) }),
]);
/** A line of metrics.jsonl (a non-finite value is written by JSON.stringify as null). */
const MetricLine = t.intersection([
  t.type({ type: t.literal('metric'), name: t.string, step: t.number, value: t.union([t.number, t.null]) }),
  t.partial({ tags: t.record(t.string, t.string), time: t.string }),
]);

/** params.json and results.json are read whole; larger ones are not a run's. */
const MAX_JSON_BYTES = 64 << 20;
/** SVG artifacts up to this size are embedded in the page; larger ones are linked. */
const MAX_INLINE_SVG_BYTES = 4 << 20;

export interface RunReport {
  readonly path: string;
  readonly charts: number;
  /** Each chart also as its own SVG file, `curves/<metric>.svg` (for papers and slides). */
  readonly curveFiles: readonly string[];
  readonly metrics: number;
  readonly artifacts: number;
}

export const readJson = <A>(file: string, codec: t.Type<A, unknown, unknown>): E.Either<DistilleryError, A> => {
  const text = readSmallTextFile(file, file, MAX_JSON_BYTES);
  if (E.isLeft(text)) return text;
  let raw: unknown;
  try {
    raw = JSON.parse(text.right);
  } catch (e) {
    return E.left(distilleryError('bad-file', `${file}: not JSON (${(e as Error).message})`));
  }
  return E.mapLeft((err: DistilleryError) => distilleryError('bad-file', err.message))(decode(codec, raw, file));
};

export type MetricLine = t.TypeOf<typeof MetricLine>;

/**
 * Visits every metric event of metrics.jsonl, streamed line by line (memory does not grow with
 * the file); a bad line fails with its number. A missing file has no metrics. `visit` may wait
 * (a slow reader of what it writes) and stops the scan by returning false.
 */
export const scanMetrics = async (file: string, visit: (m: MetricLine) => void | boolean | Promise<void | boolean>): Promise<E.Either<DistilleryError, number>> => {
  let lineNo = 0;
  let count = 0;
  try {
    const st = statSync(file);
    if (!st.isFile()) return E.left(distilleryError('invalid-input', `${file}: ${notRegular(st)}, not a regular file`));
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return E.left(distilleryError('bad-file', `${file}:${lineNo}: not JSON`));
      }
      const m = decode(MetricLine, raw, `${file}:${lineNo}`);
      if (E.isLeft(m)) return E.left(distilleryError('bad-file', m.left.message));
      const go = visit(m.right);
      count++;
      if ((go instanceof Promise ? await go : go) === false) break;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return E.right(count);
    return E.left(distilleryError('io', `${file}: cannot read (${code ?? (e as Error).message})`));
  }
  return E.right(count);
};

/** Every finite metric value of metrics.jsonl (a non-finite one is written as null: left out). */
export const readMetrics = async (file: string): Promise<E.Either<DistilleryError, MetricPoint[]>> => {
  const points: MetricPoint[] = [];
  const r = await scanMetrics(file, (m) => {
    if (m.value !== null) points.push({ name: m.name, step: m.step, value: m.value, ...(m.tags ? { tags: m.tags } : {}) });
  });
  return E.map(() => points)(r);
};

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const formatCell = (v: string | number | null): string =>
  v === null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(3) : v.toPrecision(4)) : v;

/** A nested object as dot-path → JSON value rows (arrays and scalars are leaves). */
export const flatten = (value: unknown, prefix = ''): [string, string][] => {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return prefix ? [[prefix, '{}']] : [];
    return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, typeof value === 'string' ? value : JSON.stringify(value)]];
};

const keyValueTable = (rows: readonly [string, string][]): string =>
  `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;

export const table = (title: string, columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string =>
  `<h3>${esc(title)}</h3><table class="results"><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td class="${typeof c === 'number' ? 'num' : ''}">${esc(formatCell(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

/** How the page shows one artifact: a relative link (inside the run directory) and, for SVGs, the picture. */
const artifactHtml = (runDir: string, a: t.TypeOf<typeof ArtifactCodec>): string => {
  const abs = isAbsolute(a.path) ? a.path : resolve(runDir, a.path);
  const rel = relative(runDir, abs);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  const href = inside ? rel.split(sep).map(encodeURIComponent).join('/') : pathToFileURL(abs).href;
  let size: number | undefined;
  let regular = false;
  try {
    const st = statSync(abs);
    regular = st.isFile();
    size = st.size;
  } catch {
    // missing: listed, marked
  }
  const label = inside ? rel : abs;
  const head = `<li><span class="kind">${esc(a.kind)}</span> <a href="${esc(href)}">${esc(label)}</a>${a.description ? ` — ${esc(a.description)}` : ''}${
    regular ? ` <span class="size">(${size} bytes)</span>` : ' <span class="missing">(missing)</span>'
  }`;
  if (regular && abs.toLowerCase().endsWith('.svg') && size! <= MAX_INLINE_SVG_BYTES) {
    const svg = readSmallTextFile(abs, abs, MAX_INLINE_SVG_BYTES);
    // As an <img> data URI: the picture is in the page, and nothing in it (scripts, links) runs.
    if (E.isRight(svg)) return `${head}<div class="figure"><img alt="${esc(a.description ?? label)}" src="data:image/svg+xml;base64,${Buffer.from(svg.right).toString('base64')}"></div></li>`;
  }
  return `${head}</li>`;
};

export const STYLE = `body{font-family:sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
table.kv th{font-weight:normal;color:#555;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart svg{max-width:100%;height:auto}
.kind{display:inline-block;min-width:5em;color:#555}.size{color:#888}.missing{color:#b00}
.figure img{max-width:100%;border:1px solid #eee;margin:.5em 0}pre{background:#f7f7f7;padding:.6em;overflow:auto;max-height:30em}`;

/**
 * Writes `<runDir>/report.html` from the run's params.json, results.json and metrics.jsonl.
 * A run without results.json (still running, killed) is reported with what exists.
 */
export const writeRunReport = async (runDir: string, options: { generator?: string } = {}): Promise<E.Either<DistilleryError, RunReport>> => {
  const dir = resolve(runDir);
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return E.left(distilleryError('invalid-input', `${runDir}: not a directory (expected a run directory)`));
  } catch {
    return E.left(distilleryError('not-found', `${runDir}: no such directory`));
  }
  const paramsFile = join(dir, 'params.json');
  try {
    statSync(paramsFile);
  } catch {
    return E.left(distilleryError('invalid-input', `${runDir} is not a run directory (no params.json)`));
  }
  const params = readJson(paramsFile, ParamsFile);
  if (E.isLeft(params)) return params;
  const resultsFile = join(dir, 'results.json');
  let results: t.TypeOf<typeof ResultsFile> | undefined;
  try {
    statSync(resultsFile);
    const r = readJson(resultsFile, ResultsFile);
    if (E.isLeft(r)) return r;
    results = r.right;
  } catch {
    results = undefined;
  }
  const metrics = await readMetrics(join(dir, 'metrics.jsonl'));
  if (E.isLeft(metrics)) return metrics;

  const curves = buildCurves(metrics.right);
  const charts: string[] = [];
  const curveFiles: string[] = [];
  for (const c of curves) {
    const svg = await renderVegaLiteSvg(curveSpec(c));
    charts.push(`<div class="chart">${svg}</div>`);
    const file = join(dir, 'curves', `${c.name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.svg`);
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, svg);
    } catch (e) {
      return E.left(distilleryError('io', `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
    }
    curveFiles.push(file);
  }

  const { run, tables = [], artifacts: listed = [], ...rest } = results ?? { run: undefined };
  const out = join(dir, 'report.html');
  const artifacts = listed.filter((a) => resolve(dir, a.path) !== out); // not this page itself
  const title = `${params.right.pipeline} · seed ${params.right.seed}`;
  const sections = [
    `<h1>Run report: ${esc(title)}</h1>`,
    `<p>${esc(dir)}${options.generator ? ` · report by ${esc(options.generator)}, ${esc(new Date().toISOString())}` : ''}</p>`,
    '<h2 id="run">Run</h2>',
    run ? keyValueTable(flatten(run)) : '<p class="missing">No results.json: the run has not finished (or was killed); what it recorded so far is below.</p>',
    '<h2 id="parameters">Parameters</h2>',
    keyValueTable([['pipeline', params.right.pipeline], ['seed', String(params.right.seed)], ...flatten(params.right.params)]),
    '<h2 id="results">Results</h2>',
    tables.length ? tables.map((tb) => table(tb.title, tb.columns, tb.rows)).join('\n') : '<p>No results tables.</p>',
    '<h2 id="curves">Learning curves</h2>',
    charts.length
      ? `<p>${metrics.right.length} metric values from metrics.jsonl. Lines are means over seeds where several seeds report a series, bands their 95% Student-t interval (clipped to the range of the values reported). Each chart is also in <code>curves/</code> as an SVG file.</p><div class="charts">${charts.join('\n')}</div>`
      : '<p>No metrics recorded.</p>',
    '<h2 id="artifacts">Artifacts</h2>',
    artifacts.length ? `<ul>${artifacts.map((a) => artifactHtml(dir, a)).join('\n')}</ul>` : '<p>No artifacts.</p>',
    ...(Object.keys(rest).length ? ['<h2 id="all-results">All results (results.json)</h2>', `<details><summary>JSON</summary><pre>${esc(JSON.stringify(rest, null, 2))}</pre></details>`] : []),
  ];
  const html = `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>\n${sections.join('\n')}\n</body></html>\n`;
  try {
    writeFileAtomic(out, html);
  } catch (e) {
    return E.left(distilleryError('io', `cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  return E.right({ path: out, charts: charts.length, curveFiles, metrics: metrics.right.length, artifacts: artifacts.length });
};
