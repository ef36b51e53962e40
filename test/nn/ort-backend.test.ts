import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKEND_PREFERENCES, selectBackend, tfjsBackendOf, usesOrt } from '../../src/nn/backend.ts';

/** Backend choice with ORT installed (a regular dependency): auto and ort pick it, tfjs names do not. */

test('auto and ort select ONNX Runtime plus a tfjs backend for the rest; a tfjs name selects that alone', async () => {
  assert.ok(BACKEND_PREFERENCES.includes('ort'));
  for (const preference of ['auto', 'ort'] as const) {
    const r = await selectBackend(preference)();
    assert.ok(r._tag === 'Right' && /^ort\+(tensorflow|wasm|cpu)$/.test(r.right), JSON.stringify(r));
    assert.ok(usesOrt(r.right));
    assert.equal(tfjsBackendOf(r.right), r.right.slice(4));
  }
  const cpu = await selectBackend('cpu')();
  assert.ok(cpu._tag === 'Right' && cpu.right === 'cpu');
  assert.equal(usesOrt(cpu.right), false);
  const bad = await selectBackend('cuda' as never)();
  assert.ok(bad._tag === 'Left' && bad.left.code === 'invalid-input');
});
