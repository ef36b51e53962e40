/**
 * Streaming per-task summary of a dataset, as `distillery replay --json` prints it:
 * `{"transitions", "episodes", "tasks": {"<task>": {"transitions", "episodes",
 * "return": {"mean", "std", "min", "max"}}}}`. Only complete episodes (ended by a row with
 * `terminated` or `truncated`) count as episodes and have a return (undiscounted sum of the
 * env `reward` column). `std` is the population standard deviation (divides by n), computed
 * with Welford's update; every return statistic is null for a task with no complete episode.
 *
 * Non-finite values (NaN, ±Infinity) are reported, never folded silently into the statistics:
 * `nonFinite` (present only when there are some) counts them per float column, and an episode
 * whose return is not finite is counted in its task's `nonFiniteReturns` and left out of the
 * return statistics (so "mean": null still means "no complete episode with a finite return").
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { TransitionBatch } from '../core/batch.ts';
import { errorOf, type DistilleryError } from '../core/errors.ts';
import { openDatasetReader, setOwn } from './reader.ts';
import { countNonFiniteValues, floatColumns } from './finite.ts';

export interface ReturnSummary {
  readonly mean: number | null;
  /** Population standard deviation (divides by the number of episodes). */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface TaskSummary {
  readonly transitions: number;
  readonly episodes: number;
  readonly return: ReturnSummary;
  /** Complete episodes whose return is NaN or ±Infinity (not in `return`); present only when > 0. */
  readonly nonFiniteReturns?: number;
}

export interface DatasetSummary {
  readonly transitions: number;
  readonly episodes: number;
  readonly tasks: Readonly<Record<string, TaskSummary>>;
  /** Non-finite values per float column (`reward`, `observation`…); present only when there are some. */
  readonly nonFinite?: Readonly<Record<string, number>>;
}

class TaskStats {
  transitions = 0;
  episodes = 0;
  nonFiniteReturns = 0;
  private finiteEpisodes = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;

  addReturn(g: number): void {
    this.episodes++;
    if (!Number.isFinite(g)) {
      this.nonFiniteReturns++;
      return;
    }
    this.finiteEpisodes++;
    const d = g - this.mean;
    this.mean += d / this.finiteEpisodes;
    this.m2 += d * (g - this.mean);
    if (g < this.min) this.min = g;
    if (g > this.max) this.max = g;
  }

  result(): TaskSummary {
    const none = this.finiteEpisodes === 0;
    return {
      transitions: this.transitions,
      episodes: this.episodes,
      return: {
        mean: none ? null : this.mean,
        std: none ? null : Math.sqrt(Math.max(0, this.m2 / this.finiteEpisodes)),
        min: none ? null : this.min,
        max: none ? null : this.max,
      },
      ...(this.nonFiniteReturns > 0 ? { nonFiniteReturns: this.nonFiniteReturns } : {}),
    };
  }
}

export class DatasetSummaryAccumulator {
  private readonly tasks = new Map<string, TaskStats>();
  /** Running return of episodes not ended yet, by task then episode id. */
  private readonly running = new Map<string, Map<number, number>>();
  private readonly nonFinite = new Map<string, number>();

  add(batch: TransitionBatch): void {
    for (const [name, values] of floatColumns(batch)) {
      const n = countNonFiniteValues(values);
      if (n > 0) this.nonFinite.set(name, (this.nonFinite.get(name) ?? 0) + n);
    }
    let stats = this.tasks.get(batch.task);
    if (!stats) this.tasks.set(batch.task, (stats = new TaskStats()));
    let running = this.running.get(batch.task);
    if (!running) this.running.set(batch.task, (running = new Map()));
    stats.transitions += batch.size;
    const { episode, reward, terminated, truncated } = batch;
    let r = 0;
    while (r < batch.size) {
      // Sum a run of rows of one episode before touching the map.
      const ep = episode[r];
      let sum = 0;
      let end = r;
      let ended = false;
      while (end < batch.size && episode[end] === ep) {
        sum += reward[end];
        if (terminated[end] !== 0 || truncated[end] !== 0) {
          ended = true;
          end++;
          break;
        }
        end++;
      }
      const total = (running.get(ep) ?? 0) + sum;
      if (ended) {
        running.delete(ep);
        stats.addReturn(total);
      } else running.set(ep, total);
      r = end;
    }
  }

  /** Episodes with rows seen and no end (yet): not counted in `episodes`. */
  get incompleteEpisodes(): number {
    let n = 0;
    for (const m of this.running.values()) n += m.size;
    return n;
  }

  result(): DatasetSummary {
    // Task and column names come from the file: own properties even for `__proto__`.
    const tasks: Record<string, TaskSummary> = {};
    let transitions = 0;
    let episodes = 0;
    for (const [task, s] of this.tasks) {
      setOwn(tasks, task, s.result());
      transitions += s.transitions;
      episodes += s.episodes;
    }
    if (this.nonFinite.size === 0) return { transitions, episodes, tasks };
    const nonFinite: Record<string, number> = {};
    for (const [column, n] of this.nonFinite) setOwn(nonFinite, column, n);
    return { transitions, episodes, tasks, nonFinite };
  }
}

export const summarizeBatches = async (batches: AsyncIterable<TransitionBatch> | Iterable<TransitionBatch>): Promise<DatasetSummary> => {
  const acc = new DatasetSummaryAccumulator();
  for await (const b of batches) acc.add(b);
  return acc.result();
};

/** Reads a dataset file once and summarizes it. */
export const summarizeDatasetFile =
  (path: string): TE.TaskEither<DistilleryError, DatasetSummary> =>
  async () => {
    const opened = await openDatasetReader(path)();
    if (E.isLeft(opened)) return opened;
    try {
      // The accumulator keeps nothing of a batch once added: recycled read buffers are safe here.
      return E.right(await summarizeBatches(opened.right.batches({ buffers: 'reuse' })));
    } catch (e) {
      return E.left(errorOf(e));
    } finally {
      await opened.right.close();
    }
  };
