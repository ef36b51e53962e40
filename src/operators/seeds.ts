import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defer, map, mergeMap, range, toArray, type Observable } from 'rxjs';
import { PositiveInt, withDefault } from '../core/codecs.ts';
import type { PipelineEvent } from '../core/events.ts';
import { Rng } from '../core/rng.ts';
import type { RunContext } from './context.ts';
import { JobSlots } from './job-slots.ts';
import { summarize } from '../metrics/statistics.ts';

/** The `seeds` parameter of a pipeline that repeats its experiment over training seeds. */
export const SeedsParam = (fallback = 3) =>
  withDefault(
    PositiveInt,
    fallback,
    'training seeds: the experiment runs once per seed (--seed, --seed+1, …, each exactly as a one-seed run with that --seed) and results are reported over seeds (mean, 95% CI)',
  );

/** What one seed's graph produced, with its seed. */
export interface SeedRun<R> {
  readonly seed: number;
  readonly value: R;
}

/**
 * The context of seed `s` inside a run: its own root RNG (`Rng.fromSeed(s)`, so seed s of a
 * many-seed run reproduces a one-seed run with `--seed s`), its own folder `<runDir>/seed-<s>`,
 * and telemetry marked with the seed — metrics get a `seed` tag (reports draw bands over seeds),
 * results go under `seeds.<s>.`, progress bars, logs and tables are prefixed.
 */
export const seedContext = (ctx: RunContext, seed: number, slots?: JobSlots): RunContext => {
  const runDir = join(ctx.runDir, `seed-${seed}`);
  const prefix = `seed ${seed}`;
  const emit = (e: PipelineEvent): void => {
    switch (e.type) {
      case 'metric':
        return ctx.emit({ ...e, tags: { ...(e.tags ?? {}), seed: String(seed) } });
      case 'result':
        return ctx.emit({ ...e, key: `seeds.${seed}.${e.key}` });
      case 'progress':
        return ctx.emit({ ...e, id: `seed-${seed}/${e.id}`, label: `[${prefix}] ${e.label}` });
      case 'log':
        return ctx.emit({ ...e, message: `[${prefix}] ${e.message}` });
      case 'table':
        return ctx.emit({ ...e, title: `[${prefix}] ${e.title}` });
      case 'artifact':
        return ctx.emit(e);
    }
  };
  return {
    ...ctx,
    rng: Rng.fromSeed(seed),
    seed,
    runDir,
    datasetsDir: join(runDir, 'datasets'),
    emit,
    ...(ctx.stageCache ? { stageCache: { ...ctx.stageCache, reused: (stage: string) => ctx.stageCache!.reused(`seed-${seed}/${stage}`) } } : {}),
    ...(slots ? { jobSlots: slots } : {}),
  };
};

export interface ForEachSeedOptions {
  /**
   * Jobs running at once across all seeds on this machine (worker threads). Seeds run together
   * and share these slots, so while one seed distils another trains its teachers. Ignored for a
   * remote executor (SLURM schedules its own jobs).
   */
  readonly workers: number;
}

/**
 * Runs `graph` once per seed — `ctx.seed`, `ctx.seed + 1`, …, `ctx.seed + seeds − 1` — each on its
 * own `seedContext`, and emits every seed's last value, in seed order, once all have finished.
 *
 *   forEachSeed(3, ctx, g):  ------------([{seed 0, g₀}, {seed 1, g₁}, {seed 2, g₂}]|)
 */
export const forEachSeed = <R>(seeds: number, ctx: RunContext, options: ForEachSeedOptions, graph: (ctx: RunContext, seed: number) => Observable<R>): Observable<readonly SeedRun<R>[]> =>
  defer(() => {
    const remote = typeof ctx.jobThread === 'object';
    const slots = remote ? undefined : (ctx.jobSlots ?? new JobSlots(options.workers));
    return range(ctx.seed, seeds).pipe(
      mergeMap((seed) => {
        const seedCtx = seedContext(ctx, seed, slots);
        mkdirSync(seedCtx.runDir, { recursive: true });
        return graph(seedCtx, seed).pipe(
          toArray(),
          map((values): SeedRun<R> => {
            if (values.length === 0) throw new Error(`seed ${seed}: the graph completed without a value`);
            return { seed, value: values[values.length - 1] };
          }),
        );
      }),
      toArray(),
      map((runs) => [...runs].sort((a, b) => a.seed - b.seed)),
    );
  });

/** results.json entry of a quantity measured once per seed: mean, sample std and 95% CI over seeds (null below 2 seeds), and every seed's value. */
export interface SeedsEntry {
  readonly mean: number;
  readonly std: number | null;
  readonly ci95: number | null;
  readonly seeds: number;
  readonly perSeed: Readonly<Record<string, number>>;
}

export const seedsEntry = (values: readonly { readonly seed: number; readonly value: number }[]): SeedsEntry => {
  const s = summarize(values.map((v) => v.value));
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return { mean: s.mean, std: finite(s.std), ci95: finite(s.halfWidth), seeds: s.n, perSeed: Object.fromEntries(values.map((v) => [String(v.seed), v.value])) };
};
