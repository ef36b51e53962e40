export * from './mt-dqn.ts';
