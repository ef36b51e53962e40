/**
 * Sinkhorn on a 1000×1000 problem (200×200 in quick mode): Euclidean cost between random
 * 30-dimensional state-action vectors, divided by its max, ε = 0.05, uniform weights; standard
 * and log domain. Where a python with POT is found, POT solves the SAME cost matrix in the same
 * run (bench/reference/sinkhorn_pot.py) and its time is the reference; ratio = POT ms / our ms
 * (> 1: we are faster). The machine is shared, so ours and POT alternate: ROUNDS rounds, each a
 * block of our solves then a POT process solving as many times (after its own warm-up). Times are
 * medians over every solve of every round. POT's time is that of `ot.sinkhorn` alone (the plan);
 * ours also includes ⟨P, M⟩.
 *
 * Alone: node --import tsx bench/sinkhorn.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { costMatrix } from '../src/ot/costs.ts';
import { sinkhorn, type SinkhornMethod } from '../src/ot/sinkhorn.ts';
import { EXP_MAX_ARG, EXP_MIN_ARG, sinkhornWorkspace } from '../src/ot/kernels.ts';
import { findPython, type Benchmark, type BenchResult } from './types.ts';

const DIM = 30;
const EPSILON = 0.05;
/** Alternated rounds of (our solves, POT's solves). */
const ROUNDS = 3;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

interface PotRun {
  readonly pot: string;
  readonly ms: number[];
  readonly msWithCost: number[];
  /** K = exp(−M/reg) alone, as ot.sinkhorn computes it. */
  readonly expMs: number[];
  readonly niter: number;
  readonly cost: number;
}

