/**
 * Shared computation between the tasks of one multi-task network (docs/facts.md, "Shared
 * computation"): how similarly a hidden layer ranks its neurons under two task ids, by Kendall τ.
 *
 * * per-state τ: the same state through the network with task i and with task j; one τ between
 *   the two activation vectors of a layer per state; mean and std over states.
 * * average τ: each task's own states through its own task id; the mean activation of every
 *   neuron; one τ per layer between the two tasks' mean vectors.
 *
 * Pure functions on activation matrices (row = state, column = neuron), for any number of tasks:
 * every unordered pair is measured.
 */
import { DistilleryFailure, distilleryError } from '../core/errors.ts';
import { kendallTau, type KendallVariant } from './kendall-tau.ts';
import { mean, sampleStd } from './statistics.ts';

export * from './kendall-tau.ts';

/** One layer's activations: row-major [rows, width]. */
export interface ActivationRows {
  readonly rows: number;
  readonly width: number;
  readonly data: ArrayLike<number>;
}

export interface PerStateTau {
  /** Mean and sample std of τ over the states where it is defined. */
  readonly mean: number;
  readonly std: number;
  /** States measured (where τ is defined). */
  readonly states: number;
  /**
   * States where τ is undefined (a layer constant under one of the two ids: with ReLU, every
   * neuron off). They are left out of the mean rather than counted as 0, and reported so that
   * a mean over few states is visible.
   */
  readonly undefinedStates: number;
}

const invalid = (message: string): never => {
  throw new DistilleryFailure(distilleryError('invalid-input', message));
};

const checkShape = (m: ActivationRows, what: string): void => {
  if (m.data.length !== m.rows * m.width) invalid(`${what}: ${m.data.length} values are not ${m.rows} rows × ${m.width} neurons`);
};

/** τ of every state (row) between two matrices of the same states under two task ids; NaN where undefined. */
export const perStateTaus = (x: ActivationRows, y: ActivationRows, variant: KendallVariant): Float64Array => {
  checkShape(x, 'per-state τ');
  checkShape(y, 'per-state τ');
  if (x.rows !== y.rows || x.width !== y.width) invalid(`per-state τ: activations of different shapes (${x.rows}×${x.width} and ${y.rows}×${y.width})`);
  const out = new Float64Array(x.rows);
  const xs = Float64Array.from(x.data);
  const ys = Float64Array.from(y.data);
  for (let r = 0; r < x.rows; r++) out[r] = kendallTau(xs.subarray(r * x.width, (r + 1) * x.width), ys.subarray(r * y.width, (r + 1) * y.width), { variant });
  return out;
};

/** Mean and std of the per-state τ, over the states where it is defined. */
export const perStateTau = (x: ActivationRows, y: ActivationRows, variant: KendallVariant): PerStateTau => {
  const taus = Array.from(perStateTaus(x, y, variant));
  const defined = taus.filter((v) => !Number.isNaN(v));
  return { mean: mean(defined), std: sampleStd(defined), states: defined.length, undefinedStates: taus.length - defined.length };
};

/** Mean activation of every neuron (column) over the rows. */
export const meanActivations = (m: ActivationRows): Float64Array => {
  checkShape(m, 'mean activation');
  const out = new Float64Array(m.width);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.width; j++) out[j] += m.data[r * m.width + j];
  if (m.rows > 0) for (let j = 0; j < m.width; j++) out[j] /= m.rows;
  return out;
};

/** τ between two tasks' mean activation vectors (each over its own states). */
export const averageTau = (x: ActivationRows, y: ActivationRows, variant: KendallVariant): number => {
  if (x.width !== y.width) invalid(`average τ: layers of different widths (${x.width} and ${y.width})`);
  return kendallTau(meanActivations(x), meanActivations(y), { variant });
};

/** Fraction of activations exactly 0 (inactive ReLUs): the ties that separate τ-a from τ-b. */
export const zeroFraction = (m: ActivationRows): number => {
  let z = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i] === 0) z++;
  return m.data.length === 0 ? NaN : z / m.data.length;
};

export interface SharingInput {
  readonly tasks: readonly string[];
  /** [task][layer]: the same states (one shared sample) through the network with each task's id. */
  readonly sameStates: readonly (readonly ActivationRows[])[];
  /** [task][layer]: each task's own states through its own id. */
  readonly ownStates: readonly (readonly ActivationRows[])[];
}

export interface PairSharing {
  /** Hidden layer, 0-based. */
  readonly layer: number;
  readonly tasks: readonly [string, string];
  readonly perState: Readonly<Record<KendallVariant, PerStateTau>>;
  readonly average: Readonly<Record<KendallVariant, number>>;
}

export interface LayerSharing {
  readonly layer: number;
  readonly width: number;
  /** Per task: the fraction of zero activations on the shared sample under its id. */
  readonly zeros: Readonly<Record<string, number>>;
  /** Per task: mean activation of every neuron on its own states (the thesis' Fig. 6.3). */
  readonly meanActivation: Readonly<Record<string, readonly number[]>>;
  readonly pairs: readonly PairSharing[];
}

const VARIANTS: readonly KendallVariant[] = ['a', 'b', 'c'];

/**
 * Per-state and average τ (all three variants) for every hidden layer and every unordered pair
 * of tasks i < j, in task order. Matrices that do not line up (task or layer counts, widths, the
 * shared sample's rows) are an input error.
 */
export const sharedComputation = (input: SharingInput): LayerSharing[] => {
  const m = input.tasks.length;
  if (input.sameStates.length !== m || input.ownStates.length !== m)
    invalid(`shared computation: activations for ${input.sameStates.length} and ${input.ownStates.length} tasks, expected ${m}`);
  if (m === 0) return [];
  const layers = input.sameStates[0].length;
  for (const per of [...input.sameStates, ...input.ownStates])
    if (per.length !== layers) invalid(`shared computation: tasks with different numbers of layers (${per.length} and ${layers})`);
  const out: LayerSharing[] = [];
  for (let l = 0; l < layers; l++) {
    const pairs: PairSharing[] = [];
    for (let i = 0; i < m; i++)
      for (let j = i + 1; j < m; j++) {
        const [si, sj] = [input.sameStates[i][l], input.sameStates[j][l]];
        const [oi, oj] = [input.ownStates[i][l], input.ownStates[j][l]];
        pairs.push({
          layer: l,
          tasks: [input.tasks[i], input.tasks[j]],
          perState: Object.fromEntries(VARIANTS.map((v) => [v, perStateTau(si, sj, v)])) as Record<KendallVariant, PerStateTau>,
          average: Object.fromEntries(VARIANTS.map((v) => [v, averageTau(oi, oj, v)])) as Record<KendallVariant, number>,
        });
      }
    out.push({
      layer: l,
      width: input.sameStates[0][l].width,
      zeros: Object.fromEntries(input.tasks.map((t, i) => [t, zeroFraction(input.sameStates[i][l])])),
      meanActivation: Object.fromEntries(input.tasks.map((t, i) => [t, Array.from(meanActivations(input.ownStates[i][l]))])),
      pairs,
    });
  }
  return out;
};
