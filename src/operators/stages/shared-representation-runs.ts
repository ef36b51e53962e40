import { join } from 'node:path';
import type { RunContext } from '../context.ts';

/**
 * What the trainMtDqn and trainMtDdpg stages share: a run's job input (the same fields in the same
 * order, so stage-cache keys are those of the stages written separately), its datasets folder
 * `<datasetsDir>/<method>-<tasks>/` and its display.
 */
export interface SharedRepresentationRunSpec {
  /** Names the run in progress bars, metric tags, dataset folders (`mt-dqn`, `dqn`, `transfer`…). */
  readonly method: string;
  readonly tasks: readonly { readonly env: string; readonly task: string }[];
}

export interface SharedRepresentationRunParams<H> {
  readonly hyper: H;
  readonly steps: number;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
}

const slug = (env: string): string => env.replace(/^classic\//, '').replaceAll('/', '-');

/** The job input of one run; `extra` fields go after the budget, before the seed. Every run of one context takes the seed of RNG `seedStream`. */
export const sharedRepresentationRunInput = <H, X extends object>(spec: SharedRepresentationRunSpec, p: SharedRepresentationRunParams<H>, ctx: RunContext, seedStream: string, extra: X) => ({
  tasks: spec.tasks.map((x) => ({ env: x.env, task: x.task })),
  hyper: p.hyper,
  steps: p.steps,
  evalEvery: p.evalEvery,
  evalEpisodes: p.evalEpisodes,
  ...extra,
  seed: ctx.rng.split(seedStream).seed(),
  backend: ctx.backend.preference,
  metricsEvery: Math.max(1, Math.floor(p.steps / 50)),
  datasetsDir: join(ctx.datasetsDir, `${spec.method}-${spec.tasks.map((x) => slug(x.env)).join('+')}`),
  pipeline: ctx.pipeline,
});

export const sharedRepresentationRunDisplay = (spec: SharedRepresentationRunSpec) => ({
  id: `${spec.method}/${spec.tasks.map((x) => x.env).join('+')}`,
  label: `${spec.method} ${spec.tasks.map((x) => slug(x.env)).join('+')}`,
  tags: { method: spec.method },
});
