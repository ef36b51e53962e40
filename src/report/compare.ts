/**
 * Runs compared: the runs that share a pipeline and parameters (everything but the seed and the
 * number of seeds) form a group; for each numeric result the metric pattern matches (`returns.*.student.mean`, `*` = any
 * one key), a group has one value per run, summarised by its mean and 95% Student-t interval over
 * the group's seeds. As a table, as JSON, and as a self-contained HTML page with a chart.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { TopLevelSpec } from 'vega-lite';
import { distilleryError, type DistilleryError } from '../core/errors.ts';
import { summarize } from '../metrics/statistics.ts';
import { esc, flatten, ParamsFile, readJson, ResultsFile, STYLE, table } from './run-report.ts';
import { renderVegaLiteSvg } from './vega.ts';

export const DEFAULT_METRIC = 'returns.*.student.mean';

export interface ComparedRun {
  readonly dir: string;
  readonly pipeline: string;
  readonly seed: number;
  readonly params: unknown;
  readonly results: Readonly<Record<string, unknown>>;
}

/** One run directory, finished: its params.json and results.json, decoded. */
export const readComparedRun = (runDir: string): E.Either<DistilleryError, ComparedRun> => {
  const dir = resolve(runDir);
  try {
    if (!statSync(dir).isDirectory()) return E.left(distilleryError('invalid-input', `${runDir}: not a directory (expected a run directory)`));
  } catch {
    return E.left(distilleryError('not-found', `${runDir}: no such directory`));
  }
  const exists = (f: string) => {
    try {
      return statSync(join(dir, f)).isFile();
    } catch {
      return false;
    }
  };
  if (!exists('params.json')) return E.left(distilleryError('invalid-input', `${runDir} is not a run directory (no params.json)`));
  if (!exists('results.json')) return E.left(distilleryError('invalid-input', `${runDir}: the run has not finished (no results.json)`));
  const params = readJson(join(dir, 'params.json'), ParamsFile);
  if (E.isLeft(params)) return params;
  const results = readJson(join(dir, 'results.json'), ResultsFile);
  if (E.isLeft(results)) return results;
  const status = results.right.run.status;
  if (status !== 'completed') return E.left(distilleryError('invalid-input', `${runDir}: the run did not complete (status ${JSON.stringify(status)}); leave it out`));
  return E.right({ dir, pipeline: params.right.pipeline, seed: params.right.seed, params: params.right.params, results: results.right as Record<string, unknown> });
};

/** The numeric leaves of `value` at the dot path `pattern` (`*` matches any one key), with their full paths. */
export interface MetricMatch {
  readonly path: string;
  readonly label: string;
  readonly value: number;
  /**
   * A mean over the seeds of a multi-seed run (`{ mean, perSeed: { "<seed>": value } }`, what
   * `summarizeOverSeeds` writes): its per-seed values, which the comparison uses as samples.
   */
  readonly perSeed?: readonly { readonly seed: number; readonly value: number }[];
}

const perSeedOf = (parent: unknown, key: string | undefined): MetricMatch['perSeed'] => {
  if (key !== 'mean' || !isObject(parent) || !isObject(parent.perSeed)) return undefined;
  const entries = Object.entries(parent.perSeed);
  if (entries.length === 0 || !entries.every(([k, v]) => /^\d+$/.test(k) && typeof v === 'number')) return undefined;
  return entries.map(([k, v]) => ({ seed: Number(k), value: v as number })).sort((a, b) => a.seed - b.seed);
};

