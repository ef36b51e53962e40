// The learning stages: typed operators from one record to the next, each backed by a job.
export * from './train-behavior.ts';
export * from './collect-datasets.ts';
export * from './train-teacher.ts';
export * from './distill.ts';
export * from './train-naive-mt.ts';
export * from './evaluate.ts';
export * from './returns-over-seeds.ts';
export * from './shift-datasets.ts';
export * from './train-distral.ts';
export * from './datasets-from.ts';
export * from './dataset-choice.ts';
export * from './measure-sharing.ts';
export * from './train-mt-dqn.ts';
export * from './train-ot-maze.ts';
export * from './share-data.ts';
export * from './ranking-regularizer.ts';
export * from './train-mt-ddpg.ts';
