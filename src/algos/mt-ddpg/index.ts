export * from './mt-ddpg.ts';
