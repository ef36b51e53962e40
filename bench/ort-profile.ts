/**
 * Where an ORT training step's time goes: runs the distillation benchmark's step (student
 * 25→256→256→6, MSE, Adam) with ORT's profiler on and prints the share of each operator type.
 * Usage: node --conditions=distillery-source --import tsx bench/ort-profile.ts [BATCH] [STEPS]
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../src/core/rng.ts';
import { Mlp, mlpSpec } from '../src/nn/mlp.ts';
import { adamNames, adamScalars } from '../src/nn/ort-mlp.ts';
import { mseStepGraph } from '../src/nn/ort-mlp-trainer.ts';
import { OrtSession, type Feeds } from '../src/nn/ort-runtime.ts';
import { ADAM_DEFAULTS } from '../src/nn/adam.ts';

const batch = Number(process.argv[2] ?? 256);
const steps = Number(process.argv[3] ?? 100);
const spec = mlpSpec([25, 256, 256, 6], 'tanh');
const rng = Rng.fromSeed(0);
const mlp = Mlp.create(spec, rng.split('student'));
const dir = mkdtempSync(path.join(tmpdir(), 'ort-profile-'));
const session = OrtSession.create(mseStepGraph(spec, ADAM_DEFAULTS), { profilePrefix: path.join(dir, 'step') });
const feeds: Feeds = {
  x: { data: rng.fillNormal(new Float32Array(batch * 25)) as Float32Array, dims: [batch, 25] },
  y: { data: rng.fillUniform(new Float32Array(batch * 6), -0.9, 0.9) as Float32Array, dims: [batch, 6] },
};
const { stepSize, epsHat } = adamScalars({ ...ADAM_DEFAULTS, lr: 1e-4 }, 1);
feeds.stepSize = { data: Float32Array.of(stepSize), dims: [] };
feeds.epsHat = { data: Float32Array.of(epsHat), dims: [] };
for (const w of mlp.weights()) {
  feeds[w.name] = { data: w.data, dims: w.shape };
  feeds[adamNames(w.name).m] = { data: new Float32Array(w.data.length), dims: w.shape };
  feeds[adamNames(w.name).v] = { data: new Float32Array(w.data.length), dims: w.shape };
}
const start = performance.now();
for (let i = 0; i < steps; i++) session.run(feeds, ['loss']);
const wall = (performance.now() - start) / steps;
session.endProfiling();
session.dispose();
mlp.dispose();
const file = readdirSync(dir).find((f) => f.endsWith('.json'));
if (!file) throw new Error('ORT wrote no profile');
const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
const byOp = new Map<string, number>();
let total = 0;
for (const e of events)
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name) {
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
    total += e.dur;
  }
console.log(`batch ${batch}: ${wall.toFixed(2)} ms per step (wall, profiling on), kernels ${(total / steps / 1000).toFixed(2)} ms per step`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]))
  console.log(`${op.padEnd(16)} ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / steps / 1000).toFixed(3)} ms`);
