import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { applyOverrides, decode } from '../../core/codecs.ts';
import { distilleryError, errorOf, type DistilleryError } from '../../core/errors.ts';
import { readSmallTextFile } from '../../core/files.ts';
import type { Space } from '../../core/spaces.ts';
import { getEnv, prepareEnv } from '../../envs/index.ts';
import type { Action, MultiTaskEnv } from '../../envs/types.ts';
import { intFlag, parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/**
 * Steps an env from a seed or a given state through a given action sequence, one JSON line per
 * step: the debugging tool, and how an env is compared with a reference implementation.
 */
export const rolloutCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs(
    'rollout',
    argv,
    {
      env: { type: 'string' },
      task: { type: 'string' },
      seed: { type: 'string' },
      'init-state': { type: 'string' },
      actions: { type: 'string' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0, usage: '--env ID --task T --actions FILE [--seed N] [--init-state FILE] [--set key=value]… [--json]' },
  );
  if (E.isLeft(args)) return args;
  const v = args.right.values;
  if (typeof v.env !== 'string') return E.left(distilleryError('invalid-input', 'rollout: --env ID is required (see `distillery envs`)'));
  if (typeof v.actions !== 'string') return E.left(distilleryError('invalid-input', 'rollout: --actions FILE is required (a JSON array of actions)'));
  const found = getEnv(v.env);
  if (E.isLeft(found)) return found;
  const family = await prepareEnv(found.right);
  if (E.isLeft(family)) return family;
  const task = typeof v.task === 'string' ? v.task : family.right.tasks[0];
  if (!family.right.tasks.includes(task))
    return E.left(distilleryError('not-found', `env ${v.env} has no task "${task}" (tasks: ${family.right.tasks.join(', ')})`));
  const seed = intFlag('seed', v.seed);
  if (E.isLeft(seed)) return seed;
  const overrides = applyOverrides({}, (v.set as string[] | undefined) ?? []);
  if (E.isLeft(overrides)) return overrides;
  const config = decode(family.right.configCodec, overrides.right, `env ${v.env} config`);
  if (E.isLeft(config)) return config;
  const actions = readJson(v.actions, 'actions', MAX_ACTIONS_BYTES);
  if (E.isLeft(actions)) return actions;
  const decodedActions = decodeActions(family.right.actionSpace, actions.right, v.actions);
  if (E.isLeft(decodedActions)) return decodedActions;

  // Before the env: a bad state file is refused without loading a model.
  const initState = typeof v['init-state'] === 'string' ? readJson(v['init-state'], 'init-state', MAX_STATE_BYTES) : undefined;
  if (initState && E.isLeft(initState)) return initState;
  let env: ReturnType<MultiTaskEnv['make']>;
  try {
    // make throws a DistilleryFailure for a config it cannot build (a missing model= file): user input, exit 1.
    env = family.right.make(task, config.right, seed.right ?? 0);
    env.reset(seed.right ?? 0);
  } catch (e) {
    return E.left(errorOf(e));
  }
  if (initState && typeof v['init-state'] === 'string') {
    const json = initState;
    if (E.isLeft(json)) return json;
    const state = stateFromJson(family.right, env.stateDim, json.right, v['init-state']);
    if (E.isLeft(state)) return state;
    env.setState(state.right);
  }
  for (const action of decodedActions.right) {
    const r = env.step(action);
    const line = { observation: Array.from(r.observation), reward: r.reward, terminated: r.terminated, truncated: r.truncated };
    io.stdout.write((v.json ? JSON.stringify(line) : formatStep(line)) + '\n');
    if (r.terminated || r.truncated) break;
  }
  return E.right(0);
};

/** Limits on the JSON files read whole: 1000 steps of 6 actions are ~100 KB, a state a few KB. */
const MAX_ACTIONS_BYTES = 64 * 1024 * 1024;
const MAX_STATE_BYTES = 1024 * 1024;

/** A JSON file given by a flag: a regular file of at most `maxBytes` (a FIFO or /dev/zero is refused, not waited on). */
const readJson = (file: string, flag: string, maxBytes: number): E.Either<DistilleryError, unknown> => {
  const text = readSmallTextFile(file, `--${flag} ${file}`, maxBytes);
  if (E.isLeft(text)) return text;
  try {
    return E.right(JSON.parse(text.right));
  } catch (e) {
    return E.left(distilleryError('invalid-input', `--${flag} ${file}: not valid JSON (${(e as Error).message})`));
  }
};

const decodeActions = (space: Space, json: unknown, file: string): E.Either<DistilleryError, Action[]> => {
  if (space.kind === 'discrete') {
    const codec = t.array(t.number);
    const d = decode(codec, json, `--actions ${file}`);
    if (E.isLeft(d)) return d;
    const bad = d.right.findIndex((a) => !Number.isInteger(a) || a < 0 || a >= space.n);
    return bad >= 0
      ? E.left(distilleryError('invalid-input', `--actions ${file}: action ${bad} is ${d.right[bad]}, expected an integer in [0, ${space.n})`))
      : E.right(d.right);
  }
  const d = decode(t.array(t.array(t.number)), json, `--actions ${file}`);
  if (E.isLeft(d)) return d;
  const bad = d.right.findIndex((a) => a.length !== space.shape[0]);
  return bad >= 0
    ? E.left(distilleryError('invalid-input', `--actions ${file}: action ${bad} has ${d.right[bad].length} values, expected ${space.shape[0]}`))
    : E.right(d.right.map((a) => Float32Array.from(a)));
};

const stateFromJson = (family: MultiTaskEnv, stateDim: number, json: unknown, file: string): E.Either<DistilleryError, Float64Array> => {
  if (family.stateFromJson) return family.stateFromJson(json, `--init-state ${file}`);
  const d = decode(t.array(t.number), json, `--init-state ${file}`);
  if (E.isLeft(d)) return d;
  return d.right.length === stateDim
    ? E.right(Float64Array.from(d.right))
    : E.left(distilleryError('invalid-input', `--init-state ${file}: expected ${stateDim} state values, got ${d.right.length}`));
};

const formatStep = (s: { observation: number[]; reward: number; terminated: boolean; truncated: boolean }): string =>
  `reward ${s.reward.toFixed(4)}${s.terminated ? ' terminated' : ''}${s.truncated ? ' truncated' : ''}  obs [${s.observation.map((x) => x.toFixed(3)).join(', ')}]`;
