/**
 * A plain-JS, float64 reference for the learning rules' tests: dense networks with their backward
 * pass written out, torch.optim.Adam, Polyak averaging and the Gaussian/softmax heads. Nothing
 * here goes through tfjs or src/nn, so a test comparing an algorithm with this reference checks
 * the algorithm's wiring (targets, which networks, which order, τ, γ, the policy delay) against an
 * independent computation. Networks are small ([2–4] → [3] → [1–3]) and batches 3 rows.
 */
import type { NamedWeight } from '../../src/nn/mlp.ts';

export type Vec = number[];
export type Mat = number[][];

/** A dense network: params = [kernel0 (row-major [in, out]), bias0, kernel1, bias1, …], ReLU hidden layers. */
export interface RefNet {
  readonly sizes: readonly number[];
  readonly output: 'tanh' | 'none';
  params: Float64Array[];
}

/** Deterministic, float32-representable "known" weights: 0.6·sin(1.7·i + phase), i over all parameters. */
export const knownNet = (sizes: readonly number[], output: 'tanh' | 'none', phase: number, scale = 0.6): RefNet => {
  let i = 0;
  const params: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (const n of [sizes[l] * sizes[l + 1], sizes[l + 1]]) {
      const p = new Float64Array(n);
      for (let j = 0; j < n; j++) p[j] = Math.fround(scale * Math.sin(1.7 * i++ + phase));
      params.push(p);
    }
  }
  return { sizes, output, params };
};

export const cloneNet = (n: RefNet): RefNet => ({ sizes: n.sizes, output: n.output, params: n.params.map((p) => p.slice()) });

/** Activations [x, h_1, …, y] for rows x. */
export const forward = (net: RefNet, x: Mat): Mat[] => {
  const acts: Mat[] = [x];
  let h = x;
  const L = net.sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const [nin, nout] = [net.sizes[l], net.sizes[l + 1]];
    const W = net.params[2 * l];
    const b = net.params[2 * l + 1];
    h = h.map((row) =>
      Array.from({ length: nout }, (_, o) => {
        let z = b[o];
        for (let i = 0; i < nin; i++) z += row[i] * W[i * nout + o];
        if (l < L - 1) return z > 0 ? z : 0;
        return net.output === 'tanh' ? Math.tanh(z) : z;
      }),
    );
    acts.push(h);
  }
  return acts;
};

export const predict = (net: RefNet, x: Mat): Mat => {
  const a = forward(net, x);
  return a[a.length - 1];
};

/** Gradients of Σ dy·y with respect to the parameters (aligned with params) and to the input. */
export const backward = (net: RefNet, acts: Mat[], dy: Mat): { grads: Float64Array[]; dx: Mat } => {
  const L = net.sizes.length - 1;
  const grads: Float64Array[] = new Array(2 * L);
  let dz = dy.map((row, r) => row.map((g, o) => (net.output === 'tanh' ? g * (1 - acts[L][r][o] ** 2) : g)));
  let dx: Mat = [];
  for (let l = L - 1; l >= 0; l--) {
    const [nin, nout] = [net.sizes[l], net.sizes[l + 1]];
    const W = net.params[2 * l];
    const gW = new Float64Array(nin * nout);
    const gb = new Float64Array(nout);
    acts[l].forEach((xr, r) => {
      for (let o = 0; o < nout; o++) {
        gb[o] += dz[r][o];
        for (let i = 0; i < nin; i++) gW[i * nout + o] += xr[i] * dz[r][o];
      }
    });
    grads[2 * l] = gW;
    grads[2 * l + 1] = gb;
    const dh = dz.map((row) => Array.from({ length: nin }, (_, i) => row.reduce((s, g, o) => s + g * W[i * nout + o], 0)));
    if (l > 0) dz = dh.map((row, r) => row.map((g, i) => (acts[l][r][i] > 0 ? g : 0)));
    else dx = dh;
  }
  return { grads, dx };
};

