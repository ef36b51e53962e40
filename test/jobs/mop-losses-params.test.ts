import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/lib/Either.js';
import { decode } from '../../src/core/codecs.ts';
import { MopParams } from '../../pipelines/mop.ts';
import mopLosses, { MopLossesParams } from '../../pipelines/mop-losses.ts';
import naiveMt, { NaiveMtParams } from '../../pipelines/naive-mt.ts';

test('mop-losses parameters: MOP defaults, all three losses, stochastic PBRL teachers; bad values name their field; KL needs Gaussian teachers', () => {
  const p = decode(MopLossesParams, {}, 'params');
  if (E.isLeft(p)) assert.fail(p.left.message);
  assert.deepEqual(p.right.losses, ['mse', 'q', 'kl']);
  assert.equal(p.right.teacher.actorHead, 'gaussian');
  // Everything but the teacher's actor and the student's loss is MOP's, defaults included.
  const mop = decode(MopParams, {}, 'params');
  if (E.isLeft(mop)) assert.fail(mop.left.message);
  const { student: { loss: _loss, ...mopStudent }, teacher: mopTeacher, ...shared } = mop.right;
  const { student, teacher, losses: _l, ...mine } = p.right;
  assert.deepEqual(mine, shared);
  assert.deepEqual(student, mopStudent);
  assert.deepEqual(teacher, { ...mopTeacher, algo: 'pbrl', actorHead: 'gaussian' });
  const bad = decode(MopLossesParams, { losses: ['mse', 'huber'] }, 'params');
  assert.ok(E.isLeft(bad) && bad.left.message.includes('losses'), E.isLeft(bad) ? bad.left.message : 'decoded');
  assert.equal(mopLosses.name, 'mop-losses');
  assert.ok(E.isLeft(mopLosses.validate!({ ...p.right, env: 'no/such-env' })));
  const deterministic = mopLosses.validate!({ ...p.right, teacher: { ...p.right.teacher, actorHead: 'deterministic' } });
  assert.ok(E.isLeft(deterministic) && deterministic.left.message === 'mop-losses: the KL loss needs stochastic teachers (teacher.actorHead=gaussian)');
  assert.ok(E.isRight(mopLosses.validate!({ ...p.right, losses: ['mse', 'q'], teacher: { ...p.right.teacher, actorHead: 'deterministic' } })));
  const td3bc = mopLosses.validate!({ ...p.right, teacher: { ...p.right.teacher, algo: 'td3bc' } });
  assert.ok(E.isLeft(td3bc) && td3bc.left.message.includes('teacher.algo=pbrl'));
});

test('naive-mt parameters: MOP defaults with PBRL teachers, naive.steps = the teacher default', () => {
  const p = decode(NaiveMtParams, {}, 'params');
  if (E.isLeft(p)) assert.fail(p.left.message);
  const mop = decode(MopParams, {}, 'params');
  if (E.isLeft(mop)) assert.fail(mop.left.message);
  assert.deepEqual(p.right.teacher, { ...mop.right.teacher, algo: 'pbrl' });
  assert.deepEqual(p.right.student, mop.right.student);
  assert.equal(p.right.naive.steps, p.right.teacher.steps);
  assert.equal(p.right.naive.encoding, 'onehot');
  assert.equal(p.right.student.loss, 'mse');
  const bad = decode(NaiveMtParams, { naive: { steps: -1 } }, 'params');
  assert.ok(E.isLeft(bad) && bad.left.message.includes('naive.steps'), E.isLeft(bad) ? bad.left.message : 'decoded');
  assert.equal(naiveMt.name, 'naive-mt');
  assert.ok(E.isRight(naiveMt.validate!(p.right)));
});
