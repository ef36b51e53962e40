import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { Rng } from '../../src/core/rng.ts';
import { newDatasetMetadata } from '../../src/data/index.ts';
import { pointMassMaze } from '../../src/envs/pointmass/pointmass-env.ts';
import { uniformRandom } from '../../src/envs/policies/uniform-random.ts';
import type { Env } from '../../src/envs/types.ts';
import { loadWalkerModel, walkerEnv, WALKER_BODIES } from '../../src/envs/walker/index.ts';
import { persist, rollouts } from '../../src/operators/index.ts';
import { main } from '../../src/cli/main.ts';
import { POSE_VALUES, SEGMENT_VALUES, WALKER_GEOMETRY, WALKER_SEGMENTS, walkerPose, walkerPoses } from '../../src/report/walker-kinematics.ts';
import { frameIndices, walkerAnimationSvg, walkerEpisodeSvg } from '../../src/report/walker-svg.ts';
import { captureIO } from '../helpers/io.ts';

const STATE_DIM = 29;
const tmp = mkdtempSync(join(tmpdir(), 'distillery-walker-svg-'));

before(async () => {
  await walkerEnv.prepare();
});

/** Segment s of a pose as [x0, z0, x1, z1]. */
const segment = (pose: Float64Array, name: (typeof WALKER_SEGMENTS)[number], at = 0): number[] => {
  const s = WALKER_SEGMENTS.indexOf(name);
  return Array.from(pose.subarray(at + s * SEGMENT_VALUES, at + (s + 1) * SEGMENT_VALUES));
};

const close = (a: readonly number[], b: readonly number[], tol = 1e-12) =>
  assert.ok(
    a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= tol),
    `expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`,
  );

describe('walker segment endpoints', () => {
  test('standing straight (qpos = 0): torso vertical above the hips, legs straight down, feet flat on the floor', () => {
    const pose = walkerPose(new Float64Array(9), 0, new Float64Array(POSE_VALUES));
    const g = WALKER_GEOMETRY;
    close(segment(pose, 'torso'), [0, 1.6, 0, 1.0]);
    for (const side of ['right', 'left'] as const) {
      close(segment(pose, `${side}_thigh`), [0, 1.0, 0, 0.55]);
      close(segment(pose, `${side}_leg`), [0, 0.55, 0, 0.05]);
      // The foot's axis runs from 0.04 behind to 0.16 ahead of the ankle at the ankle's height;
      // its radius (0.05) takes its underside exactly to the floor.
      close(segment(pose, `${side}_foot`), [-0.04, 0.05, 0.16, 0.05]);
      assert.ok(Math.abs(segment(pose, `${side}_foot`)[1] - g.footRadius) < 1e-12);
    }
  });

  test('root slides move the whole figure; rooty = π turns it upside down about the torso centre', () => {
    const q = new Float64Array(9);
    q[0] = 0.2;
    q[1] = -3;
    const moved = walkerPose(q, 0, new Float64Array(POSE_VALUES));
    const still = walkerPose(new Float64Array(9), 0, new Float64Array(POSE_VALUES));
    for (let k = 0; k < POSE_VALUES; k += 2) {
      assert.ok(Math.abs(moved[k] - (still[k] - 3)) < 1e-12);
      assert.ok(Math.abs(moved[k + 1] - (still[k + 1] + 0.2)) < 1e-12);
    }
    q.fill(0);
    q[2] = Math.PI;
    const flipped = walkerPose(q, 0, new Float64Array(POSE_VALUES));
    close(segment(flipped, 'torso'), [0, 1.0, 0, 1.6], 1e-12);
    close(segment(flipped, 'right_leg'), [0, 2.05, 0, 2.55], 1e-12);
  });

  test('equal MuJoCo forward kinematics (capsule centre ± half-length along its axis) for random poses', () => {
    const w = loadWalkerModel(null);
    assert.ok(w._tag === 'Right');
    const { mujoco, model } = w.right;
    const data = new mujoco.MjData(model);
    try {
      const geomIds = WALKER_SEGMENTS.map((n) => mujoco.mj_name2id(model, 5 /* mjOBJ_GEOM */, n));
      assert.ok(geomIds.every((id) => id >= 0));
      const size = model.geom_size as Float64Array;
      // The geometry written in the report layer is the compiled model's.
      const g = WALKER_GEOMETRY;
      const expectedSize = [
        [g.torsoRadius, g.torsoHalf],
        [g.thighRadius, g.thighLength / 2],
        [g.legRadius, g.legLength / 2],
        [g.footRadius, g.footHalf],
      ];
      WALKER_SEGMENTS.forEach((_, s) => {
        const [r, h] = expectedSize[s === 0 ? 0 : ((s - 1) % 3) + 1];
        close([size[3 * geomIds[s]], size[3 * geomIds[s] + 1]], [r, h], 1e-15);
      });
      assert.deepEqual([...WALKER_SEGMENTS], [...WALKER_BODIES]);
      const rng = Rng.fromSeed(17);
      const pose = new Float64Array(POSE_VALUES);
      for (let trial = 0; trial < 50; trial++) {
        const qpos = data.qpos as Float64Array;
        qpos[0] = rng.range(-0.5, 0.5);
        qpos[1] = rng.range(-20, 20);
        qpos[2] = rng.range(-Math.PI, Math.PI);
        for (let j = 3; j < 9; j++) qpos[j] = rng.range(-2.5, 2.5);
        mujoco.mj_kinematics(model, data);
        walkerPose(data.qpos as Float64Array, 0, pose);
        const xpos = data.geom_xpos as Float64Array;
        const xmat = data.geom_xmat as Float64Array;
        WALKER_SEGMENTS.forEach((name, s) => {
          const id = geomIds[s];
          const half = size[3 * id + 1];
          // Column 2 of the row-major rotation: the capsule's axis in the world.
          const ax = xmat[9 * id + 2];
          const az = xmat[9 * id + 8];
          const cx = xpos[3 * id];
          const cz = xpos[3 * id + 2];
          close(segment(pose, name), reorder(name, [cx, cz, ax, az, half]), 1e-12);
        });
      }
    } finally {
      data.delete();
    }
  });
});

