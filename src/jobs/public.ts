// What of the jobs layer a pipeline may use: typed job references and their input/output records.
export * from './refs.ts';
export type { TrainBehaviorInput, TrainBehaviorOutput, Snapshot } from './train-behavior.ts';
export type { TrainTeacherInput, TrainTeacherOutput, TeacherAlgo } from './train-teacher.ts';
export type { DistillInput, DistillOutput } from './distill.ts';
export type { TrainNaiveMtInput, TrainNaiveMtOutput } from './train-naive-mt.ts';
export type { TrainOtSacInput, TrainOtSacOutput, SharingMode } from './train-ot-sac.ts';
export type { OtDistralInput, OtDistralOutput } from './ot-distral.ts';
export type { TrainOtDistralNeuralInput, TrainOtDistralNeuralOutput } from './train-ot-distral-neural.ts';
export type { OtSharingOptions } from './ot-sharing.ts';
export type { TrainMtDqnInput, TrainMtDqnOutput } from './train-mt-dqn.ts';
export type { TrainMtDdpgInput, TrainMtDdpgOutput } from './train-mt-ddpg.ts';
