import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom } from 'rxjs';
import { Rng } from '../../src/core/rng.ts';
import { newDatasetMetadata, openDatasetReader } from '../../src/data/index.ts';
import { acrobot } from '../../src/envs/classic/acrobot.ts';
import { carOnHill } from '../../src/envs/classic/car-on-hill.ts';
import { cartPole } from '../../src/envs/classic/cartpole.ts';
import { mountainCar } from '../../src/envs/classic/mountain-car.ts';
import { twoRoom } from '../../src/envs/grid/two-room.ts';
import { pointMassMaze } from '../../src/envs/pointmass/pointmass-env.ts';
import { T_MAZE } from '../../src/envs/pointmass/maze.ts';
import { uniformRandom } from '../../src/envs/policies/uniform-random.ts';
import type { Env } from '../../src/envs/types.ts';
import { persist, rollouts } from '../../src/operators/index.ts';
import { main } from '../../src/cli/main.ts';
import { sideViewEpisodeSvg } from '../../src/report/side-view-svg.ts';
import { topDownEpisodeSvg } from '../../src/report/top-down-svg.ts';
import { captureIO } from '../helpers/io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'distillery-top-down-'));

const write = async (env: Env, path: string, episodes: number): Promise<void> => {
  const metadata = newDatasetMetadata({ envId: env.id, envConfig: {}, tasks: [env.task], behaviorPolicy: 'uniform random', seed: 1, observationSpace: env.observationSpace, actionSpace: env.actionSpace, pipeline: 'test' });
  await lastValueFrom(rollouts(env, uniformRandom(env.actionSpace), { episodes, rng: Rng.fromSeed(1), recordPhysics: true }).pipe(persist(path, metadata)), { defaultValue: undefined });
};

/** The physics rows of episode 0 (before each step) and the last next_physics. */
const episodeStates = async (path: string): Promise<number[][]> => {
  const r = await openDatasetReader(path)();
  if (E.isLeft(r)) throw new Error(r.left.message);
  const rows: number[][] = [];
  let last: number[] = [];
  for await (const b of r.right.batches()) {
    const d = b.physics!.state.length / b.size;
    for (let i = 0; i < b.size; i++)
      if (b.episode[i] === 0) {
        rows.push(Array.from(b.physics!.state.slice(i * d, (i + 1) * d)));
        last = Array.from(b.physics!.nextState.slice(i * d, (i + 1) * d));
      }
  }
  await r.right.close();
  return [...rows, last];
};

const animated = (svg: string, attribute: string): number[] => {
  const m = svg.match(new RegExp(`<animate attributeName="${attribute}"[^>]*values="([^"]*)"`));
  assert.ok(m, `no ${attribute} animation`);
  return m[1].split(';').map(Number);
};

const animate = async (...argv: string[]) => {
  const io = captureIO();
  const code = await main(['animate', ...argv], io);
  return { code, out: io.out(), err: io.err() };
};

