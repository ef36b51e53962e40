import { defer, from, mergeMap, type Observable } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { DistilleryFailure, type DistilleryError } from '../core/errors.ts';
import { prepareEnv, resolveEnvTasks, type ResolvedEnvTasks } from '../envs/index.ts';

/** An env family with the tasks a run uses (in the order students index them) and its decoded config. */
export interface TaskEnv extends ResolvedEnvTasks {
  readonly id: string;
}

/** Resolves an env id, its tasks (empty = all) and config, or fails with one line: the check pipelines run in `validate`. */
export const resolveTaskEnv = (id: string, tasks: readonly string[], config: Readonly<Record<string, unknown>>): E.Either<DistilleryError, TaskEnv> =>
  E.map((r: ResolvedEnvTasks): TaskEnv => ({ ...r, id }))(resolveEnvTasks(id, tasks, config));

/**
 * The graph of an experiment on one env: resolves the env and its tasks, prepares the simulator
 * (the walker's WebAssembly), then subscribes to `graph(env)`. Any failure is one error.
 */
export const withEnv = <T>(
  p: { readonly env: string; readonly tasks: readonly string[]; readonly envConfig: Readonly<Record<string, unknown>> },
  graph: (env: TaskEnv) => Observable<T>,
): Observable<T> =>
  defer(() => {
    const resolved = resolveTaskEnv(p.env, p.tasks, p.envConfig);
    if (E.isLeft(resolved)) throw new DistilleryFailure(resolved.left);
    return from(prepareEnv(resolved.right.family)).pipe(
      mergeMap((prepared) => {
        if (E.isLeft(prepared)) throw new DistilleryFailure(prepared.left);
        return graph(resolved.right);
      }),
    );
  });

/** Sorts records by the env's task order (stages finish in any order; students index tasks by it). */
export const byTaskOrder =
  (env: Pick<TaskEnv, 'tasks'>) =>
  <T extends { readonly task: string }>(records: readonly T[]): T[] =>
    [...records].sort((a, b) => env.tasks.indexOf(a.task) - env.tasks.indexOf(b.task));
