/**
 * `distillery job <module-url> <input.json> <output.json> <events.jsonl>`: internal, what a SLURM
 * batch job runs (src/operators/slurm-executor.ts). Loads the job module's default export, runs it
 * on the input, appends each report to events.jsonl as one JSON line, and writes the output as
 * JSON (operators/wire-json.ts) atomically. On failure it writes error.json ({ code, message }) beside the output and
 * returns the error (one line on stderr, exit 1, or 70 for a bug). Relative paths are relative to
 * the working directory (the job's folder).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { writeFileAtomic } from '../../core/atomic-file.ts';
import { distilleryError, errorOf, type DistilleryError } from '../../core/errors.ts';
import type { JobEvent } from '../../core/job.ts';
import { loadJob } from '../../operators/run-job.ts';
import { decodeWire, encodeWire } from '../../operators/wire-json.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

const USAGE = '<module-url> <input.json> <output.json> <events.jsonl>   (internal: what a SLURM job runs)';

export const jobCommand = async (argv: readonly string[], _io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const r = await runJobFiles(argv);
  // A handle a job left open (a timer, a native thread pool) must not keep the SLURM job, and its
  // allocation, alive until its time limit: once the CLI has set the exit code, exit.
  setTimeout(() => process.exit(), 2000).unref();
  return r;
};

const runJobFiles = async (argv: readonly string[]): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('job', argv, {}, { min: 4, max: 4, usage: USAGE });
  if (E.isLeft(args)) return args;
  const [module, inputFile, outputFile, eventsFile] = args.right.positionals;
  const errorFile = join(dirname(resolve(outputFile)), 'error.json');
  const failed = (err: DistilleryError): E.Either<DistilleryError, number> => {
    try {
      writeFileSync(errorFile, JSON.stringify({ code: err.code, message: err.message }) + '\n');
    } catch {
      // stderr still says it
    }
    return E.left(err);
  };
  let input: unknown;
  try {
    input = decodeWire(readFileSync(inputFile, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return failed(
      code === 'ENOENT'
        ? distilleryError('not-found', `${resolve(inputFile)} does not exist on node ${hostname()}: the run directory must be on a filesystem the nodes share`)
        : distilleryError('bad-file', `${resolve(inputFile)}: ${(e as Error).message}`),
    );
  }
  try {
    writeFileSync(eventsFile, '');
    // A user's TypeScript job under the compiled CLI needs tsx (from the sources it is registered).
    if (/\.[cm]?ts$/.test(module) && !import.meta.url.endsWith('.ts')) (await import('tsx/esm/api')).register();
    const job = await loadJob<unknown, unknown>(module);
    const output = await job(input, { report: (event: JobEvent) => appendFileSync(eventsFile, JSON.stringify(event) + '\n') });
    let text: string;
    try {
      text = encodeWire(output, 'output');
    } catch (e) {
      return failed(distilleryError('internal', `${module}: ${errorOf(e).message}`));
    }
    writeFileAtomic(outputFile, text);
    return E.right(0);
  } catch (e) {
    return failed(errorOf(e));
  }
};
