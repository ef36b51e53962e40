/**
 * A benchmark prints figures; it never asserts on time. `distillery bench [name…] [--json]`
 * (and `npm run bench`) runs the registered ones (bench/index.ts).
 */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly backend?: string;
  /** The same measurement from a reference implementation (PyTorch, POT, native MuJoCo…). */
  readonly reference?: { readonly name: string; readonly value: number };
  /** value / reference.value, oriented so that > 1 means we are faster. */
  readonly ratio?: number;
  /** Anything else worth printing (MB/s next to transitions/s, peak memory…). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface Benchmark {
  /** Group name, e.g. `arrow`, `distill`, `sinkhorn`. Results carry their own names. */
  readonly name: string;
  readonly description: string;
  /** `quick` asks for a reduced size (used by the bench smoke test); results must say so in `extra`. */
  run(options: { readonly quick: boolean; readonly log: (line: string) => void }): Promise<BenchResult[]>;
}

/**
 * The environment for a truly single-threaded PyTorch reference: Debian's torch runs GEMMs in
 * OpenBLAS, whose thread pool ignores torch.set_num_threads(1) (docs/facts.md).
 */
export const ONE_THREAD_ENV: Readonly<Record<string, string>> = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** Finds a python3 that can import `module` (Debian's packages live under /usr/bin/python3). */
export const findPython = async (module: string): Promise<string | undefined> => {
  const { spawnSync } = await import('node:child_process');
  for (const exe of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(exe, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return exe;
  }
  return undefined;
};
