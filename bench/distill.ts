import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { OrtMlpTrainer } from '../src/nn/ort-mlp-trainer.ts';
import { OrtStudentTrainer } from '../src/nn/ort-student.ts';
import { ADAM_DEFAULTS } from '../src/nn/adam.ts';
import { Student, studentSpec } from '../src/nn/student.ts';
import { DEFAULT_RANKING_WEIGHT, Distiller, networkTeacher, type RegularizerOptions } from '../src/algos/distillation/index.ts';
import { mseLoss } from '../src/nn/loss.ts';
import { Mlp, MlpTrainer, mlpSpec } from '../src/nn/mlp.ts';
import { alternateRounds, benchContext, callsPerSecond, roundsExtra, roundsLine, runTorchReference, versusTorch } from './harness.ts';
import type { Benchmark, BenchResult } from './types.ts';

/**
 * The distillation step's compute: one Adam step of the published student 25→256→256→6 (ReLU,
 * tanh) on an MSE loss to fixed targets, on ONNX Runtime (one graph per step, one thread) and on
 * tfjs, against the same step in PyTorch truly single-threaded (OPENBLAS_NUM_THREADS=1). The three
 * are alternated `ROUNDS` times in one run (the machine is shared: load changes from minute to
 * minute) and each reports its best round; the ratio is ORT's best over PyTorch's best.
 */
const SIZES = [25, 256, 256, 6];

const ROUNDS = 3;

const measureOrt = (batch: number, steps: number): number => {
  const rng = Rng.fromSeed(0);
  const mlp = Mlp.create(mlpSpec(SIZES, 'tanh'), rng.split('student'));
  const trainer = new OrtMlpTrainer(mlp.spec, mlp.weights(), { lr: 1e-4 });
  mlp.dispose();
  const x = rng.fillNormal(new Float32Array(batch * SIZES[0])) as Float32Array;
  const y = rng.fillUniform(new Float32Array(batch * 6), -0.9, 0.9) as Float32Array;
  const perSecond = callsPerSecond(() => void trainer.step(x, y, batch), Math.max(5, steps / 10), steps); // returns the loss: fully synchronous
  trainer.dispose();
  return perSecond;
};

const measureTfjs = (batch: number, steps: number): number => {
  const rng = Rng.fromSeed(0);
  const mlp = Mlp.create(mlpSpec(SIZES, 'tanh'), rng.split('student'));
  const trainer = new MlpTrainer(mlp, { lr: 1e-4 });
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(batch * SIZES[0])) as Float32Array, [batch, SIZES[0]]);
  const y = tf.tensor2d(rng.fillUniform(new Float32Array(batch * 6), -0.9, 0.9) as Float32Array, [batch, 6]);
  const loss = mseLoss(y);
  const perSecond = callsPerSecond(() => void trainer.step(x, loss), Math.max(5, steps / 10), steps); // each step reads its loss: fully synchronous
  tf.dispose([x, y]);
  trainer.dispose();
  mlp.dispose();
  return perSecond;
};

/**
 * The KL rows: the Gaussian student 25→256→256→12 (one-hot task columns, tanh outputs
 * [μ | log σ]) against a frozen Gaussian teacher ·→256→256→12 evaluated every step, as the distill
 * job runs it (ORT: OrtStudentTrainer; tfjs: the Distiller). `distill-kl`: 17 state inputs and 8
 * tasks. `distill-kl-pairwise`: 21 state inputs and 4 tasks, plus the pairwise ranking regularizer
 * (λ = 100) on hidden layer 2 against the 3 other task ids (on tfjs the regularizer is float64
 * JS loops over neuron pairs; on ORT [B, n, n] tensors per other task).
 */
interface KlSetup {
  readonly stateDim: number;
  readonly tasks: number;
  readonly regularizer?: RegularizerOptions;
}
const KL_ACTIONS = 6;
const KL: KlSetup = { stateDim: 17, tasks: 8 };
const KL_PAIRWISE: KlSetup = { stateDim: 21, tasks: 4, regularizer: { kind: 'pairwise', weight: DEFAULT_RANKING_WEIGHT, layer: 2, temperature: 1 } };
const klSpec = (k: KlSetup) => studentSpec({ stateDim: k.stateDim, tasks: k.tasks, actionDim: KL_ACTIONS, hidden: [256, 256], head: 'gaussian', encoding: 'onehot' });
const klTeacherSpec = (k: KlSetup) => mlpSpec([k.stateDim, 256, 256, 2 * KL_ACTIONS], 'tanh');

