export * from './statistics.ts';
export * from './learning-curves.ts';
export * from './kendall-tau.ts';
