import { Observable, type OperatorFunction } from 'rxjs';
import type { TransitionBatch } from '../core/batch.ts';
import { trackCleanup } from '../core/cleanup.ts';
import { DistilleryFailure, errorOf } from '../core/errors.ts';
import { openDatasetWriter, type DatasetMetadata, type DatasetWriter } from '../data/index.ts';

export interface PersistResult {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

/**
 * Writes every batch to an Arrow file as it passes, and passes it on once written. The file
 * appears under its final name only when the source completes; an error or an unsubscription
 * aborts the write and leaves no file behind. `onClose` reports the finished file.
 */
export const persist =
  (
    path: string,
    metadata: DatasetMetadata,
    onClose?: (r: PersistResult) => void,
  ): OperatorFunction<TransitionBatch, TransitionBatch> =>
  (source) =>
    new Observable<TransitionBatch>((subscriber) => {
      let writer: DatasetWriter | undefined;
      let opening: Promise<DatasetWriter> | undefined;
      let chain: Promise<unknown> = Promise.resolve();
      let finished = false;

      const open = (first: TransitionBatch): Promise<DatasetWriter> => {
        opening ??= openDatasetWriter(path, {
          metadata,
          shape: {
            obsDim: first.obsDim,
            actDim: first.actDim,
            discreteActions: first.discreteActions,
            ...(first.physics ? { physicsDim: first.physics.dim } : {}),
            rewardTasks: first.rewards ? Object.keys(first.rewards) : [],
          },
        })().then((e) => {
          if (e._tag === 'Left') throw new DistilleryFailure(e.left);
          writer = e.right;
          return e.right;
        });
        return opening;
      };
      const failed = (err: unknown): void => {
        finished = true;
        if (writer) trackCleanup(writer.abort());
        subscriber.error(err instanceof DistilleryFailure ? err : new DistilleryFailure(errorOf(err)));
      };

      const sub = source.subscribe({
        next: (batch) => {
          chain = chain
            .then(() => open(batch))
            .then((w) => w.write(batch))
            .then(() => {
              if (!finished) subscriber.next(batch);
            })
            .catch((err: unknown) => {
              if (!finished) failed(err);
            });
        },
        error: (err: unknown) => {
          chain = chain.then(() => {
            if (!finished) failed(err);
          });
        },
        complete: () => {
          chain = chain
            .then(async () => {
              if (finished) return;
              if (!writer) {
                // An empty stream still makes a valid (empty) dataset only if we know its shape; we do not.
                finished = true;
                subscriber.error(new DistilleryFailure(errorOf(`persist ${path}: the stream held no transitions`)));
                return;
              }
              const r = await writer.close();
              finished = true;
              onClose?.(r);
              subscriber.complete();
            })
            .catch((err: unknown) => {
              if (!finished) failed(err);
            });
        },
      });
      return () => {
        sub.unsubscribe();
        if (!finished) {
          finished = true;
          // The runner awaits this before it reports the run: no .tmp outlives an interrupted run.
          trackCleanup(chain.then(() => writer?.abort()));
        }
      };
    });