test('animate a point-mass episode: the dot follows (x, y) of every state, y up, inside the maze frame', async () => {
  const file = join(tmp, 'pointmass.arrow');
  await write(pointMassMaze.make('left', { maxEpisodeSteps: 25 }, 1), file, 2);
  const out = join(tmp, 'pm.svg');
  const r = await animate(file, '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /point mass left, episode 0, 25 steps/);
  const svg = readFileSync(out, 'utf8');
  const states = await episodeStates(file);
  const cx = animated(svg, 'cx');
  const cy = animated(svg, 'cy');
  assert.equal(cx.length, 26);
  // 480 px wide, 12 px margins: 45.6 px per arena unit; the arena's top (y = 8) at 48 px
  const scale = (480 - 24) / (T_MAZE.arena.xmax - T_MAZE.arena.xmin);
  states.forEach(([x, y], k) => {
    assert.ok(Math.abs(cx[k] - (12 + (x - T_MAZE.arena.xmin) * scale)) <= 0.05, `x at ${k}`);
    assert.ok(Math.abs(cy[k] - (48 + (T_MAZE.arena.ymax - y) * scale)) <= 0.05, `y at ${k}`);
  });
  // both goals, this task's in bold; the walls
  assert.match(svg, /font-weight="bold">left</);
  assert.match(svg, /font-weight="normal">right</);
  assert.equal((svg.match(/fill="#444"/g) ?? []).length, T_MAZE.walls.length);
});

test('animate a grid episode: the dot moves cell to cell (centres of [row, col]), walls drawn, every k-th frame', async () => {
  const file = join(tmp, 'grid.arrow');
  await write(twoRoom.make('middle', { maxEpisodeSteps: 12 }, 1), file, 1);
  const out = join(tmp, 'grid.svg');
  const r = await animate(file, '--out', out, '--every', '5');
  assert.equal(r.code, 0, r.err);
  const svg = readFileSync(out, 'utf8');
  const states = await episodeStates(file);
  const cx = animated(svg, 'cx');
  const frames = [0, 5, 10, states.length - 1];
  assert.equal(cx.length, frames.length);
  const layout = twoRoom.spec.layout;
  const W = Math.min(640, 40 * layout.cols + 24);
  const scale = (W - 24) / layout.cols;
  frames.forEach((k, i) => assert.ok(Math.abs(cx[i] - (12 + (states[k][1] + 0.5) * scale)) <= 0.05, `col at ${k}`));
  const walls = Array.from(layout.free).filter((f) => f === 0).length;
  assert.equal((svg.match(/fill="#444"/g) ?? []).length, walls);
  assert.match(svg, /keyTimes=/); // the last gap is shorter than 5 steps
});

test('animate classic control from the side: cartpole pole from the cart at angle θ (length 2l), acrobot links from the pivot, mountain car on its hill', async () => {
  const draw = async (env: Env, name: string) => {
    const file = join(tmp, `${name}.arrow`);
    await write(env, file, 1);
    const out = join(tmp, `${name}.svg`);
    const r = await animate(file, '--out', out);
    assert.equal(r.code, 0, r.err);
    return { svg: readFileSync(out, 'utf8'), states: await episodeStates(file), out: r.out };
  };
  // world → pixels as the renderer maps it: 480 px wide, 12 px margins, y up from 48 px
  const mapper = (b: { xmin: number; xmax: number; ymax: number }) => {
    const s = (480 - 24) / (b.xmax - b.xmin);
    return { x: (x: number) => 12 + (x - b.xmin) * s, y: (y: number) => 48 + (b.ymax - y) * s };
  };
  const cp = await draw(cartPole.make('default', { maxEpisodeSteps: 30 }, 1), 'cartpole');
  assert.match(cp.out, /cartpole default, episode 0/);
  const m = mapper({ xmin: -2.7, xmax: 2.7, ymax: 1.3 });
  const x2 = animated(cp.svg, 'x2');
  const y2 = animated(cp.svg, 'y2');
  assert.equal(x2.length, cp.states.length);
  cp.states.forEach(([x, , theta], k) => {
    assert.ok(Math.abs(x2[k] - m.x(x + Math.sin(theta))) <= 0.05, `pole tip x at ${k}`);
    assert.ok(Math.abs(y2[k] - m.y(Math.cos(theta))) <= 0.05, `pole tip y at ${k}`);
  });
  const ac = await draw(acrobot.make('default', { maxEpisodeSteps: 10 }, 1), 'acrobot');
  const a = mapper({ xmin: -2.2, xmax: 2.2, ymax: 2.2 });
  const [t1, t2] = ac.states[3];
  const tips = [...ac.svg.matchAll(/<animate attributeName="x2"[^>]*values="([^"]*)"/g)].map((g) => g[1].split(';').map(Number));
  assert.equal(tips.length, 2);
  assert.ok(Math.abs(tips[1][3] - a.x(Math.sin(t1) + Math.sin(t1 + t2))) <= 0.05);
  const mc = await draw(mountainCar.make('default', { maxEpisodeSteps: 10 }, 1), 'mountain-car');
  const cy = animated(mc.svg, 'cy');
  const hm = mapper({ xmin: -1.2, xmax: 0.6, ymax: 1.15 });
  mc.states.forEach(([p], k) => assert.ok(Math.abs(cy[k] - hm.y(0.45 * Math.sin(3 * p) + 0.55 + 0.03)) <= 0.05, `car height at ${k}`));
});

test('animate: an env it cannot draw is one line, exit 1; the renderers refuse non-finite positions', async () => {
  const file = join(tmp, 'car-on-hill.arrow');
  await write(carOnHill.make('default', {}, 1), file, 1);
  const r = await animate(file);
  assert.equal(r.code, 1);
  assert.match(r.err, /animate draws walker, grid, point-mass, cartpole, acrobot, mountain-car and pendulum datasets, not "classic\/car-on-hill"/);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.throws(() => topDownEpisodeSvg({ title: 't', bounds: { xmin: 0, xmax: 1, ymin: 0, ymax: 1 }, yUp: true, boxes: [], markers: [], x: [0, Number.NaN], y: [0, 0], dt: 0.1 }), /position 1 is not finite/);
  assert.throws(() => sideViewEpisodeSvg({ title: 't', bounds: { xmin: 0, xmax: 1, ymin: 0, ymax: 1 }, backdrop: [], frames: [{ lines: [[0, 0, 1, Number.POSITIVE_INFINITY]], dots: [] }], dt: 0.1 }), /not finite/);
});
