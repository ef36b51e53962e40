/**
 * An MLP regressed onto given targets (MSE, mseLoss's reduction) with Adam, one ORT graph per
 * step: MlpTrainer + mseLoss on ONNX Runtime. The distillation benchmark's workload, and the
 * simplest end-to-end check of the ORT engine (ort-student.ts adds teachers and losses on top).
 */
import { ADAM_DEFAULTS, type AdamOptions } from './adam.ts';
import { layerWeightNames, type MlpSpec, type NamedWeight } from './mlp.ts';
import { GraphBuilder } from './ort-graph.ts';
import { adamNames, adamParamStep, feedAdamScalars, mlpBackward, mlpForward, mlpParamInputs } from './ort-mlp.ts';
import { OrtSession, type Feeds } from './ort-runtime.ts';

const shapesOf = (spec: MlpSpec): number[][] => spec.sizes.slice(1).flatMap((o, l) => [[spec.sizes[l], o], [o]]);

export const mseStepGraph = (spec: MlpSpec, adam: Pick<AdamOptions, 'beta1' | 'beta2'>) => {
  const g = new GraphBuilder('mlp-mse');
  const x = g.input('x', ['batch', spec.sizes[0]]);
  const target = g.input('y', ['batch', spec.sizes[spec.sizes.length - 1]]);
  const stepSize = g.input('stepSize', []);
  const epsHat = g.input('epsHat', []);
  const params = mlpParamInputs(g, '', spec);
  const outs = mlpForward(g, spec, params, x);
  const diff = g.sub(outs[outs.length - 1], target);
  const n = g.sizeAsFloat(diff);
  g.output(g.div(g.reduceSum(g.mul(diff, diff), [0, 1], false), n), 'loss', []);
  const grads = mlpBackward(g, spec, params, outs, g.mul(diff, g.div(g.scalar(2), n)));
  const shapes = shapesOf(spec);
  layerWeightNames(params.length).forEach((name, i) => {
    const p = i % 2 === 0 ? params[i >> 1].kernel : params[i >> 1].bias;
    adamParamStep(g, adam, name, p, shapes[i], grads[i], stepSize, epsHat);
  });
  return g.build();
};

export class OrtMlpTrainer {
  readonly adam: AdamOptions;
  private readonly session: OrtSession;
  private readonly names: string[];
  private readonly shapes: number[][];
  /** [copy][param]: weights, first and second moments, alternating between steps. */
  private readonly state: { p: Float32Array[]; m: Float32Array[]; v: Float32Array[] }[];
  private readonly outputNames: string[];
  private current = 0;
  private t = 0;

  constructor(
    readonly spec: MlpSpec,
    initial: readonly NamedWeight[],
    adam: Partial<AdamOptions> = {},
  ) {
    this.adam = { ...ADAM_DEFAULTS, ...adam };
    this.names = layerWeightNames(spec.sizes.length - 1);
    this.shapes = shapesOf(spec);
    const byName = new Map(initial.map((w) => [w.name, w]));
    const sizes = this.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const fresh = () => ({ p: sizes.map((n) => new Float32Array(n)), m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) });
    this.state = [fresh(), fresh()];
    this.names.forEach((name, i) => {
      const w = byName.get(name);
      if (!w || w.data.length !== sizes[i]) throw new Error(`MLP weights: ${name} missing or misshaped`);
      this.state[0].p[i].set(w.data);
    });
    this.outputNames = ['loss', ...this.names.flatMap((n) => Object.values(adamNames(n)).slice(2))];
    this.session = OrtSession.create(mseStepGraph(spec, this.adam));
  }

  /** One Adam step on inputs x [rows, in] towards targets y [rows, out]; returns the loss before the update. */
  step(x: Float32Array, y: Float32Array, rows: number): number {
    this.t += 1;
    const [cur, next] = [this.state[this.current], this.state[1 - this.current]];
    const feeds: Feeds = {
      x: { data: x, dims: [rows, this.spec.sizes[0]] },
      y: { data: y, dims: [rows, this.spec.sizes[this.spec.sizes.length - 1]] },
    };
    feedAdamScalars(feeds, '', this.adam, this.t);
    const into: Feeds = {};
    this.names.forEach((name, i) => {
      const a = adamNames(name);
      const dims = this.shapes[i];
      feeds[name] = { data: cur.p[i], dims };
      feeds[a.m] = { data: cur.m[i], dims };
      feeds[a.v] = { data: cur.v[i], dims };
      into[a.next] = { data: next.p[i], dims };
      into[a.nextM] = { data: next.m[i], dims };
      into[a.nextV] = { data: next.v[i], dims };
    });
    const loss = this.session.run(feeds, this.outputNames, into).loss[0];
    this.current = 1 - this.current;
    return loss;
  }

  weights(): NamedWeight[] {
    return this.names.map((name, i) => ({ name, shape: this.shapes[i], data: this.state[this.current].p[i].slice() }));
  }

  dispose(): void {
    this.session.dispose();
  }
}
