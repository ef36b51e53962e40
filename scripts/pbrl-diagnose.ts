/**
 * Why does a PBRL teacher fail on a dataset? Trains one on a dataset file and prints, every
 * `--every` updates, one JSON line: β_ood, the critics' mean Q on the data's own (s, a) against
 * the data's discounted Monte-Carlo return (rows with ≥ `--horizon` steps left, where truncation
 * changes G by < γ^horizon/(1 − γ)), Q and ensemble std at π(s), the OOD penalty β_ood·std at
 * π(s), the actor loss, and the policy's return in the env. Usage:
 *
 *   node --import tsx scripts/pbrl-diagnose.ts --data runs/X/datasets/right-expert.arrow \
 *     --env pointmass/maze --task right [--steps 3000] [--every 500] [--seed 0] \
 *     [--hyper '{"gamma":0.95,"hidden":[64,64]}'] [--horizon 100] [--episodes 5]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../src/core/rng.ts';
import { ReplayBuffer } from '../src/algos/replay-buffer.ts';
import { createPbrlLearner, discountedReturnsToGo, type PbrlHyper } from '../src/algos/pbrl/index.ts';
import { memberStd } from '../src/algos/actor-critic.ts';
import { readAllBatches, useBackend } from '../src/jobs/common.ts';
import { episodeReturns } from '../src/jobs/evaluate.ts';
import { makeEnv } from '../src/envs/registry.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    env: { type: 'string', default: 'pointmass/maze' },
    task: { type: 'string' },
    steps: { type: 'string', default: '3000' },
    every: { type: 'string', default: '500' },
    seed: { type: 'string', default: '0' },
    hyper: { type: 'string', default: '{}' },
    horizon: { type: 'string', default: '100' },
    episodes: { type: 'string', default: '5' },
  },
});
if (!values.data || !values.task) {
  console.error('usage: pbrl-diagnose --data FILE.arrow --task TASK [--env ID] [--steps N] [--every N] [--seed N] [--hyper JSON]');
  process.exit(1);
}
const steps = Number(values.steps);
const every = Number(values.every);
const horizon = Number(values.horizon);
const hyper = JSON.parse(values.hyper!) as Partial<PbrlHyper>;

await useBackend('auto');
const batches = await readAllBatches([values.data]);
const buffer = ReplayBuffer.fromDataset(batches);
const rng = Rng.fromSeed(Number(values.seed));
const learner = createPbrlLearner(buffer, { ...hyper, totalSteps: steps }, rng.split('init'));
const pbrl = learner.algo;
const gamma = pbrl.hyper.gamma;

// Probe rows: the data's (s, a) with a long tail left, and their Monte-Carlo returns.
const probe = { obs: [] as number[], act: [] as number[], mc: [] as number[] };
for (const b of batches) {
  const { returns, stepsLeft } = discountedReturnsToGo(b, gamma);
  for (let i = 0; i < b.size && probe.mc.length < 2000; i++) {
    if (stepsLeft[i] < horizon) continue;
    probe.obs.push(...b.observation.subarray(i * b.obsDim, (i + 1) * b.obsDim));
    probe.act.push(...(b.action as Float32Array).subarray(i * b.actDim, (i + 1) * b.actDim));
    probe.mc.push(returns[i]);
  }
}
const n = probe.mc.length;
const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;
const env = makeEnv(values.env!, { task: values.task }, 0);
if (E.isLeft(env)) throw new Error(env.left.message);

const report = (step: number, last: Record<string, number>): void => {
  const s = tf.tensor2d(probe.obs, [n, pbrl.dims.obsDim]);
  const a = tf.tensor2d(probe.act, [n, pbrl.dims.actDim]);
  const stats = tf.tidy(() => {
    const qData = pbrl.critics(s, a);
    const pi = pbrl.actTensor(s);
    const qPi = pbrl.critics(s, pi);
    const stdPi = memberStd(qPi);
    return {
      qData: tf.mean(qData).dataSync()[0],
      stdData: tf.mean(memberStd(qData)).dataSync()[0],
      qPi: tf.mean(qPi).dataSync()[0],
      minQPi: tf.mean(tf.min(qPi, 0)).dataSync()[0],
      stdPi: tf.mean(stdPi).dataSync()[0],
      actionGap: tf.mean(tf.sqrt(tf.sum(tf.square(tf.sub(pi, a)), 1))).dataSync()[0],
    };
  });
  s.dispose();
  a.dispose();
  const act = (obs: ArrayLike<number>): Float32Array => pbrl.act(Float32Array.from(obs), 1);
  const returns = episodeReturns(env.right, act, Number(values.episodes), Rng.fromSeed(1234));
  const beta = pbrl.betaOod;
  console.log(
    JSON.stringify({
      step,
      betaOod: +beta.toFixed(3),
      mcReturn: +mean(probe.mc).toFixed(3),
      qData: +stats.qData.toFixed(3),
      stdData: +stats.stdData.toFixed(3),
      qPi: +stats.qPi.toFixed(3),
      minQPi: +stats.minQPi.toFixed(3),
      stdPi: +stats.stdPi.toFixed(3),
      oodPenalty: +(beta * stats.stdPi).toFixed(3),
      actionGap: +stats.actionGap.toFixed(3),
      criticLoss: +(last.criticLoss ?? NaN).toFixed(4),
      oodLoss: +(last.oodLoss ?? NaN).toFixed(4),
      actorLoss: +(last.actorLoss ?? NaN).toFixed(3),
      return: +mean(returns).toFixed(2),
    }),
  );
};

const updates = rng.split('updates');
let last: Record<string, number> = {};
let lastActor = NaN;
report(0, last);
for (let t = 1; t <= steps; t++) {
  last = learner.update(updates);
  if (last.actorLoss !== undefined) lastActor = last.actorLoss;
  if (t % every === 0) report(t, { ...last, actorLoss: lastActor });
}
learner.dispose();
