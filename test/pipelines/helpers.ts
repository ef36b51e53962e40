import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadPipeline, runPipeline, type PipelineEvent, type RunOptions } from '../../src/pipeline/index.ts';
import { captureIO } from '../helpers/io.ts';

export const scratch = (name: string): string => mkdtempSync(join(tmpdir(), `distillery-${name}-`));

/** Tiny budgets: every MOP-family stage runs, in seconds. */
export const TINY_MOP = [
  'seeds=1',
  'behavior.steps=200',
  'behavior.learningStarts=100',
  'behavior.hidden=[16,16]',
  'behavior.batchSize=32',
  'teacher.hidden=[16,16]',
  'teacher.batchSize=32',
  'student.hidden=[16,16]',
  'student.batchSize=32',
  'behavior.evalEvery=100',
  'behavior.evalEpisodes=1',
  'data.episodes=2',
  'teacher.steps=20',
  'student.steps=20',
  'evaluation.episodes=2',
  'envConfig.maxEpisodeSteps=40',
];

export interface Ran {
  readonly status: string;
  readonly results: Record<string, any>;
  readonly events: PipelineEvent[];
  readonly dir: string;
}

/** Runs a built-in pipeline by name, jobs in this thread unless told otherwise; fails the test on a Left. */
export const runBuiltin = async (name: string, overrides: readonly string[], options: Partial<RunOptions> & { dir?: string } = {}): Promise<Ran> => {
  const pipeline = await loadPipeline(name)();
  if (E.isLeft(pipeline)) throw new Error(pipeline.left.message);
  const io = captureIO();
  const events: PipelineEvent[] = [];
  const dir = options.dir ?? join(scratch(name), 'run');
  const r = await runPipeline(pipeline.right, {
    overrides,
    out: dir,
    stdout: io.stdout,
    stderr: io.stderr,
    jobThread: 'main',
    ...options,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  if (E.isLeft(r)) throw new Error(`${name}: ${r.left.message}`);
  return { status: r.right.status, results: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), events, dir };
};
