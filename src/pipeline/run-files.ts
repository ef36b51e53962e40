/**
 * The artifacts results.json lists: what the pipeline announced (`artifact(…)` events, with their
 * kind and description) and then every other file the run left in its directory, so a reader of
 * results.json finds checkpoints, stage records and figures a stage wrote without announcing them.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArtifactEvent } from '../core/events.ts';

export interface RunArtifact {
  readonly path: string;
  readonly kind: ArtifactEvent['kind'];
  readonly description?: string;
}

/** The run's own records, listed with what they hold. results.json is the list itself; .lock is gone when the run ends. */
const RECORDS: Readonly<Record<string, string>> = {
  'params.json': 'the run’s pipeline, seed and parameters',
  'metrics.jsonl': 'every metric event, one JSON object a line, with its wall-clock time',
  log: 'the run’s log',
  'report.html': 'the run report (parameters, results, learning curves, artifacts)',
};
const SKIPPED = new Set(['results.json', '.lock']);

/** Regular files under `dir`, depth first, in name order (symbolic links are not followed). */
const filesUnder = (dir: string): string[] => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
};

/** What an unannounced file is, from where the runner and the stages put things. */
const classify = (runDir: string, file: string, siblings: ReadonlySet<string>): RunArtifact => {
  const rel = file.slice(runDir.length + 1);
  const name = basename(file);
  if (rel in RECORDS) return { path: file, kind: rel === 'report.html' ? 'report' : 'other', description: RECORDS[rel] };
  if (rel.startsWith(`stages/`)) return { path: file, kind: 'other', description: 'a finished stage, for --resume' };
  if (name.endsWith('.arrow')) return { path: file, kind: 'dataset' };
  // a tfjs-style checkpoint is a directory with manifest.json and its weights
  if (siblings.has(join(dirname(file), 'manifest.json'))) return { path: file, kind: 'checkpoint' };
  if (/\.(svg|png)$/i.test(name)) return { path: file, kind: 'figure' };
  return { path: file, kind: 'other' };
};

/**
 * The announced artifacts (first, in the order announced, each once) followed by every other
 * regular file under `runDir` except results.json, .lock and unfinished `.tmp` files, in path
 * order. `extra` names files about to be written (report.html) so the list holds them too.
 */
export const runArtifacts = (runDir: string, announced: readonly RunArtifact[], extra: readonly string[] = []): RunArtifact[] => {
  const root = resolve(runDir);
  const seen = new Set<string>();
  const out: RunArtifact[] = [];
  for (const a of announced) {
    const abs = resolve(root, a.path);
    if (seen.has(abs)) continue;
    seen.add(abs);
    out.push(a);
  }
  const files = [...new Set([...filesUnder(root), ...extra.map((f) => resolve(root, f))])].sort();
  const all = new Set(files);
  for (const f of files) {
    const rel = f.slice(root.length + 1);
    if (seen.has(f) || SKIPPED.has(rel) || f.endsWith('.tmp')) continue;
    out.push(classify(root, f, all));
  }
  return out;
};
