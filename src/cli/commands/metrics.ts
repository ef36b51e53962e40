import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { formatTable } from '../../pipeline/progress-renderer.ts';
import { scanMetrics, type MetricLine } from '../../report/run-report.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** `*` any characters (`/` too), `?` one character; the whole name must match. */
const globRegExp = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces. */
const csvField = (s: string): string => (/[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

const tagText = (tags: Readonly<Record<string, string>> | undefined): string =>
  Object.entries(tags ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/**
 * A run's metrics.jsonl as a table: by default one row per series (name and tags) with its count,
 * step range, last, min and max; with --csv every value in long format (name, step, value, time,
 * one column per tag) for pandas or R. The file is streamed (twice for --csv: the tag columns
 * first), so its size does not matter.
 */
export const metricsCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('metrics', argv, { csv: { type: 'boolean' }, name: { type: 'string' } }, { min: 1, max: 1, usage: '<run-dir> [--csv] [--name PATTERN]' });
  if (E.isLeft(args)) return args;
  const dir = args.right.positionals[0];
  try {
    if (!statSync(dir).isDirectory()) return E.left(distilleryError('invalid-input', `${dir}: not a directory (expected a run directory)`));
  } catch {
    return E.left(distilleryError('not-found', `${dir}: no such directory`));
  }
  const file = join(dir, 'metrics.jsonl');
  try {
    statSync(file);
  } catch {
    return E.left(distilleryError('invalid-input', `${dir} is not a run directory (no metrics.jsonl)`));
  }
  const pattern = args.right.values.name as string | undefined;
  const wanted = pattern === undefined ? () => true : ((re) => (name: string) => re.test(name))(globRegExp(pattern));

  // first pass: the series (and so the tag columns), the names for a pattern that matches nothing
  interface Series { name: string; tags: string; n: number; first: number; last: number; lastValue: number | null; min: number; max: number }
  const series = new Map<string, Series>();
  const names = new Set<string>();
  const tagKeys = new Set<string>();
  const first = await scanMetrics(file, (m: MetricLine) => {
    names.add(m.name);
    if (!wanted(m.name)) return;
    for (const k of Object.keys(m.tags ?? {})) tagKeys.add(k);
    const tags = tagText(m.tags);
    const key = `${m.name}\u0000${tags}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { name: m.name, tags, n: 0, first: m.step, last: m.step, lastValue: null, min: Infinity, max: -Infinity }));
    s.n++;
    s.first = Math.min(s.first, m.step);
    if (m.step >= s.last) {
      s.last = m.step;
      s.lastValue = m.value;
    }
    if (m.value !== null) {
      s.min = Math.min(s.min, m.value);
      s.max = Math.max(s.max, m.value);
    }
  });
  if (E.isLeft(first)) return first;
  if (pattern !== undefined && series.size === 0)
    return E.left(
      distilleryError('invalid-input', `--name ${pattern}: no metric matches it in ${file} (${names.size ? `names: ${[...names].slice(0, 12).join(', ')}${names.size > 12 ? ', …' : ''}` : 'no metrics recorded'})`),
    );

  if (args.right.values.csv) {
    // `task` first: the tag every per-task metric has
    const tagColumns = [...tagKeys].sort((a, b) => (a === 'task' ? -1 : b === 'task' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    // Written in chunks, waiting for the reader when it is slower (memory stays flat); a reader
    // that stops early (`| head`) ends the scan instead of an EPIPE error.
    let closed = false;
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') closed = true;
    };
    io.stdout.on('error', onError);
    let chunk = ['name', 'step', 'value', 'time', ...tagColumns].map(csvField).join(',') + '\n';
    const flush = async (): Promise<boolean> => {
      if (closed) return false;
      const more = io.stdout.write(chunk);
      chunk = '';
      if (!more) await new Promise<void>((resolve) => {
        const done = () => {
          io.stdout.off('drain', done);
          io.stdout.off('close', done);
          io.stdout.off('error', done);
          resolve();
        };
        io.stdout.on('drain', done);
        io.stdout.on('close', done);
        io.stdout.on('error', done);
      });
      return !closed;
    };
    try {
      const second = await scanMetrics(file, (m) => {
        if (!wanted(m.name)) return;
        // a non-finite value (null in the JSON) is an empty cell: NaN in pandas, NA in R
        const row = [m.name, String(m.step), m.value === null ? '' : String(m.value), m.time ?? '', ...tagColumns.map((k) => m.tags?.[k] ?? '')];
        chunk += row.map(csvField).join(',') + '\n';
        return chunk.length >= 1 << 16 ? flush() : true;
      });
      if (E.isLeft(second)) return second;
      await flush();
    } finally {
      io.stdout.off('error', onError);
    }
    return E.right(0);
  }
  const rows = [...series.values()].map((s) => [s.name, s.tags, s.n, s.first, s.last, s.lastValue, Number.isFinite(s.min) ? s.min : null, Number.isFinite(s.max) ? s.max : null]);
  const total = rows.reduce((n, r) => n + (r[2] as number), 0);
  if (rows.length === 0) io.stdout.write(`${file}: no metrics recorded\n`);
  else io.stdout.write(formatTable(`${file}: ${total} values in ${rows.length} series${pattern !== undefined ? ` named like ${pattern}` : ''}`, ['name', 'tags', 'n', 'first step', 'last step', 'last', 'min', 'max'], rows) + '\n');
  return E.right(0);
};
