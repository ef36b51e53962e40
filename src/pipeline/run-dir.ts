/**
 * The run directory's safety rules: what may be used as `--out`, one run at a time per directory,
 * results written atomically, result keys that cannot reach Object.prototype.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../core/errors.ts';

/** Files only a run directory holds: a non-empty directory without any of them is not ours to fill. */
const RUN_MARKERS = ['params.json', 'results.json', 'metrics.jsonl', 'log'];

export const checkRunDir = (dir: string, shown: string): E.Either<DistilleryError, void> => {
  if (!existsSync(dir)) return E.right(undefined);
  if (!statSync(dir).isDirectory()) return E.left(distilleryError('invalid-input', `--out ${shown}: is a file, not a directory`));
  const entries = readdirSync(dir);
  if (entries.length === 0) return E.right(undefined);
  if (entries.includes('results.json'))
    return E.left(distilleryError('invalid-input', `--out ${shown}: already holds a run (results.json); choose another directory`));
  if (!RUN_MARKERS.some((m) => entries.includes(m)))
    return E.left(distilleryError('invalid-input', `--out ${shown}: is a non-empty directory that is not a run directory; choose an empty or new one`));
  return E.right(undefined);
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<dir>/.lock` (holding our pid), refusing while another live process holds it; a lock left
 * by a dead process (kill -9) is taken over. Returns the release function.
 */
export const acquireRunLock = (dir: string): E.Either<DistilleryError, () => void> => {
  const path = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return E.right(() => rmSync(path, { force: true }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return E.left(distilleryError('io', `${dir}: cannot create the run lock (${(e as NodeJS.ErrnoException).code})`));
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && alive(holder))
        return E.left(distilleryError('invalid-input', `${dir}: another run (pid ${holder}) is using this directory`));
      rmSync(path, { force: true });
    }
  }
  return E.left(distilleryError('io', `${dir}: cannot take the run lock`));
};

export { writeFileAtomic } from '../core/atomic-file.ts';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** `results[a][b][c] = value` for key `a.b.c`, on own properties only (no prototype keys). */
export const setResultPath = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  const parts = key.split('.').map((p) => (FORBIDDEN.has(p) ? `_${p}` : p));
  let node = obj;
  for (const p of parts.slice(0, -1)) {
    const next = Object.hasOwn(node, p) ? node[p] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = Object.create(null) as Record<string, unknown>;
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
};
