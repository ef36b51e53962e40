import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, tfjsBackendOf } from '../src/nn/backend.ts';
import { findPython, ONE_THREAD_ENV } from './types.ts';

/**
 * What the update benchmarks (td3, td3bc, pbrl, sac-discrete, distill) share: finding the backend
 * and python, timing a synchronous step, running a PyTorch reference script single-threaded, and
 * alternating the engines round by round (the machine is shared: load changes
 * from minute to minute), each reporting its best round.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

/** What an engine-vs-PyTorch benchmark starts from: the ORT backend, tfjs's name for its fallback, and a python3 with torch (none: logged, the rows go without a reference). */
export const benchContext = async (name: string, log: (line: string) => void): Promise<{ readonly backend: string; readonly tfjsName: string; readonly python: string | undefined }> => {
  const backend = await selectBackend('auto')();
  if (backend._tag === 'Left') throw new Error(backend.left.message);
  const python = await findPython('torch');
  if (!python) log(`${name}: no python3 with torch found; reporting without reference`);
  return { backend: backend.right, tfjsName: tfjsBackendOf(backend.right), python };
};

/** Calls per second of `call` (which must finish its work synchronously) over `calls` timed calls after `warmup` untimed ones. */
export const callsPerSecond = (call: (i: number) => void, warmup: number, calls: number): number => {
  for (let i = 0; i < warmup; i++) call(i);
  const start = performance.now();
  for (let i = 0; i < calls; i++) call(i);
  return calls / ((performance.now() - start) / 1000);
};

/** steps/s printed (as `{"steps_per_s": …}` on the last line) by `bench/reference/<script>` run on one thread; undefined when it fails. */
export const runTorchReference = (python: string, script: string, args: readonly (string | number)[], timeoutMs = 600_000): number | undefined => {
  const r = spawnSync(python, [path.join(here, 'reference', script), ...args.map(String)], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...ONE_THREAD_ENV } });
  if (r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { steps_per_s: number }).steps_per_s;
  } catch {
    return undefined;
  }
};

export interface AlternatedRounds {
  readonly runs: { readonly ort: number[]; readonly tfjs: number[]; readonly torch: number[] };
  readonly ort: number;
  readonly tfjs: number;
  readonly torch: number | undefined;
}

/** `rounds` rounds of ORT, then tfjs, then the reference (absent or failed: skipped); the best of each. */
export const alternateRounds = (rounds: number, measure: { readonly ort: () => number; readonly tfjs: () => number; readonly torch?: () => number | undefined }): AlternatedRounds => {
  const runs = { ort: [] as number[], tfjs: [] as number[], torch: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    runs.ort.push(measure.ort());
    runs.tfjs.push(measure.tfjs());
    const torch = measure.torch?.();
    if (torch !== undefined) runs.torch.push(torch);
  }
  return { runs, ort: Math.max(...runs.ort), tfjs: Math.max(...runs.tfjs), torch: runs.torch.length ? Math.max(...runs.torch) : undefined };
};

/** The rounds' part of a result's `extra`: tfjs's best and every round of each engine. */
export const roundsExtra = (r: AlternatedRounds, tfjsName: string): Record<string, number | string> => ({
  [`${tfjsName}StepsPerS`]: r.tfjs,
  ortRounds: r.runs.ort.map((v) => v.toFixed(1)).join(' '),
  torchRounds: r.runs.torch.map((v) => v.toFixed(1)).join(' '),
  [`${tfjsName}Rounds`]: r.runs.tfjs.map((v) => v.toFixed(1)).join(' '),
});

/** The reference and ratio fields of a result (ratio > 1: ours is faster). */
export const versusTorch = (ours: number, torch: number | undefined) =>
  torch !== undefined ? { reference: { name: 'pytorch-1thread', value: torch }, ratio: ours / torch } : {};

/** The log line of an ORT/tfjs/PyTorch comparison. */
export const roundsLine = (name: string, r: AlternatedRounds, tfjsName: string, rounds: number): string =>
  `${name}: ort ${r.ort.toFixed(1)} steps/s, ${tfjsName} ${r.tfjs.toFixed(1)}` +
  (r.torch !== undefined ? `, torch ${r.torch.toFixed(1)}, ratio ${(r.ort / r.torch).toFixed(2)}` : '') +
  ` (best of ${rounds} alternated rounds)`;
