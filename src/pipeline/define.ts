import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import type * as E from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../core/errors.ts';
import type { RunContext } from '../operators/context.ts';

/** What a graph gets from the runner (seeded RNG, run directory, backend, telemetry side channel). */
export type PipelineContext = RunContext;

export interface Pipeline<P = unknown> {
  readonly _tag: 'Pipeline';
  readonly name: string;
  readonly description: string;
  /** Decodes user parameters; every field has a default (core/codecs withDefault). */
  readonly params: t.Type<P, unknown, unknown>;
  /**
   * Checks that need more than the codec (an env id that exists, tasks that belong to it…). Runs
   * before the run directory is created, so bad input writes nothing.
   */
  readonly validate?: (params: P) => E.Either<DistilleryError, unknown>;
  /**
   * The experiment as a stream graph. Its values are the stages' typed records (ignored by the
   * runner once the graph completes); telemetry goes through `ctx.emit`. Completing ends the run;
   * unsubscribing (Ctrl-C, SIGTERM) must stop every stage.
   */
  readonly graph: (params: P, ctx: PipelineContext) => Observable<unknown>;
}

export const definePipeline = <P>(p: Omit<Pipeline<P>, '_tag'>): Pipeline<P> => ({ _tag: 'Pipeline', ...p });

export const isPipeline = (u: unknown): u is Pipeline =>
  typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Pipeline';
