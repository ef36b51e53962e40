/**
 * Teardown that cannot finish synchronously (aborting a dataset writer removes its `.tmp` file,
 * terminating a worker thread takes a moment). RxJS teardown is synchronous, so operators
 * register the promise here and the runner awaits `cleanupsSettled()` before it reports an
 * interrupted or failed run: when it says "interrupted", nothing is still running or writing.
 */
const pending = new Set<Promise<unknown>>();

export const trackCleanup = (p: Promise<unknown>): void => {
  const settled: Promise<unknown> = p.then(
    (): boolean => pending.delete(settled),
    (): boolean => pending.delete(settled),
  );
  pending.add(settled);
};

/** Resolves once every registered cleanup (including ones registered meanwhile) has settled. */
export const cleanupsSettled = async (): Promise<void> => {
  while (pending.size > 0) await Promise.all([...pending]);
};
