import type { PipelineEvent } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import type { BackendPreference } from '../nn/backend.ts';
import type { JobSlots } from './job-slots.ts';
import type { JobExecutor } from './run-job.ts';
import type { StageCache } from './stage-cache.ts';

/**
 * What a run gives its graph and stages: the seeded RNG, where files go, the compute backend, and
 * the side channel for telemetry (progress, metrics, logs, artifacts, results, tables), which the
 * runner renders and records. Stage values travel in the stream; telemetry never does.
 */
export interface RunContext {
  /** The run's root RNG (split it by name: `ctx.rng.split('teacher/left')`). */
  readonly rng: Rng;
  readonly seed: number;
  /** The run directory (exists when the graph starts). */
  readonly runDir: string;
  /** `<runDir>/datasets`, created on demand by persist. */
  readonly datasetsDir: string;
  /** Name of the pipeline (recorded in dataset metadata). */
  readonly pipeline: string;
  /**
   * The tfjs backend: what the user asked for (`--backend`, passed on to worker jobs) and what
   * this thread got (recorded in results.json as run.backend).
   */
  readonly backend: { readonly preference: BackendPreference; readonly name: string };
  /**
   * Where jobs run: worker threads (default), this thread (tests, debugging, profiling), or an
   * executor such as `slurmExecutor` (the name is historical).
   */
  readonly jobThread?: JobExecutor;
  /**
   * Shared by stages that must not start more local jobs together than this (the seeds of a
   * many-seed run: `forEachSeed`). Absent: each stage bounds only its own jobs (`workers`).
   */
  readonly jobSlots?: JobSlots;
  /** Records of finished stages, reused by `--resume` (absent: stages always run). */
  readonly stageCache?: StageCache;
  /** Sends telemetry to the run: `ctx.emit(result('returns.left', r))`. */
  readonly emit: (event: PipelineEvent) => void;
}
