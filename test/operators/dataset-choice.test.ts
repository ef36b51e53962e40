import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { checkDatasetChoice, datasetChoiceCodec, datasetKindOf, describeDatasetChoice } from '../../src/operators/stages/dataset-choice.ts';
import { oneOf } from '../../src/core/codecs.ts';

const Kind = oneOf(['medium', 'expert'] as const, 'Kind');
const Choice = datasetChoiceCodec(Kind);

test('dataset choice: one kind for all tasks, or one per task', () => {
  assert.equal(datasetKindOf('expert', 'left'), 'expert');
  assert.equal(datasetKindOf({ left: 'expert', right: 'medium' }, 'right'), 'medium');
  assert.throws(() => datasetKindOf({ left: 'expert' }, 'right'), /no kind for task right/);
  assert.equal(describeDatasetChoice({ left: 'expert', right: 'medium' }), 'left: expert, right: medium');
  assert.ok(E.isRight(Choice.decode('medium')));
  assert.ok(E.isRight(Choice.decode({ left: 'expert' })));
  assert.ok(E.isLeft(Choice.decode({ left: 'mediu' })));
  assert.ok(E.isLeft(Choice.decode(3)));
});

test('dataset choice: a per-task map must name exactly the run\'s tasks, said in one line', () => {
  assert.ok(E.isRight(checkDatasetChoice('expert', ['left', 'right'])));
  assert.ok(E.isRight(checkDatasetChoice({ left: 'expert', right: 'medium' }, ['left', 'right'])));
  const missing = checkDatasetChoice({ left: 'expert' }, ['left', 'right']);
  assert.ok(E.isLeft(missing) && missing.left.message === 'dataset: no kind for task right (give one per task, or one kind for all)');
  const extra = checkDatasetChoice({ left: 'expert', right: 'medium', up: 'expert' }, ['left', 'right']);
  assert.ok(E.isLeft(extra) && /up is not a task of this run/.test(extra.left.message));
  // a task named like an Object.prototype member is an ordinary key
  assert.ok(E.isLeft(checkDatasetChoice({}, ['constructor'])));
});