const measureOrtKl = (k: KlSetup, batch: number, warmup: number, steps: number): number => {
  const rng = Rng.fromSeed(0);
  const student = Student.create(klSpec(k), rng.split('student'));
  const teacher = Mlp.create(klTeacherSpec(k), rng.split('teacher'));
  const weights = { actor: teacher.weights() };
  const trainer = new OrtStudentTrainer(student.spec, { actor: teacher.spec, gaussian: true }, Array.from({ length: k.tasks }, () => weights), student.mlp.weights(), {
    loss: 'kl',
    adam: { ...ADAM_DEFAULTS, lr: 1e-4 },
    ...(k.regularizer ? { regularizer: k.regularizer } : {}),
  });
  student.dispose();
  teacher.dispose();
  const states = rng.fillNormal(new Float32Array(batch * k.stateDim)) as Float32Array;
  const perSecond = callsPerSecond(() => void trainer.step(0, states), warmup, steps);
  trainer.dispose();
  return perSecond;
};

const measureTfjsKl = (k: KlSetup, batch: number, warmup: number, steps: number): number => {
  const rng = Rng.fromSeed(0);
  const student = Student.create(klSpec(k), rng.split('student'));
  const actor = Mlp.create(klTeacherSpec(k), rng.split('teacher'));
  const teacher = networkTeacher(actor, { gaussianActor: true });
  const distiller = new Distiller(student, Array.from({ length: k.tasks }, () => teacher), {
    loss: 'kl',
    adam: { lr: 1e-4 },
    ...(k.regularizer ? { regularizer: k.regularizer } : {}),
  });
  const states = rng.fillNormal(new Float32Array(batch * k.stateDim)) as Float32Array;
  const perSecond = callsPerSecond(() => void distiller.step(0, states), warmup, steps); // returns the loss: synchronous
  distiller.dispose();
  student.dispose();
  actor.dispose();
  return perSecond;
};

export const benchmark: Benchmark = {
  name: 'distill',
  description: 'Adam step of the 25→256→256→6 student (MSE) and of the Gaussian student on the KL loss (with and without the pairwise regularizer), ORT and tfjs vs PyTorch one thread, alternated',
  async run({ quick, log }) {
    const { tfjsName, python } = await benchContext('distill', log);
    const results: BenchResult[] = [];
    for (const batch of [256, 1024]) {
      const steps = quick ? 5 : batch === 256 ? 400 : 100;
      const rounds = quick ? 1 : ROUNDS;
      const r = alternateRounds(rounds, {
        ort: () => measureOrt(batch, steps),
        tfjs: () => measureTfjs(batch, quick ? steps : Math.ceil(steps / 4)),
        torch: python ? () => runTorchReference(python, 'distill_torch.py', [batch, steps], 300_000) : undefined,
      });
      const ort = r.ort;
      const result: BenchResult = {
        name: `distill-b${batch}`,
        value: ort,
        unit: 'steps/s',
        backend: 'ort',
        ...versusTorch(ort, r.torch),
        extra: {
          batch,
          steps,
          rounds,
          quick: String(quick),
          msPerStep: 1000 / ort,
          gflops: (flopsPerStep(batch) * ort) / 1e9,
          ...roundsExtra(r, tfjsName),
        },
      };
      log(roundsLine(result.name, r, tfjsName, rounds));
      results.push(result);
    }
    const klRows = [
      // The ORT step's first two runs allocate its buffers (seconds for the pairwise tensors): warm-up before timing.
      { name: 'distill-kl-b256', setup: KL, ort: quick ? [2, 5] : [30, 300], tfjs: quick ? [2, 5] : [10, 75], torch: 'distill_kl_torch.py' },
      { name: 'distill-kl-pairwise-b256', setup: KL_PAIRWISE, ort: quick ? [2, 2] : [3, 10], tfjs: quick ? [1, 1] : [1, 3], torch: undefined },
    ] as const;
    for (const row of klRows) {
      const batch = 256;
      const rounds = quick ? 1 : ROUNDS;
      const r = alternateRounds(rounds, {
        ort: () => measureOrtKl(row.setup, batch, row.ort[0], row.ort[1]),
        tfjs: () => measureTfjsKl(row.setup, batch, row.tfjs[0], row.tfjs[1]),
        torch: python && row.torch ? () => runTorchReference(python, row.torch, [batch, row.ort[1]], 300_000) : undefined,
      });
      const result: BenchResult = {
        name: row.name,
        value: r.ort,
        unit: 'steps/s',
        backend: 'ort',
        ...versusTorch(r.ort, r.torch),
        extra: { batch, tasks: row.setup.tasks, steps: row.ort[1], rounds, quick: String(quick), msPerStep: 1000 / r.ort, ...roundsExtra(r, tfjsName) },
      };
      log(roundsLine(result.name, r, tfjsName, rounds));
      results.push(result);
    }
    return results;
  },
};

/** Multiply-adds ×2 of forward (3 products) and backward (dW for 3 layers, dX for the last 2). */
const flopsPerStep = (batch: number): number => {
  let macs = 0;
  for (let l = 0; l + 1 < SIZES.length; l++) macs += batch * SIZES[l] * SIZES[l + 1] * (l === 0 ? 2 : 3);
  return 2 * macs;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const results = await benchmark.run({ quick, log: (line) => console.log(line) });
  console.log(JSON.stringify(results, null, 1));
}
