/**
 * A job is a plain async function (no RxJS) that may run in a worker thread: it reports progress
 * and metrics through `report` and resolves to a structured-cloneable output. A job module
 * exports one job as its default export; callers hold a typed reference to it (`jobRef`), so a
 * renamed or re-typed job is a type error, not a failure inside a worker at run time.
 */
export type JobEvent =
  | { readonly kind: 'progress'; readonly done: number; readonly total: number }
  /** `name` is `<stage>/<quantity>`; what it is about (the task…) goes in `tags`, not in the name. */
  | { readonly kind: 'metric'; readonly name: string; readonly step: number; readonly value: number; readonly tags?: Readonly<Record<string, string>> }
  | { readonly kind: 'log'; readonly message: string };

export interface JobContext {
  report(event: JobEvent): void;
}

export type Job<I, O> = (input: I, ctx: JobContext) => Promise<O>;

/** Where a job lives (its module, loaded lazily in whichever thread runs it) and its types. */
export interface JobRef<I, O> {
  readonly _tag: 'JobRef';
  /** URL of a module whose default export is the job. */
  readonly module: string;
  /** Phantom: the job's input and output types. */
  readonly _types?: (i: I) => O;
}

type DefaultJob<M> = M extends { readonly default: Job<infer I, infer O> } ? JobRef<I, O> : never;

/**
 * A typed reference to the job that `module` exports by default, without loading it:
 *
 *   export const trainTeacher = jobRef<typeof import('./train-teacher.ts')>(moduleUrl('./train-teacher', import.meta.url));
 */
export const jobRef = <M extends { readonly default: Job<never, unknown> }>(module: string): DefaultJob<M> =>
  ({ _tag: 'JobRef', module }) as DefaultJob<M>;

/**
 * The URL of a sibling module given without extension, resolved with the extension of the
 * calling module (`.ts` when running from sources, `.js` from the compiled package).
 */
export const moduleUrl = (relative: string, base: string): string => {
  const ext = /\.[cm]?ts$/.test(new URL(base).pathname) ? '.ts' : '.js';
  return new URL(relative + ext, base).href;
};
