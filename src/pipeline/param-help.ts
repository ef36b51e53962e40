import type * as t from 'io-ts';
import { isPlainObject, overlay, propsOf, type ParamDoc } from '../core/codecs.ts';
import type { Pipeline } from './define.ts';

export interface ParamLine {
  /** Dot path, as `--set` takes it. */
  readonly path: string;
  readonly type: string;
  /** The default as JSON (absent for a group). */
  readonly default?: string;
  readonly description?: string;
  readonly group: boolean;
}

interface Documented {
  readonly doc?: ParamDoc;
  readonly inner?: t.Mixed;
  readonly defaults?: Record<string, unknown>;
  readonly name: string;
}

/**
 * Every parameter of a codec with its type, default and description (from `withDefault`,
 * `section` and `withDefaults`, where the defaults are written). Groups come before their fields.
 */
export const paramLines = (codec: t.Mixed, prefix = '', overrides: unknown = undefined): ParamLine[] => {
  const c = codec as unknown as Documented;
  // A withDefaults wrapper lays other defaults over those of the fields beneath it.
  const over = c.defaults ? overlay(c.defaults, overrides) : overrides;
  const props = propsOf(codec);
  if (!props) return [];
  const out: ParamLine[] = [];
  for (const [key, field] of Object.entries(props)) {
    const f = field as unknown as Documented;
    const path = prefix ? `${prefix}.${key}` : key;
    const own = isPlainObject(over) ? over[key] : undefined;
    if (propsOf(field)) {
      out.push({ path, type: 'group', group: true, ...(f.doc?.description ? { description: f.doc.description } : {}) });
      out.push(...paramLines(field, path, own));
      continue;
    }
    const value = own !== undefined ? own : f.doc && 'default' in f.doc ? f.doc.default : undefined;
    out.push({
      path,
      type: (f.inner ?? field).name,
      group: false,
      ...(value !== undefined ? { default: JSON.stringify(value) } : {}),
      ...(f.doc?.description ? { description: f.doc.description } : {}),
    });
  }
  return out;
};

/** `distillery run <pipeline> --help`. */
export const pipelineHelp = (pipeline: Pipeline): string => {
  const lines = paramLines(pipeline.params as t.Mixed);
  const width = Math.min(34, Math.max(...lines.map((l) => l.path.length + (l.group ? 0 : 2))));
  const body = lines.map((l) => {
    if (l.group) return `\n  ${l.path}${l.description ? ` — ${l.description}` : ''}`;
    const head = `  ${l.path}`.padEnd(width + 2);
    const def = l.default !== undefined ? ` = ${l.default.length > 60 ? l.default.slice(0, 57) + '...' : l.default}` : '';
    return `${head}  ${l.type}${def}${l.description ? `\n${' '.repeat(width + 4)}${l.description}` : ''}`;
  });
  return [
    `distillery run ${pipeline.name} — ${pipeline.description}`,
    '',
    `usage: distillery run ${pipeline.name} [--set key=value]… [--config file.json|yaml] [--seed N] [--out DIR] [--backend B] [--json]`,
    '',
    'parameters (type = default):',
    ...body,
  ].join('\n');
};
