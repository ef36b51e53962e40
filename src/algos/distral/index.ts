export * from './config.ts';
export * from './mdp.ts';
export * from './exact.ts';
export * from './learner.ts';
export * from './train.ts';
export * from './from-env.ts';
export { TabularEnv } from './tabular-env.ts';
export { randomTabularMdp } from './random-mdp.ts';
export { logSumExp, softmaxInto, priorTerm } from './softmax.ts';
