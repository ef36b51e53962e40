export * from './pbrl.ts';
export * from './targets.ts';
export * from './diagnostics.ts';