const runPot = (python: string, costFile: string, n: number, method: 'sinkhorn' | 'sinkhorn_log', repeat: number): PotRun | string => {
  const script = fileURLToPath(new URL('./reference/sinkhorn_pot.py', import.meta.url));
  const args = [script, '--cost', costFile, '--rows', `${n}`, '--cols', `${n}`, '--reg', `${EPSILON}`, '--method', method, '--repeat', `${repeat}`];
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `POT failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  try {
    return JSON.parse(r.stdout) as PotRun;
  } catch {
    return `POT printed no result: ${r.stdout.slice(0, 200)}`;
  }
};

/**
 * The standard solve's first step alone, as it runs it: K = exp(−M/ε) and the first Kᵀu in one
 * pass of the WebAssembly kernel (the one without range checks when the cost's range allows it,
 * as here), over the problem already laid out. POT's counterpart (potKernelExpMs) is np.divide
 * + np.exp, without the Kᵀu.
 */
const timeKernelExp = (cost: Float64Array, n: number, repeat: number): number[] => {
  const ws = sinkhornWorkspace(n, n)!;
  ws.M.fill(0);
  for (let i = 0; i < n; i++) ws.M.set(cost.subarray(i * n, (i + 1) * n), i * ws.stride);
  ws.alpha.fill(0);
  ws.beta.fill(0, 0, n);
  ws.beta.fill(-Infinity, n);
  ws.u.fill(1 / n);
  const scale = -1 / EPSILON;
  const [lo, hi] = ws.kernels.range(ws.at.M, n * ws.stride);
  const plain = hi * scale >= EXP_MIN_ARG && lo * scale <= EXP_MAX_ARG;
  const out: number[] = [];
  for (let r = 0; r < repeat; r++) {
    ws.kt.fill(0);
    const t0 = performance.now();
    if (plain) ws.kernels.expKtuPlainKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, scale, ws.at.u, ws.at.kt);
    else ws.kernels.expKtuKernel(ws.at.M, ws.at.K, ws.at.alpha, ws.at.beta, n, ws.stride, scale, ws.at.u, ws.at.kt);
    out.push(performance.now() - t0);
  }
  return out;
};

export const benchmark: Benchmark = {
  name: 'sinkhorn',
  description: 'Sinkhorn 1000×1000 (ε 0.05, normalized Euclidean cost), standard and log domain, against POT on the same matrix',
  async run({ quick, log }) {
    const n = quick ? 200 : 1000;
    const rng = Rng.fromSeed(0).split('bench/sinkhorn');
    const x = rng.fillNormal(new Float64Array(n * DIM));
    const y = rng.fillNormal(new Float64Array(n * DIM));
    const cost = costMatrix(x, y, DIM, { metric: 'euclidean', normalize: 'max' });

    const python = await findPython('ot');
    let dir: string | undefined;
    let costFile: string | undefined;
    if (python) {
      dir = mkdtempSync(join(tmpdir(), 'distillery-sinkhorn-'));
      costFile = join(dir, 'cost.f64');
      writeFileSync(costFile, cost);
    } else log('sinkhorn: no python3 with POT (`import ot`) found; reporting our times only');

    const results: BenchResult[] = [];
    try {
      for (const [method, potMethod, repeat] of [
        ['standard', 'sinkhorn', quick ? 5 : 9],
        ['log', 'sinkhorn_log', quick ? 3 : 5],
      ] as const) {
        const solve = (): ReturnType<typeof sinkhorn> => sinkhorn({ cost, rows: n, cols: n, epsilon: EPSILON, method: method as SinkhornMethod });
        solve();
        const times: number[] = [];
        const roundMs: number[] = [];
        const potRoundMs: number[] = [];
        let last = solve();
        let potRun: PotRun | undefined;
        const potMsAll: number[] = [];
        const potWithCost: number[] = [];
        const potExp: number[] = [];
        const expMs: number[] = [];
        const planReused: number[] = [];
        const reusedPlan = new Float64Array(n * n);
        for (let round = 0; round < ROUNDS; round++) {
          const mine: number[] = [];
          for (let r = 0; r < repeat; r++) {
            const t0 = performance.now();
            last = solve();
            mine.push(performance.now() - t0);
          }
          times.push(...mine);
          roundMs.push(median(mine));
          if (method === 'standard') {
            // The same solves writing into one reused plan buffer (planInto): no first touch of fresh memory.
            for (let r = 0; r < repeat; r++) {
              const t0 = performance.now();
              sinkhorn({ cost, rows: n, cols: n, epsilon: EPSILON, method, planInto: reusedPlan });
              planReused.push(performance.now() - t0);
            }
          }
          if (method === 'standard') expMs.push(...timeKernelExp(cost, n, repeat));
          if (!python || !costFile) continue;
          const pot = runPot(python, costFile, n, potMethod, repeat);
          if (typeof pot === 'string') {
            log(`sinkhorn-${method}: ${pot}`);
            break;
          }
          potRun = pot;
          potMsAll.push(...pot.ms);
          potWithCost.push(...pot.msWithCost);
          potExp.push(...pot.expMs);
          potRoundMs.push(median(pot.ms));
        }
        const ours = median(times);
        const potMs = potRun ? median(potMsAll) : undefined;
        const result: BenchResult = {
          name: `sinkhorn-${method}`,
          value: ours,
          unit: 'ms',
          ...(potRun && potMs !== undefined
            ? { reference: { name: `POT ${potRun.pot} ot.sinkhorn(method='${potMethod}')`, value: potMs }, ratio: potMs / ours }
            : {}),
          extra: {
            size: `${n}x${n}`,
            quick: quick ? 'yes' : 'no',
            iterations: last.iterations,
            converged: last.converged ? 'yes' : 'no',
            transportCost: last.cost,
            rounds: ROUNDS,
            solvesPerRound: repeat,
            msPerRound: roundMs.map((x) => Number(x.toFixed(2))).join(' '),
            // Fastest solves: on a loaded machine a preempted solve loses whole scheduler slices
            // (~4 ms each here), which medians of multi-millisecond solves absorb.
            bestMs: Math.min(...times),
            ...(potMsAll.length > 0 ? { potBestMs: Math.min(...potMsAll), ratioOfBest: Math.min(...potMsAll) / Math.min(...times) } : {}),
            ...(expMs.length > 0 ? { kernelExpMs: median(expMs), kernelExpBestMs: Math.min(...expMs) } : {}),
            ...(planReused.length > 0
              ? { planReusedMs: median(planReused), planReusedBestMs: Math.min(...planReused), ...(potMs !== undefined ? { ratioPlanReused: potMs / median(planReused) } : {}) }
              : {}),
            ...(potExp.length > 0 && method === 'standard' ? { potKernelExpMs: median(potExp), potKernelExpBestMs: Math.min(...potExp) } : {}),
            ...(potRun
              ? {
                  potIterations: potRun.niter + 1,
                  potTransportCost: potRun.cost,
                  potMsWithCost: median(potWithCost),
                  potMsPerRound: potRoundMs.map((x) => Number(x.toFixed(2))).join(' '),
                }
              : {}),
          },
        };
        log(
          `${result.name}: ${ours.toFixed(2)} ms, ${last.iterations} iterations` +
            (potMs !== undefined ? `; POT ${potMs.toFixed(2)} ms (${potRun!.niter + 1} iterations); ratio ${(potMs / ours).toFixed(2)}` : ''),
        );
        results.push(result);
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
    return results;
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await benchmark.run({ quick: process.argv.includes('--quick'), log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 2));
}
