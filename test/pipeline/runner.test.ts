import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { defer, of, tap, throwError } from 'rxjs';
import { PositiveInt, withDefault } from '../../src/core/codecs.ts';
import { DistilleryFailure, distilleryError } from '../../src/core/errors.ts';
import { definePipeline, metric, progress, result, table, runPipeline, ProgressRenderer } from '../../src/pipeline/index.ts';
import { makeEnv } from '../../src/envs/index.ts';
import { uniformRandom } from '../../src/envs/index.ts';
import { persist, rollouts } from '../../src/operators/index.ts';
import { newDatasetMetadata } from '../../src/data/index.ts';
import { captureIO } from '../helpers/io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-runner-'));

const counting = definePipeline({
  name: 'counting',
  description: 'test pipeline',
  params: t.type({ n: withDefault(PositiveInt, 3) }),
  graph: (p, ctx) =>
    defer(() => {
      ctx.emit(progress('count', 'counting', 0, p.n));
      for (let i = 0; i < p.n; i++) ctx.emit(metric('draw', i, ctx.rng.split('draws').uniform()));
      ctx.emit(result('answer.value', ctx.rng.split('answer').int(1000)));
      ctx.emit(table('T', ['a', 'b'], [['x', 1.5]]));
      ctx.emit(progress('count', 'counting', p.n, p.n));
      return of(p.n);
    }),
});

test('results, metrics and params are recorded; results depend only on the seed', async () => {
  const io = captureIO();
  const a = await runPipeline(counting, { seed: 9, out: join(tmp, 'a'), stdout: io.stdout, stderr: io.stderr, overrides: ['n=5'] });
  const b = await runPipeline(counting, { seed: 9, out: join(tmp, 'b'), stdout: io.stdout, stderr: io.stderr, overrides: ['n=5'] });
  assert.ok(E.isRight(a) && E.isRight(b));
  const ra = JSON.parse(readFileSync(join(tmp, 'a', 'results.json'), 'utf8'));
  const rb = JSON.parse(readFileSync(join(tmp, 'b', 'results.json'), 'utf8'));
  assert.equal(ra.answer.value, rb.answer.value);
  assert.deepEqual(ra.tables, [{ title: 'T', columns: ['a', 'b'], rows: [['x', 1.5]] }]);
  // Metrics carry the wall-clock time they were recorded at; everything else depends on the seed only.
  const metricsOf = (dir: string) =>
    readFileSync(join(tmp, dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string })
      .map(({ time, ...m }) => (assert.ok(!Number.isNaN(Date.parse(time))), m));
  assert.equal(metricsOf('a').length, 5);
  assert.deepEqual(metricsOf('a'), metricsOf('b'));
  assert.match(io.out(), /T\na\s+b/);
  // the last line names where the results and the report are
  assert.ok(io.out().includes(`done: results in ${join(tmp, 'a', 'results.json')}, report in ${join(tmp, 'a', 'report.html')}\n`), io.out());
});

test('a failing graph gives a Left and results.json says failed', async () => {
  const failing = definePipeline({
    name: 'failing',
    description: '',
    params: t.type({}),
    graph: () => throwError(() => new DistilleryFailure(distilleryError('numeric', 'loss became NaN at step 12'))),
  });
  const io = captureIO();
  const r = await runPipeline(failing, { out: join(tmp, 'f'), stdout: io.stdout, stderr: io.stderr });
  assert.ok(E.isLeft(r));
  assert.equal(r.left.message, 'loss became NaN at step 12');
  assert.equal(JSON.parse(readFileSync(join(tmp, 'f', 'results.json'), 'utf8')).run.status, 'failed');
});

