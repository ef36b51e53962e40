/**
 * The solution at t = duration of y' = f(y) (autonomous), by the Dormand–Prince 5(4) embedded
 * Runge–Kutta pair with adaptive steps (the method of scipy's `solve_ivp(method='RK45')`).
 *
 * MushroomRL integrates Car-on-Hill and the Lagoudakis & Parr pendulum with scipy's `odeint`
 * (LSODA, rtol = atol ≈ 1.5e-8). Neither integrator's steps can be replayed, so both are taken as
 * approximations of the exact flow: at the default tolerances here (1e-12) one 0.1 s step of either
 * env is within 3e-10 of odeint at rtol = atol = 1e-13, where odeint at its defaults is up to 1e-6
 * away after a few steps (test/envs/classic-ode.test.ts).
 */
// The Butcher tableau (the system is autonomous: stage times are not needed).
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
// 5th-order weights (also row 7 of the tableau: first same as last)
const B1 = 35 / 384, B3 = 500 / 1113, B4 = 125 / 192, B5 = -2187 / 6784, B6 = 11 / 84;
// 5th − 4th order weights: the local error estimate
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;

export interface OdeOptions {
  readonly rtol?: number;
  readonly atol?: number;
  /** Refuse to take more steps than this (a stiff or diverging system is a bug here). */
  readonly maxSteps?: number;
}

export type Derivative = (y: Float64Array, dy: Float64Array) => void;

/** Integrates y' = f(y) from y0 over `duration`; returns a new array. */
export const integrate = (f: Derivative, y0: ArrayLike<number>, duration: number, options: OdeOptions = {}): Float64Array => {
  const rtol = options.rtol ?? 1e-12;
  const atol = options.atol ?? 1e-12;
  const maxSteps = options.maxSteps ?? 100_000;
  const n = y0.length;
  const y = Float64Array.from(y0);
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const tmp = new Float64Array(n);
  const next = new Float64Array(n);
  f(y, k[0]);
  let t = 0;
  let h = duration / 10;
  for (let steps = 0; t < duration; steps++) {
    if (steps >= maxSteps) throw new Error(`integrate: more than ${maxSteps} steps over ${duration}`);
    const last = t + h >= duration;
    if (last) h = duration - t;
    const stage = (out: Float64Array, a: readonly number[]): void => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < a.length; j++) s += a[j] * k[j][i];
        tmp[i] = y[i] + h * s;
      }
      f(tmp, out);
    };
    stage(k[1], [A21]);
    stage(k[2], [A31, A32]);
    stage(k[3], [A41, A42, A43]);
    stage(k[4], [A51, A52, A53, A54]);
    stage(k[5], [A61, A62, A63, A64, A65]);
    for (let i = 0; i < n; i++) next[i] = y[i] + h * (B1 * k[0][i] + B3 * k[2][i] + B4 * k[3][i] + B5 * k[4][i] + B6 * k[5][i]);
    f(next, k[6]);
    let err = 0;
    for (let i = 0; i < n; i++) {
      const e = h * (E1 * k[0][i] + E3 * k[2][i] + E4 * k[3][i] + E5 * k[4][i] + E6 * k[5][i] + E7 * k[6][i]);
      const scale = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(next[i]));
      err = Math.max(err, Math.abs(e) / scale);
    }
    if (!Number.isFinite(err)) throw new Error('integrate: the derivative is not finite');
    if (err <= 1) {
      t = last ? duration : t + h;
      y.set(next);
      k[0].set(k[6]);
    }
    // The usual controller: safety 0.9, growth limited to [0.2, 5].
    h *= Math.min(5, Math.max(0.2, 0.9 * (err === 0 ? 5 : err ** -0.2)));
  }
  return y;
};
