import type { Benchmark } from './types.ts';

/** Every benchmark `distillery bench` knows, loaded lazily so one broken import does not hide the rest. */
export const benchmarkLoaders: Readonly<Record<string, () => Promise<Benchmark>>> = {
  arrow: async () => (await import('./arrow.ts')).benchmark,
  distill: async () => (await import('./distill.ts')).benchmark,
  sinkhorn: async () => (await import('./sinkhorn.ts')).benchmark,
  pbrl: async () => (await import('./pbrl.ts')).benchmark,
  td3bc: async () => (await import('./td3bc.ts')).benchmark,
  'sac-discrete': async () => (await import('./sac-discrete.ts')).benchmark,
  'mt-dqn': async () => (await import('./mt-dqn.ts')).benchmark,
  td3: async () => (await import('./td3.ts')).benchmark,
  walker: async () => (await import('./walker.ts')).benchmark,
  'cli-startup': async () => (await import('./cli-startup.ts')).benchmark,
};
