// The package's main entry: the data model, envs, datasets, optimal transport, operators and pipelines.
export * from './core/index.ts';
export * from './envs/index.ts';
export * from './data/index.ts';
export * from './ot/index.ts';
export * from './operators/index.ts';
export * from './pipeline/index.ts';
export * from './report/index.ts';
export * from './metrics/index.ts';
export * from './jobs/public.ts';
export * as nn from './nn/index.ts';
export * as algos from './algos/index.ts';
