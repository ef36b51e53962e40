/** Every example runs, and the README shows the examples it quotes verbatim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadPipeline, runPipeline } from '../../src/pipeline/index.ts';
import { captureIO } from '../helpers/io.ts';
import { scratch } from './helpers.ts';

const root = new URL('../../', import.meta.url).pathname;
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));

test('the README quotes examples/random-summary.ts verbatim', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.ok(readme.includes('```ts\n' + readFileSync(join(root, 'examples', 'random-summary.ts'), 'utf8') + '```'));
});

for (const file of examples)
  test(`example ${file} runs`, async () => {
    const pipeline = await loadPipeline(join(root, 'examples', file))();
    if (E.isLeft(pipeline)) throw new Error(pipeline.left.message);
    const io = captureIO();
    const r = await runPipeline(pipeline.right, { out: join(scratch('example'), 'run'), stdout: io.stdout, stderr: io.stderr, overrides: [], jobThread: 'main' });
    if (E.isLeft(r)) throw new Error(`${file}: ${r.left.message}`);
    assert.equal(r.right.status, 'completed');
  });