/** torch.optim.Adam (β 0.9/0.999, eps 1e-8), one instance per network. */
export class RefAdam {
  private t = 0;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  constructor(
    readonly net: { params: Float64Array[] },
    readonly lr: number,
  ) {
    this.m = net.params.map((p) => new Float64Array(p.length));
    this.v = net.params.map((p) => new Float64Array(p.length));
  }
  step(grads: readonly Float64Array[]): void {
    this.t += 1;
    const c1 = 1 - 0.9 ** this.t;
    const c2 = 1 - 0.999 ** this.t;
    this.net.params.forEach((p, i) => {
      for (let j = 0; j < p.length; j++) {
        const g = grads[i][j];
        this.m[i][j] = 0.9 * this.m[i][j] + 0.1 * g;
        this.v[i][j] = 0.999 * this.v[i][j] + 0.001 * g * g;
        p[j] -= ((this.lr / c1) * this.m[i][j]) / (Math.sqrt(this.v[i][j]) / Math.sqrt(c2) + 1e-8);
      }
    });
  }
}

/** target ← τ·online + (1 − τ)·target. */
export const polyak = (target: RefNet, online: RefNet, tau: number): void =>
  target.params.forEach((p, i) => {
    for (let j = 0; j < p.length; j++) p[j] = tau * online.params[i][j] + (1 - tau) * p[j];
  });

// ---------------------------------------------------------------------------------------------
// Conversions to the library's checkpoint format (the way tests set known weights).

const layerName = (i: number): string => `layer${i >> 1}/${i % 2 === 0 ? 'kernel' : 'bias'}`;

export const mlpWeights = (net: RefNet, prefix?: string): NamedWeight[] =>
  net.params.map((p, i) => {
    const l = i >> 1;
    const shape = i % 2 === 0 ? [net.sizes[l], net.sizes[l + 1]] : [net.sizes[l + 1]];
    return { name: prefix ? `${prefix}/${layerName(i)}` : layerName(i), shape, data: Float32Array.from(p) };
  });

/** K member networks as one stacked ensemble (kernels [K, in, out], biases [K, 1, out]). */
export const ensembleWeights = (members: readonly RefNet[], prefix?: string): NamedWeight[] =>
  members[0].params.map((_, i) => {
    const l = i >> 1;
    const { sizes } = members[0];
    const shape = i % 2 === 0 ? [members.length, sizes[l], sizes[l + 1]] : [members.length, 1, sizes[l + 1]];
    const data = new Float32Array(members.length * members[0].params[i].length);
    members.forEach((m, k) => data.set(m.params[i], k * m.params[i].length));
    return { name: prefix ? `${prefix}/${layerName(i)}` : layerName(i), shape, data };
  });

/** Largest |a − b| over two weight lists with the same names (the library's vs the reference's). */
export const maxWeightDiff = (got: readonly NamedWeight[], want: readonly NamedWeight[]): { diff: number; where: string } => {
  let diff = 0;
  let where = '';
  const byName = new Map(got.map((w) => [w.name, w]));
  for (const w of want) {
    const g = byName.get(w.name);
    if (!g) return { diff: Infinity, where: `missing ${w.name}` };
    if (g.data.length !== w.data.length) return { diff: Infinity, where: `size of ${w.name}` };
    for (let j = 0; j < w.data.length; j++) {
      const d = Math.abs(g.data[j] - w.data[j]);
      if (!(d <= diff)) {
        diff = d;
        where = `${w.name}[${j}]: ${g.data[j]} vs ${w.data[j]}`;
      }
    }
  }
  return { diff, where };
};

// ---------------------------------------------------------------------------------------------
// Small helpers.

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Sample standard deviation (K − 1), as torch.std. */
export const sampleStd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};
export const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const logSoftmax = (row: readonly number[]): number[] => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
};
/** Index of the first minimum. */
export const argMin = (xs: readonly number[]): number => xs.reduce((best, x, i) => (x < xs[best] ? i : best), 0);
export const concatRows = (a: Mat, b: Mat): Mat => a.map((r, i) => [...r, ...b[i]]);