/**
 * Our endpoint order: body limbs from the joint end (top, the capsule's +axis end) down, the foot
 * from heel (−axis) to toe (+axis).
 */
const reorder = (name: string, [cx, cz, ax, az, half]: number[]): number[] =>
  name.endsWith('foot')
    ? [cx - half * ax, cz - half * az, cx + half * ax, cz + half * az]
    : [cx + half * ax, cz + half * az, cx - half * ax, cz - half * az];

/** Tags balance (a small well-formedness check: every element closed, in order, one root). */
const checkWellFormed = (xml: string): void => {
  const stack: string[] = [];
  let roots = 0;
  const text = xml.replace(/<\?xml[^>]*\?>/, '');
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g)) {
    assert.ok(m[2] !== undefined, `stray "${m[0]}" at ${m.index}: ${text.slice(m.index!, m.index! + 60)}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1);
};

/** The key frames of every pose animation (segment endpoints and camera; not the clock bar). */
const valuesOf = (svg: string): string[][] =>
  [...svg.matchAll(/<animate(?:Transform)? attributeName="(?:x1|y1|x2|y2|transform)"[^>]*values="([^"]*)"/g)].map((m) => m[1].split(';'));

/** States of one walker episode under uniform random actions: (steps + 1) rows. */
const randomEpisodeStates = (steps: number, seed: number): Float64Array => {
  const env = walkerEnv.make('walk', { maxEpisodeSteps: steps }, seed);
  const rng = Rng.fromSeed(seed);
  const states = new Float64Array((steps + 1) * STATE_DIM);
  states.set(env.getState(), 0);
  for (let t = 1; t <= steps; t++) {
    env.step(Float32Array.from({ length: 6 }, () => rng.range(-1, 1)));
    states.set(env.getState(), t * STATE_DIM);
  }
  env.close();
  return states;
};

describe('walker animation SVG', () => {
  test('is well-formed and has one key frame per control step', () => {
    const states = randomEpisodeStates(60, 3);
    const svg = walkerEpisodeSvg(states, 61, STATE_DIM, 0, { title: 'a <walker> & its "episode"' });
    checkWellFormed(svg);
    const all = valuesOf(svg);
    // 7 segments × 4 coordinates, plus the camera.
    assert.equal(all.length, 7 * 4 + 1);
    for (const v of all) assert.equal(v.length, 61);
    assert.match(svg, /dur="1.5s"/);
    assert.doesNotMatch(svg, /keyTimes/);
    assert.match(svg, /a &lt;walker&gt; &amp; its "episode"/);
    // The first key frame is the pose drawn statically (viewers without SMIL show it).
    const poses = walkerPoses(states, 1, STATE_DIM);
    const torsoTopX = Math.round(110 * poses[0] * 10) / 10;
    assert.ok(svg.includes(`x1="${torsoTopX}"`));
  });

  test('every k-th step: frames 0, k, 2k, … and the last, at their real times', () => {
    assert.deepEqual(frameIndices(11, 4), [0, 4, 8, 10]);
    assert.deepEqual(frameIndices(9, 4), [0, 4, 8]);
    assert.deepEqual(frameIndices(1, 3), [0]);
    assert.throws(() => frameIndices(5, 0));
    const states = randomEpisodeStates(10, 4);
    const svg = walkerEpisodeSvg(states, 11, STATE_DIM, 0, { every: 4 });
    checkWellFormed(svg);
    for (const v of valuesOf(svg)) assert.equal(v.length, 4);
    const keyTimes = [...svg.matchAll(/keyTimes="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(keyTimes.length, 7 * 4 + 1);
    for (const k of keyTimes) assert.equal(k, '0;0.4;0.8;1');
  });

  test('a single pose is a still picture', () => {
    const svg = walkerAnimationSvg(walkerPose(new Float64Array(9), 0, new Float64Array(POSE_VALUES)), 1);
    checkWellFormed(svg);
    assert.equal(valuesOf(svg).length, 0);
    assert.equal([...svg.matchAll(/stroke-linecap="round"/g)].length, 7);
  });
});

describe('distillery animate', () => {
  const run = async (...argv: string[]) => {
    const io = captureIO();
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };
  const expectOneLineError = (r: { code: number; err: string }, pattern: RegExp) => {
    assert.notEqual(r.code, 0);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, `one line expected, got:\n${r.err}`);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.err, /\n\s+at /);
  };
  const write = async (env: Env, path: string, episodes: number, recordPhysics = true) => {
    const metadata = newDatasetMetadata({
      envId: env.id,
      envConfig: {},
      tasks: [env.task],
      behaviorPolicy: 'uniform random',
      seed: 1,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      pipeline: 'test',
    });
    await lastValueFrom(rollouts(env, uniformRandom(env.actionSpace), { episodes, rng: Rng.fromSeed(1), recordPhysics }).pipe(persist(path, metadata)), {
      defaultValue: undefined,
    });
  };
  const walkerFile = join(tmp, 'walker.arrow');
  const noPhysics = join(tmp, 'walker-no-physics.arrow');
  const pointmass = join(tmp, 'pointmass.arrow');
  const ready = (async () => {
    await walkerEnv.prepare();
    await write(walkerEnv.make('stand', { maxEpisodeSteps: 30 }, 1), walkerFile, 3);
    await write(walkerEnv.make('stand', { maxEpisodeSteps: 30 }, 1), noPhysics, 1, false);
    const pm = pointMassMaze.make(pointMassMaze.tasks[0], {}, 1);
    await write(pm, pointmass, 1);
  })();

  test('draws the chosen episode, one frame per step plus the final state', async () => {
    await ready;
    const out = join(tmp, 'ep2.svg');
    const r = await run('animate', walkerFile, '--episode', '2', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /episode 2, 30 steps/);
    const svg = readFileSync(out, 'utf8');
    checkWellFormed(svg);
    for (const v of valuesOf(svg)) assert.equal(v.length, 31);
    const every = await run('animate', walkerFile, '--every', '10', '--out', join(tmp, 'ep0.svg'));
    assert.equal(every.code, 0, every.err);
    for (const v of valuesOf(readFileSync(join(tmp, 'ep0.svg'), 'utf8'))) assert.equal(v.length, 4);
  });

  test('bad input is one line and a non-zero exit', async () => {
    await ready;
    expectOneLineError(await run('animate', noPhysics), /no physics column/);
    expectOneLineError(await run('animate', walkerFile, '--episode', '9'), /no episode 9 of task stand \(episodes: 0–2\)/);
    expectOneLineError(await run('animate', walkerFile, '--task', 'walk'), /no task "walk" \(tasks: stand\)/);
    expectOneLineError(await run('animate', walkerFile, '--episode', 'x'), /--episode: expected a non-negative integer/);
    expectOneLineError(await run('animate', walkerFile, '--every', '0'), /--every/);
    expectOneLineError(await run('animate', join(tmp, 'missing.arrow')), /no such file/);
    expectOneLineError(await run('animate'), /usage: distillery animate/);
    expectOneLineError(await run('animate', walkerFile, '--out', join(tmp, 'no-dir', 'x.svg')), /cannot write/);
    assert.ok(!existsSync(join(tmp, 'no-dir')));
  });
});
