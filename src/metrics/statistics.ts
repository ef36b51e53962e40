/**
 * Evaluation statistics on plain number arrays: mean, sample standard deviation and Student-t
 * confidence intervals, over episodes and over seeds (mean of per-seed means).
 */

export const mean = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
};

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than 2 values. */
export const sampleStd = (xs: readonly number[]): number => {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (n - 1));
};

// Lanczos approximation (g = 7, 9 coefficients), relative error ~1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export const logGamma = (x: number): number => {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
};

/** Continued fraction of the incomplete beta function (modified Lentz). */
const betaContinuedFraction = (x: number, a: number, b: number): number => {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
};

/** Regularized incomplete beta I_x(a, b). */
export const regularizedIncompleteBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
};

/** CDF of Student's t with ν degrees of freedom. */
export const studentTCdf = (t: number, dof: number): number => {
  if (!(dof > 0)) throw new Error(`Student t: degrees of freedom must be positive, got ${dof}`);
  const tail = 0.5 * regularizedIncompleteBeta(dof / (dof + t * t), dof / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
};

/** The p-quantile of Student's t with ν degrees of freedom (bisection on the CDF, to double precision). */
export const studentTQuantile = (p: number, dof: number): number => {
  if (!(p > 0 && p < 1)) throw new Error(`Student t quantile: p must be in (0, 1), got ${p}`);
  if (!(dof > 0)) throw new Error(`Student t: degrees of freedom must be positive, got ${dof}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, dof);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, dof) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, dof) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
};

export interface Summary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (NaN when n < 2). */
  readonly std: number;
  /** Half-width of the confidence interval, t_{(1+level)/2, n−1}·std/√n (NaN when n < 2). */
  readonly halfWidth: number;
  readonly low: number;
  readonly high: number;
  readonly level: number;
}

/** Mean, sample std and the Student-t confidence interval of the mean. */
export const summarize = (xs: readonly number[], level = 0.95): Summary => {
  if (!(level > 0 && level < 1)) throw new Error(`confidence level must be in (0, 1), got ${level}`);
  const n = xs.length;
  const m = mean(xs);
  const std = sampleStd(xs);
  const halfWidth = n < 2 ? NaN : (studentTQuantile((1 + level) / 2, n - 1) * std) / Math.sqrt(n);
  return { n, mean: m, std, halfWidth, low: m - halfWidth, high: m + halfWidth, level };
};

/** Statistics over the episodes of one evaluation (e.g. 10 returns). */
export const summarizeEpisodes = (returns: readonly number[], level = 0.95): Summary => summarize(returns, level);

/**
 * Statistics over seeds: each seed's episodes are first averaged, then the per-seed means are
 * summarised (the seeds are the independent samples).
 */
export const summarizeSeeds = (returnsPerSeed: readonly (readonly number[])[], level = 0.95): Summary & { readonly seedMeans: number[] } => {
  const seedMeans = returnsPerSeed.map((r) => mean(r));
  return { ...summarize(seedMeans, level), seedMeans };
};

/**
 * The paired difference a_i − b_i over matched samples (e.g. two methods run with the same seeds):
 * its mean with a Student-t confidence interval, and the number of pairs where a wins. Pairing
 * removes the between-seed variance both methods share.
 */
export const pairedDifference = (a: readonly number[], b: readonly number[], level = 0.95): Summary & { readonly wins: number } => {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}`);
  const d = a.map((x, i) => x - b[i]);
  return { ...summarize(d, level), wins: d.filter((x) => x > 0).length };
};
