import type { Space } from '../../core/spaces.ts';
import type { Policy } from '../types.ts';

/**
 * Uniform actions: an integer in [0, n) for a discrete space, a vector uniform in [low, high)
 * for a box. A box with an unbounded side has no uniform distribution: it is refused here.
 */
export const uniformRandom = (space: Space): Policy => {
  if (space.kind === 'discrete') return { name: 'random', act: (_o, rng) => rng.int(space.n) };
  const { low, high } = space;
  if (!low.every(Number.isFinite) || !high.every(Number.isFinite)) throw new Error('uniformRandom: the action box must be bounded');
  const dim = low.length;
  return {
    name: 'random',
    act: (_o, rng) => {
      const a = new Float32Array(dim);
      for (let i = 0; i < dim; i++) a[i] = rng.range(low[i], high[i]);
      return a;
    },
  };
};
