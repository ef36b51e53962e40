import { box, discrete } from '../../core/spaces.ts';
import { makeClassicFamily, type ClassicSpec } from './classic-env.ts';
import { integrate } from './ode.ts';

/**
 * The inverted pendulum on a cart of Lagoudakis & Parr 2003 ("Least-squares policy iteration"),
 * as MushroomRL defines it (`CartPole` in `mushroom_rl/environments/cart_pole.py`, called
 * `InvertedPendulumDiscrete` in the version D'Eramo et al. 2020 used): pendulum mass m = 2,
 * cart M = 8, length l = 0.5, g = 9.8, α = 1/(m + M); actions push −50, 0, 50 N, plus noise
 * uniform in [−10, 10] N each step. The noise comes from a small counter-based generator whose
 * 32-bit key is the state's third value (drawn from the env's seeded stream at reset, advanced
 * each step), so a transition is a function of its stored state: relabeling, setState and
 * `--init-state` replay it exactly. The observation leaves the key out;
 *
 *   θ̇ = ω,  ω̇ = (g sin θ − α m l/2 ω² sin(2θ)/2 − α cos θ · u) / (2l/3 − α m l/2 cos² θ),
 *
 * integrated over dt = 0.1 s (MushroomRL: odeint; here Dormand–Prince, ode.ts), then θ wrapped
 * to [−π, π]. |θ| > π/2 after the step: reward −1, terminal; else 0. Start θ uniform in
 * [−π/8, π/8], ω = 0; horizon 3000 (γ = 0.95 there). Observation [θ, ω] in float32.
 * MushroomRL's friction μ = 0.01 is a parameter its dynamics never use; it is left out.
 */
export const INVERTED_PENDULUM_LP = {
  pendulumMass: 2,
  cartMass: 8,
  length: 0.5,
  g: 9.8,
  forces: [-50, 0, 50],
  noise: 10,
  dt: 0.1,
  resetAngle: Math.PI / 8,
  fallAngle: Math.PI / 2,
  maxEpisodeSteps: 3000,
} as const;

/** [θ̇, ω̇] under the total force u (action force plus noise). */
export const invertedPendulumLpDerivative =
  (u: number) =>
  (y: Float64Array, dy: Float64Array): void => {
    const { pendulumMass: m, cartMass: M, length: l, g } = INVERTED_PENDULUM_LP;
    const alpha = 1 / (m + M);
    const [theta, omega] = y;
    dy[0] = omega;
    dy[1] =
      (g * Math.sin(theta) - alpha * m * l * 0.5 * omega * omega * Math.sin(2 * theta) * 0.5 - alpha * Math.cos(theta) * u) /
      ((2 / 3) * l - alpha * m * l * 0.5 * Math.cos(theta) ** 2);
  };

/** MushroomRL's normalize_angle: fmod into [0, 2π), then values above π shifted down by 2π. */
export const wrapAngle = (a: number): number => {
  const period = 2 * Math.PI;
  const r = ((a % period) + period) % period;
  return r > Math.PI ? r - period : r;
};

/** One step from [θ, ω, …] under the total force u (noise included): writes the next θ and ω. */
export const invertedPendulumLpStep = (s: ArrayLike<number>, u: number, next: Float64Array): { reward: number; terminated: boolean } => {
  const y = integrate(invertedPendulumLpDerivative(u), [s[0], s[1]], INVERTED_PENDULUM_LP.dt);
  next[0] = wrapAngle(y[0]);
  next[1] = y[1];
  const fell = Math.abs(next[0]) > INVERTED_PENDULUM_LP.fallAngle;
  return { reward: fell ? -1 : 0, terminated: fell };
};

/** The generator's next key (a Weyl sequence on 32 bits, as in mulberry32). */
export const nextNoiseKey = (key: number): number => ((key >>> 0) + 0x6d2b79f5) >>> 0;

/** The step's force noise, uniform in [−noise, noise), from a key (mulberry32's output mix). */
export const noiseOf = (key: number): number => {
  let t = key >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const unit = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  return INVERTED_PENDULUM_LP.noise * (2 * unit - 1);
};

const spec: ClassicSpec = {
  id: 'classic/inverted-pendulum-lp',
  gymnasiumId: 'MushroomRL CartPole (Lagoudakis & Parr inverted pendulum)',
  description: 'Inverted pendulum on a cart (Lagoudakis & Parr 2003, MushroomRL): keep |θ| ≤ π/2 pushing −50/0/50 N with ±10 N noise; −1 when it falls, 3000 steps',
  stateNames: ['theta', 'omega', 'noise_key'],
  observationSpace: box([-Math.PI, -Infinity], [Math.PI, Infinity]),
  actionSpace: discrete(3),
  maxEpisodeSteps: INVERTED_PENDULUM_LP.maxEpisodeSteps,
  reset: (rng, out) => {
    const { resetAngle } = INVERTED_PENDULUM_LP;
    out[0] = rng.range(-resetAngle, resetAngle);
    out[1] = 0;
    out[2] = rng.int(2 ** 32);
  },
  step: (s, action, next) => {
    const key = nextNoiseKey(s[2]);
    next[2] = key;
    return invertedPendulumLpStep(s, INVERTED_PENDULUM_LP.forces[action] + noiseOf(key), next);
  },
  reward: (_s, _a, next) => (Math.abs(next[0]) > INVERTED_PENDULUM_LP.fallAngle ? -1 : 0),
  observe: (s) => Float32Array.of(s[0], s[1]),
};

export const invertedPendulumLp = makeClassicFamily(spec);
