import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../nn/backend.ts';
import { readConfigFile } from '../../pipeline/config-file.ts';
import { loadPipeline } from '../../pipeline/load.ts';
import { pipelineHelp } from '../../pipeline/param-help.ts';
import { typecheckPipelineFile } from '../../pipeline/typecheck.ts';
import { resolve } from 'node:path';
import { runPipeline } from '../../pipeline/runner.ts';
import { intFlag, parseCommandArgs } from '../args.ts';
import { EXECUTOR_FLAGS, EXECUTOR_USAGE, executorFromFlags } from '../executor-flags.ts';
import type { CommandIO } from '../io.ts';

const USAGE = `<pipeline | file.ts> [--set key=value]… [--config file.json|yaml] [--seed N] [--out DIR] [--backend auto|ort|tensorflow|wasm|cpu] [--json] [--resume] [--no-typecheck] ${EXECUTOR_USAGE} [--help]`;

export const runCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs(
    'run',
    argv,
    {
      set: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
      config: { type: 'string' },
      resume: { type: 'boolean' },
      'no-typecheck': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...EXECUTOR_FLAGS,
    },
    { min: 0, max: 1, usage: USAGE },
  );
  if (E.isLeft(args)) return args;
  const help = Boolean(args.right.values.help);
  if (args.right.positionals.length === 0) {
    if (!help) return E.left(distilleryError('invalid-input', `usage: distillery run ${USAGE}`));
    io.stdout.write(`usage: distillery run ${USAGE}\n(distillery pipelines lists the built-in pipelines; distillery run <pipeline> --help its parameters)\n`);
    return E.right(0);
  }
  if (help) {
    const pipeline = await loadPipeline(args.right.positionals[0])();
    if (E.isLeft(pipeline)) return pipeline;
    io.stdout.write(pipelineHelp(pipeline.right) + '\n');
    return E.right(0);
  }
  const config = typeof args.right.values.config === 'string' ? readConfigFile(args.right.values.config) : undefined;
  if (config && E.isLeft(config)) return config;
  const seed = intFlag('seed', args.right.values.seed);
  if (E.isLeft(seed)) return seed;
  const backend = args.right.values.backend ?? 'auto';
  if (!BACKEND_PREFERENCES.includes(backend as BackendPreference))
    return E.left(distilleryError('invalid-input', `--backend: expected one of ${BACKEND_PREFERENCES.join(', ')}, got "${String(backend)}"`));
  const executor = executorFromFlags(args.right.values, typeof args.right.values.out === 'string' ? args.right.values.out : undefined, (line) => io.stderr.write(line + '\n'));
  if (E.isLeft(executor)) return executor;
  const target = args.right.positionals[0];
  if (/\.[cm]?ts$/.test(target) && !args.right.values['no-typecheck']) {
    const checked = await typecheckPipelineFile(resolve(target));
    if (E.isLeft(checked)) return checked;
    if (!checked.right) io.stderr.write(`note: ${target} was not type-checked (no TypeScript in its project: npm install -D typescript, or distillery init)\n`);
  }
  const pipeline = await loadPipeline(target)();
  if (E.isLeft(pipeline)) return pipeline;
  const fromRun = config?.right.pipeline;
  if (fromRun !== undefined && fromRun !== pipeline.right.name)
    return E.left(distilleryError('invalid-input', `--config ${String(args.right.values.config)}: holds the parameters of pipeline "${fromRun}", not "${pipeline.right.name}"`));
  const runSeed = seed.right ?? config?.right.seed;

  const controller = new AbortController();
  // SIGINT (Ctrl-C) and SIGTERM (kill, a scheduler's time limit) stop the run cleanly; a second Ctrl-C forces.
  const onSigint = (): void => {
    io.stderr.write('\ninterrupted: stopping cleanly (Ctrl-C again to force)\n');
    process.off('SIGINT', onSigint);
    controller.abort();
  };
  const onSigterm = (): void => {
    io.stderr.write('\nterminated: stopping cleanly\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  try {
    const outcome = await runPipeline(pipeline.right, {
      overrides: (args.right.values.set as string[] | undefined) ?? [],
      ...(config ? { config: config.right.params } : {}),
      ...(runSeed !== undefined ? { seed: runSeed } : {}),
      ...(typeof args.right.values.out === 'string' ? { out: args.right.values.out } : {}),
      json: Boolean(args.right.values.json),
      resume: Boolean(args.right.values.resume),
      backend: backend as BackendPreference,
      ...(executor.right ? { jobThread: executor.right, runInfo: { executor: 'slurm' } } : {}),
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal ?? controller.signal,
    });
    if (E.isLeft(outcome)) return outcome;
    return E.right(outcome.right.status === 'completed' ? 0 : 130);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
};