export const matchMetric = (value: unknown, pattern: string): MetricMatch[] => {
  const parts = pattern.split('.');
  const out: MetricMatch[] = [];
  const walk = (node: unknown, i: number, path: readonly string[], parent?: unknown): void => {
    if (i === parts.length) {
      // the label is what the wildcards matched (the whole path when there are none)
      const label = parts.includes('*') ? path.filter((_, j) => parts[j] === '*').join('.') : path.join('.');
      const perSeed = perSeedOf(parent, path[path.length - 1]);
      if (typeof node === 'number') out.push({ path: path.join('.'), label, value: node, ...(perSeed ? { perSeed } : {}) });
      else nonNumeric.push(node);
      return;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const keys = parts[i] === '*' ? Object.keys(node).sort() : Object.hasOwn(node, parts[i]) ? [parts[i]] : [];
    for (const k of keys) walk((node as Record<string, unknown>)[k], i + 1, [...path, k], node);
  };
  const nonNumeric: unknown[] = [];
  walk(value, 0, []);
  return Object.assign(out, { nonNumeric });
};

/** What a pattern that matched no number matched instead, for the error line. */
const whatMatched = (runs: readonly ComparedRun[], pattern: string): string => {
  const other = runs.flatMap((r) => (matchMetric(r.results, pattern) as ReturnType<typeof matchMetric> & { nonNumeric: unknown[] }).nonNumeric);
  const keys = [...new Set(other.flatMap((o) => (isObject(o) ? Object.keys(o) : [])))];
  if (keys.length) return `it names objects, not numbers: add one of their keys (${keys.slice(0, 8).join(', ')})`;
  if (other.length) return `it names ${other.length} value${other.length === 1 ? '' : 's'} that are not numbers`;
  return 'see results.json for the names';
};

/** JSON with object keys sorted: equal parameters, equal text. */
const canonical = (v: unknown): string =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? `{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
        .join(',')}}`
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : JSON.stringify(v);

export interface ComparisonRow {
  /** The group's label: the parameters in which it differs from the other groups. */
  readonly group: string;
  /** The result's full path in results.json. */
  readonly metric: string;
  /** What the pattern's wildcards matched (`left` for `returns.*.student.mean`), the path when it has none. */
  readonly label: string;
  readonly n: number;
  readonly mean: number;
  /** Half-width of the 95% Student-t interval over seeds (null when n < 2). */
  readonly halfWidth: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly seeds: readonly number[];
  readonly values: readonly number[];
}

export interface ComparisonGroup {
  readonly label: string;
  readonly pipeline: string;
  /** The parameters that set this group apart (dot path → JSON value). */
  readonly differs: Readonly<Record<string, string>>;
  readonly runs: readonly { readonly dir: string; readonly seed: number }[];
}

export interface Comparison {
  readonly metric: string;
  readonly groups: readonly ComparisonGroup[];
  readonly rows: readonly ComparisonRow[];
}

/**
 * Groups the runs by pipeline and parameters and summarises every result the pattern matches.
 * Fails with one line when nothing matches in any run.
 */
export const compareRuns = (runs: readonly ComparedRun[], pattern: string): E.Either<DistilleryError, Comparison> => {
  if (pattern.split('.').some((p) => p === '')) return E.left(distilleryError('invalid-input', `--metric ${JSON.stringify(pattern)}: expected a dot path such as ${DEFAULT_METRIC}`));
  const byKey = new Map<string, ComparedRun[]>();
  for (const r of runs) {
    const key = canonical({ pipeline: r.pipeline, params: withoutSeeds(r.params) });
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const members = [...byKey.values()];
  // what differs between groups: the dot paths whose value is not the same in every group
  const flat = members.map((g) => {
    const params = withoutSeeds(g[0].params);
    return new Map(flatten({ pipeline: g[0].pipeline, ...(isObject(params) ? params : { params }) }));
  });
  const paths = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  const differing = paths.filter((p) => new Set(flat.map((m) => m.get(p) ?? '(unset)')).size > 1);
  const groups: ComparisonGroup[] = members.map((g, i) => {
    const differs = Object.fromEntries(differing.map((p) => [p, flat[i].get(p) ?? '(unset)']));
    const label = differing.length ? differing.map((p) => `${p}=${differs[p]}`).join(' ') : 'all runs';
    return { label, pipeline: g[0].pipeline, differs, runs: g.map((r) => ({ dir: r.dir, seed: r.seed })).sort((a, b) => a.seed - b.seed) };
  });
  const rows: ComparisonRow[] = [];
  for (const [i, g] of members.entries()) {
    // one sample per seed: a run's own seed, or each seed of a multi-seed run's mean
    const byMetric = new Map<string, { label: string; seed: number; value: number; dir: string }[]>();
    for (const r of [...g].sort((a, b) => a.seed - b.seed))
      for (const m of matchMetric(r.results, pattern))
        for (const s of m.perSeed ?? [{ seed: r.seed, value: m.value }]) byMetric.set(m.path, [...(byMetric.get(m.path) ?? []), { label: m.label, seed: s.seed, value: s.value, dir: r.dir }]);
    for (const [metric, unsorted] of [...byMetric].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const vs = [...unsorted].sort((a, b) => a.seed - b.seed);
      const twice = vs.find((v, k) => k > 0 && vs[k - 1].seed === v.seed);
      if (twice) {
        const other = vs.find((v) => v.seed === twice.seed && v.dir !== twice.dir);
        return E.left(distilleryError('invalid-input', `seed ${twice.seed} of ${groups[i].label} is in two runs (${other?.dir ?? twice.dir} and ${twice.dir}): the same experiment counted twice; leave one out`));
      }
      const values = vs.map((v) => v.value);
      const s = summarize(values);
      const ci = Number.isFinite(s.halfWidth);
      rows.push({ group: groups[i].label, metric, label: vs[0].label, n: s.n, mean: s.mean, halfWidth: ci ? s.halfWidth : null, low: ci ? s.low : null, high: ci ? s.high : null, seeds: vs.map((v) => v.seed), values });
    }
  }
  if (rows.length === 0)
    return E.left(distilleryError('invalid-input', `--metric ${pattern}: no numeric result matches it in ${runs.length === 1 ? 'the run' : `any of the ${runs.length} runs`} (${whatMatched(runs, pattern)})`));
  return E.right({ metric: pattern, groups, rows });
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The parameters without `seeds` (how many seeds a multi-seed run ran): like the seed, it does not make another experiment. */
const withoutSeeds = (params: unknown): unknown => {
  if (!isObject(params) || typeof params.seeds !== 'number') return params;
  const { seeds: _, ...rest } = params;
  return rest;
};

export const COMPARISON_COLUMNS = ['group', 'result', 'n', 'mean', '±95% CI', 'low', 'high', 'seeds'] as const;

export const comparisonTableRows = (c: Comparison): (string | number | null)[][] =>
  c.rows.map((r) => [r.group, r.label, r.n, r.mean, r.halfWidth, r.low, r.high, r.seeds.join(',')]);

/** The chart: each matched result on the x-axis, a point (mean) per group with its interval as a rule under it. */
export const comparisonSpec = (c: Comparison): TopLevelSpec => {
  const counts = new Map<string, Set<number>>();
  for (const r of c.rows) counts.set(r.group, new Set([...(counts.get(r.group) ?? []), ...r.seeds]));
  const legend = (g: string) => `${g} (${counts.get(g)!.size} seed${counts.get(g)!.size === 1 ? '' : 's'})`;
  const values = c.rows.map((r) => ({ group: legend(r.group), metric: r.label, mean: r.mean, low: r.low, high: r.high, n: r.n }));
  const color = { field: 'group', type: 'nominal' as const, title: null, sort: c.groups.map((g) => legend(g.label)), legend: { orient: 'bottom' as const, labelLimit: 600, columns: 1 } };
  const x = { field: 'metric', type: 'nominal' as const, title: c.metric, axis: { labelAngle: 0, labelLimit: 200 } };
  const xOffset = { field: 'group', type: 'nominal' as const, sort: c.groups.map((g) => legend(g.label)) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${c.metric}: mean over seeds (rule: 95% CI)`, anchor: 'start' },
    width: { step: Math.max(60, 20 * c.groups.length) }, // room for each group's point beside the others
    height: 260,
    data: { values },
    layer: [
      // the intervals first: the points are drawn above them
      { transform: [{ filter: 'datum.low != null' }], mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
      {
        mark: { type: 'point', filled: true, size: 60, opacity: 1 },
        encoding: {
          x,
          xOffset,
          y: { field: 'mean', type: 'quantitative', title: 'mean over seeds', scale: { zero: false }, axis: { format: '~g', tickCount: 6 } },
          color,
          tooltip: [{ field: 'group' }, { field: 'metric' }, { field: 'mean', format: '.4g' }, { field: 'low', format: '.4g' }, { field: 'high', format: '.4g' }, { field: 'n' }],
        },
      },
    ],
    config: { font: 'sans-serif', view: { stroke: '#ddd' }, axis: { grid: true, gridColor: '#eee' } },
  };
};

/** The comparison as one offline HTML page: the runs, the table, the chart (inline SVG). */
export const comparisonHtml = async (c: Comparison, options: { generator?: string } = {}): Promise<string> => {
  const svg = await renderVegaLiteSvg(comparisonSpec(c));
  const runsTable = table(
    'Runs',
    ['group', 'pipeline', 'seed', 'run directory'],
    c.groups.flatMap((g) => g.runs.map((r) => [g.label, g.pipeline, r.seed, r.dir])),
  );
  const body = [
    `<h1>Comparison: ${esc(c.metric)}</h1>`,
    `<p>${c.groups.reduce((n, g) => n + g.runs.length, 0)} runs in ${c.groups.length} group${c.groups.length === 1 ? '' : 's'} (same pipeline and parameters but the seed)${options.generator ? ` · by ${esc(options.generator)}, ${esc(new Date().toISOString())}` : ''}. Each run gives one value; the interval is the 95% Student-t interval of the mean over a group's seeds (none with one seed).</p>`,
    table('Results', [...COMPARISON_COLUMNS], comparisonTableRows(c)),
    `<div class="chart">${svg}</div>`,
    runsTable,
  ];
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(`compare ${c.metric}`)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
};