test('an abort stops the graph cleanly: when the runner says interrupted, the unfinished dataset and its .tmp are gone', async () => {
  const path = join(tmp, 'i', 'datasets', 'never.arrow');
  const controller = new AbortController();
  const endless = definePipeline({
    name: 'endless',
    description: '',
    params: t.type({}),
    graph: (_p, ctx) => {
      const env = makeEnv('pointmass/maze', { task: 'left' }, 0);
      if (E.isLeft(env)) throw new Error(env.left.message);
      const metadata = newDatasetMetadata({
        envId: 'pointmass/maze',
        envConfig: {},
        tasks: ['left'],
        behaviorPolicy: 'random',
        seed: 0,
        observationSpace: env.right.observationSpace,
        actionSpace: env.right.actionSpace,
        pipeline: 'endless',
      });
      let batches = 0;
      return rollouts(env.right, uniformRandom(env.right.actionSpace), { transitions: 1e9, rng: ctx.rng, batchSize: 256 }).pipe(
        persist(path, metadata),
        // Abort once three batches are written (the .tmp file exists): no timing involved.
        tap(() => ++batches === 3 && controller.abort()),
      );
    },
  });
  const io = captureIO();
  const r = await runPipeline(endless, { out: join(tmp, 'i'), stdout: io.stdout, stderr: io.stderr, signal: controller.signal });
  assert.ok(E.isRight(r));
  assert.equal(r.right.status, 'interrupted');
  assert.equal(existsSync(path), false);
  assert.deepEqual(readdirSync(join(tmp, 'i', 'datasets')), []);
  assert.equal(JSON.parse(readFileSync(join(tmp, 'i', 'results.json'), 'utf8')).run.status, 'interrupted');
});

test('a second run on the same --out is refused while the first holds it; a non-run directory is refused', async () => {
  const dir = join(tmp, 'locked');
  let inner: E.Either<unknown, unknown> | undefined;
  const outer = definePipeline({
    name: 'outer',
    description: '',
    params: t.type({}),
    graph: () => defer(async () => (inner = await runPipeline(counting, { out: dir, stdout: captureIO().stdout, stderr: captureIO().stderr }))),
  });
  const r = await runPipeline(outer, { out: dir, stdout: captureIO().stdout, stderr: captureIO().stderr });
  assert.ok(E.isRight(r));
  assert.ok(inner && E.isLeft(inner));
  assert.match((inner.left as { message: string }).message, /another run \(pid \d+\) is using this directory/);
  const notARun = join(tmp, 'not-a-run');
  mkdirSync(notARun);
  writeFileSync(join(notARun, 'thesis.tex'), '');
  const refused = await runPipeline(counting, { out: notARun, stdout: captureIO().stdout, stderr: captureIO().stderr });
  assert.ok(E.isLeft(refused));
  assert.match(refused.left.message, /not a run directory/);
  assert.deepEqual(readdirSync(notARun), ['thesis.tex']);
});

test('a result key cannot reach Object.prototype', async () => {
  const sneaky = definePipeline({
    name: 'sneaky',
    description: '',
    params: t.type({}),
    graph: (_p, ctx) => defer(() => (ctx.emit(result('__proto__.polluted', true)), of(0))),
  });
  const r = await runPipeline(sneaky, { out: join(tmp, 'sneaky'), stdout: captureIO().stdout, stderr: captureIO().stderr });
  assert.ok(E.isRight(r));
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'sneaky', 'results.json'), 'utf8')).___proto__.polluted, true);
});

test('plain progress prints a line per 10% at most', () => {
  const io = captureIO();
  let now = 0;
  const r = new ProgressRenderer(io.stderr, () => now);
  for (let i = 0; i <= 100; i++) {
    now += 10;
    r.handle(progress('p', 'work', i, 100, 'steps'));
  }
  const lines = io.err().trim().split('\n');
  assert.ok(lines.length <= 12 && lines.length >= 10, lines.join('\n'));
  assert.equal(lines[lines.length - 1], 'work: 100/100 steps (100%)');
});


test('a malformed event from a pipeline fails the run where it is emitted, with the bad field named', async () => {
  const sloppy = definePipeline({
    name: 'sloppy',
    description: '',
    params: t.type({}),
    graph: (_p, ctx) => defer(() => (ctx.emit(table('T', ['a'], [[{ not: 'a cell' } as unknown as number]])), of(0))),
  });
  const r = await runPipeline(sloppy, { out: join(tmp, 'sloppy'), stdout: captureIO().stdout, stderr: captureIO().stderr });
  assert.ok(E.isLeft(r));
  assert.equal(r.left.code, 'invalid-input');
  assert.match(r.left.message, /bad table event: rows\.0\.0/);
  assert.equal(JSON.parse(readFileSync(join(tmp, 'sloppy', 'results.json'), 'utf8')).run.status, 'failed');
});
