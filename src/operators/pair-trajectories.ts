import { Observable, type OperatorFunction } from 'rxjs';
import type { Trajectory } from '../core/batch.ts';
import type { Rng } from '../core/rng.ts';

export interface PairOptions {
  readonly rng: Rng;
  /** Recent trajectories kept per task as partner candidates (default 64). */
  readonly bufferSize?: number;
  /** Told how many trajectories never found a partner (e.g. a stream with only one task). */
  readonly onUnpaired?: (count: number) => void;
}

/**
 * The pairing rule, shared with the update-time proxy of the OT-maze job: a task uniformly among
 * the tasks other than `task` that have trajectories, then one of its trajectories uniformly.
 * Undefined when no other task has one.
 */
export const choosePartner = <T>(rng: Rng, pools: ReadonlyMap<string, readonly T[]>, task: string): T | undefined => {
  const others = [...pools.keys()].filter((k) => k !== task && pools.get(k)!.length > 0);
  if (others.length === 0) return undefined;
  return rng.choice(pools.get(rng.choice(others))!);
};

/**
 * Pairs each trajectory with a random recent trajectory of another task: a task uniformly among
 * the other tasks seen so far, then a trajectory uniformly among that task's buffer. Trajectories
 * that arrive before any other task has been seen wait until one has.
 */
export const pairTrajectories =
  (options: PairOptions): OperatorFunction<Trajectory, readonly [Trajectory, Trajectory]> =>
  (source) =>
    new Observable<readonly [Trajectory, Trajectory]>((subscriber) => {
      const bufferSize = options.bufferSize ?? 64;
      const buffers = new Map<string, Trajectory[]>();
      let pending: Trajectory[] = [];
      const partnerFor = (t: Trajectory): Trajectory | undefined => choosePartner(options.rng, buffers, t.task);
      return source.subscribe({
        next: (t) => {
          const partner = partnerFor(t);
          if (partner) subscriber.next([t, partner]);
          else pending.push(t);
          const buf = buffers.get(t.task) ?? [];
          buf.push(t);
          if (buf.length > bufferSize) buf.shift();
          buffers.set(t.task, buf);
          if (pending.length > 0 && pending.some((p) => p.task !== t.task)) {
            const still: Trajectory[] = [];
            for (const p of pending) {
              const q = p.task !== t.task ? partnerFor(p) : undefined;
              if (q) subscriber.next([p, q]);
              else still.push(p);
            }
            pending = still;
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (pending.length > 0) options.onUnpaired?.(pending.length);
          subscriber.complete();
        },
      });
    });
