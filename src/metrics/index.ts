export * from './statistics.ts';
export * from './learning-curves.ts';
