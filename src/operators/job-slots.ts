import { Observable } from 'rxjs';

/**
 * A counting semaphore for jobs: at most `size` of the observables passed to `run` are subscribed
 * at once; the others wait in arrival order. Several stages (e.g. the same stage of different
 * seeds) share one, so they never start more worker threads than the machine has cores for.
 * Unsubscribing a waiting job removes it from the queue; unsubscribing a running one frees its slot.
 */
export class JobSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`JobSlots: size must be a positive integer, got ${size}`);
  }

  /** Subscribes to `work()` once a slot is free; the slot is held until it completes, fails or is unsubscribed. */
  run<T>(work: () => Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let release: (() => void) | undefined;
      let inner: { unsubscribe(): void } | undefined;
      const start = (): void => {
        this.running++;
        let released = false;
        release = () => {
          if (released) return;
          released = true;
          this.running--;
          this.next();
        };
        inner = work().subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => {
            release?.();
            subscriber.error(e);
          },
          complete: () => {
            release?.();
            subscriber.complete();
          },
        });
      };
      if (this.running < this.size) start();
      else this.waiting.push(start);
      return () => {
        const at = this.waiting.indexOf(start);
        if (at >= 0) this.waiting.splice(at, 1);
        inner?.unsubscribe();
        release?.();
      };
    });
  }

  /** Jobs holding a slot now (for tests). */
  get active(): number {
    return this.running;
  }

  private next(): void {
    if (this.running < this.size) this.waiting.shift()?.();
  }
}
