export * from './statistics.ts';
export * from './learning-curves.ts';
export * from './bootstrap.ts';
export * from './area-under-curve.ts';
export * from './shared-computation.ts'; // and kendall-tau.ts, which it re-exports
