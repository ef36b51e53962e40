import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { Rng } from '../../src/core/rng.ts';
import { getEnv, listEnvs, makeEnv, makeRewardFn, resolveEnv, strictConfig } from '../../src/envs/index.ts';
import { decode, withDefault, PositiveInt } from '../../src/core/codecs.ts';

const IDS = [
  'grid/fig61',
  'grid/two-room',
  'grid/zigzag',
  'grid/separated',
  'pointmass/maze',
  'walker',
  'classic/cartpole',
  'classic/acrobot',
  'classic/mountain-car',
  'classic/mountain-car-continuous',
  'classic/pendulum',
  'classic/car-on-hill',
  'classic/inverted-pendulum-lp',
  'mujoco/inverted-pendulum',
  'mujoco/inverted-double-pendulum',
  'mujoco/cartpole-swingup',
];

const leftMessage = <A>(r: E.Either<{ code: string; message: string }, A>): { code: string; message: string } => {
  assert.ok(E.isLeft(r), 'expected an error');
  assert.ok(!r.left.message.includes('\n'), 'one line');
  return r.left;
};

test('listEnvs/getEnv: every family, with tasks and a description', () => {
  assert.deepEqual(listEnvs().map((e) => e.id), IDS);
  for (const id of IDS) {
    const env = E.getOrElseW(() => assert.fail(id))(getEnv(id));
    assert.equal(env.id, id);
    // Gymnasium's classic-control and MuJoCo pendulum envs are single-task (`default`); every other family is multi-task.
    assert.ok(id.startsWith('classic/') || id.startsWith('mujoco/') ? env.tasks.length === 1 && env.tasks[0] === 'default' : env.tasks.length >= 2);
    assert.ok(env.description.length > 10);
  }
  const e = leftMessage(getEnv('grid/fig62'));
  assert.equal(e.code, 'not-found');
  for (const id of IDS) assert.ok(e.message.includes(id), e.message);
});

test('makeEnv: unknown env, missing or unknown task', () => {
  assert.equal(leftMessage(makeEnv('mujoco/walker', { task: 'walk' }, 0)).code, 'not-found');
  const unknown = leftMessage(makeEnv('grid/separated', { task: 'middle' }, 0));
  assert.equal(unknown.code, 'not-found');
  assert.match(unknown.message, /unknown task "middle" \(tasks: top-left, top-right, bottom-left, bottom-right\)/);
  assert.match(leftMessage(makeEnv('pointmass/maze', {}, 0)).message, /no task given \(tasks: left, right\)/);
  assert.match(leftMessage(makeEnv('pointmass/maze', { task: 3 }, 0)).message, /unknown task 3/);
});

test('makeEnv: config decoded with defaults; bad values and unknown keys name the field', () => {
  const ok = makeEnv('grid/two-room', { task: 'middle', maxEpisodeSteps: 30, observation: 'xy' }, 0);
  assert.ok(E.isRight(ok));
  assert.equal(ok.right.maxEpisodeSteps, 30);
  assert.equal(ok.right.observe().length, 2);
  const resolved = resolveEnv('grid/zigzag', { task: 'top' });
  assert.ok(E.isRight(resolved));
  assert.deepEqual(resolved.right.config, { observation: 'onehot', maxEpisodeSteps: 200, start: 'random' });
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['grid/fig61', { task: 'down', observation: 'pixels' }, /grid\/fig61 config: observation: expected one of "onehot", "xy", got "pixels"/],
    ['grid/fig61', { task: 'down', maxEpisodeSteps: 0 }, /maxEpisodeSteps: expected a positive integer, got 0/],
    ['grid/two-room', { task: 'middle', maxSteps: 10 }, /maxSteps: unknown field \(known: observation, maxEpisodeSteps\)/],
    ['grid/zigzag', { task: 'top', start: 'anywhere' }, /start: expected "random" or a \[row, col\] pair/],
    ['pointmass/maze', { task: 'left', startNoise: 'big' }, /startNoise: expected a non-negative number, got "big"/],
  ];
  for (const [id, spec, pattern] of bad) {
    const e = leftMessage(makeEnv(id, spec, 0));
    assert.equal(e.code, 'invalid-input');
    assert.match(e.message, pattern);
  }
});

test('makeRewardFn: the same reward as the env, errors like makeEnv', () => {
  const env = E.getOrElseW(() => assert.fail())(makeEnv('pointmass/maze', { task: 'right', rewardScale: 3 }, 0));
  const reward = E.getOrElseW(() => assert.fail())(makeRewardFn('pointmass/maze', { task: 'right', rewardScale: 3 }));
  const rng = Rng.fromSeed(0);
  for (let i = 0; i < 20; i++) {
    const s = env.getState();
    const a = Float32Array.of(rng.range(-1, 1), 1);
    const r = env.step(a);
    assert.equal(reward(s, a, env.getState()), r.reward);
  }
  assert.match(leftMessage(makeRewardFn('pointmass/maze', { task: 'up' })).message, /tasks: left, right/);
});

test('strictConfig: defaults, unknown keys, non-objects', () => {
  const codec = strictConfig('demo', { steps: withDefault(PositiveInt, 5) });
  assert.deepEqual(decode(codec, {}, 'demo'), E.right({ steps: 5 }));
  assert.deepEqual(decode(codec, undefined, 'demo'), E.right({ steps: 5 }));
  assert.deepEqual(decode(codec, { steps: 2 }, 'demo'), E.right({ steps: 2 }));
  assert.match(leftMessage(decode(codec, { step: 2 }, 'demo')).message, /^demo: step: unknown field \(known: steps\), got 2$/);
  assert.match(leftMessage(decode(codec, [1], 'demo')).message, /expected an object/);
});
