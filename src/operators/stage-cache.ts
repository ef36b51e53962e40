import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defer, of, tap, type Observable } from 'rxjs';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { log } from '../core/events.ts';
import type { RunContext } from './context.ts';

/** Bumped when what a stage record means changes: old records are then never reused. */
const STAGE_RECORD_VERSION = 1;

/**
 * Where a run records its finished stages, and whether it may reuse them (`--resume`). A record is
 * written, atomically, only after the stage's outputs are complete, so its presence means they are.
 */
export interface StageCache {
  readonly dir: string;
  readonly reuse: boolean;
  /** Told each stage that was reused instead of run. */
  readonly reused: (stage: string) => void;
}

/**
 * Runs `work` unless a record of the same stage with the same key exists (and reuse is on) and
 * every file its output names still exists; then its recorded output is emitted instead. The key
 * is everything that determines the output: the stage's inputs, parameters, RNG path, and the
 * paths it writes (which, for one `--out`, name the run). Outputs must be JSON values.
 *
 *   cachedStage(ctx, 'teacher/left', key, files, work):  -----(o|)   or, reused:  (o|)
 */
export const cachedStage = <O>(ctx: Pick<RunContext, 'stageCache' | 'emit'>, stage: string, key: unknown, files: (o: O) => readonly string[], work: () => Observable<O>): Observable<O> => {
  const cache = ctx.stageCache;
  if (!cache) return work();
  return defer(() => {
    const hash = createHash('sha256').update(JSON.stringify({ version: STAGE_RECORD_VERSION, stage, key })).digest('hex').slice(0, 24);
    const record = join(cache.dir, `${stage.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}.json`);
    if (cache.reuse && existsSync(record)) {
      const saved = readRecord<O>(record);
      if (saved !== undefined && files(saved).every((f) => existsSync(f))) {
        cache.reused(stage);
        ctx.emit(log(`${stage}: reused (${record})`));
        return of(saved);
      }
    }
    return work().pipe(
      tap((output) => {
        mkdirSync(cache.dir, { recursive: true });
        writeFileAtomic(record, JSON.stringify({ stage, key, output }, null, 1));
      }),
    );
  });
};

const readRecord = <O>(path: string): O | undefined => {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { output: O }).output;
  } catch {
    return undefined;
  }
};
