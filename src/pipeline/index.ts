export * from './define.ts';
export * from './events.ts';
export * from './runner.ts';
export * from './load.ts';
export { ProgressRenderer, formatTable } from './progress-renderer.ts';
export * from './param-help.ts';
