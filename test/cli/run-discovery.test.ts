/** `run <pipeline> --help` lists every parameter with its default; `--config` files (JSON, YAML, a run's params.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as t from 'io-ts';
import { main } from '../../src/cli/main.ts';
import { paramLines } from '../../src/pipeline/param-help.ts';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { captureIO } from '../helpers/io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-discovery-'));
const run = async (...argv: string[]) => {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

test('run mop --help lists every leaf parameter with its type and default', async () => {
  const r = await run('run', 'mop', '--help');
  assert.equal(r.code, 0, r.err);
  const pipeline = await loadPipeline('mop')();
  assert.ok(pipeline._tag === 'Right');
  const lines = paramLines(pipeline.right.params as t.Mixed).filter((l) => !l.group);
  assert.ok(lines.length >= 25, `${lines.length} parameters`);
  for (const l of lines) {
    assert.ok(l.default !== undefined, `${l.path} has no default`);
    assert.ok(r.out.split('\n').some((line) => line.startsWith(`  ${l.path} `) && line.includes(`${l.type} = ${l.default}`)), l.path);
  }
  assert.match(r.out, /teacher\.algo\s+TeacherAlgo = "pbrl"/);
});

test('run mop-walker --help shows the walker defaults laid over mop', async () => {
  const r = await run('run', 'mop-walker', '--help');
  assert.match(r.out, /behavior\.steps\s+PositiveInt = 30000/);
  assert.match(r.out, /behavior\.lr\s+PositiveNumber = 0\.001/);
  assert.match(r.out, /teacher\.algo\s+TeacherAlgo = "pbrl"/);
});

test('--config: YAML under --set; a run\'s params.json repeats it (parameters and seed); mismatches are one line', async () => {
  const yaml = join(tmp, 'c.yaml');
  writeFileSync(yaml, 'episodes: 2\nkinds: [random]\ntasks: [left]\n');
  const a = await run('run', 'collect', '--config', yaml, '--set', 'episodes=3', '--seed', '5', '--out', join(tmp, 'a'), '--json');
  assert.equal(a.code, 0, a.err);
  const ra = JSON.parse(a.out);
  assert.equal(ra.datasets.left.random.episodes, 3);
  const b = await run('run', 'collect', '--config', join(tmp, 'a', 'params.json'), '--out', join(tmp, 'b'), '--json');
  assert.equal(b.code, 0, b.err);
  const rb = JSON.parse(b.out);
  assert.equal(rb.run.seed, 5);
  assert.deepEqual(rb.datasets.left.random.return, ra.datasets.left.random.return);
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'b', 'params.json'), 'utf8')).params, JSON.parse(readFileSync(join(tmp, 'a', 'params.json'), 'utf8')).params);
  const wrong = await run('run', 'mop', '--config', join(tmp, 'a', 'params.json'), '--out', join(tmp, 'c'));
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /holds the parameters of pipeline "collect", not "mop"/);
  writeFileSync(join(tmp, 'bad.json'), '{"episodes": ');
  const bad = await run('run', 'collect', '--config', join(tmp, 'bad.json'));
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim().split('\n').length, 1);
  const typo = join(tmp, 'typo.json');
  writeFileSync(typo, '{"episode": 3}');
  const t2 = await run('run', 'collect', '--config', typo, '--out', join(tmp, 'd'));
  assert.equal(t2.code, 1);
  assert.match(t2.err, /no parameter "episode"/);
});
