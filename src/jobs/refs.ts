/**
 * Typed references to the jobs (each module's default export), for `runJob` and the stage
 * operators. Nothing here loads a job module: the thread that runs a job imports it.
 */
import { jobRef, moduleUrl } from '../core/job.ts';

const here = (name: string) => moduleUrl(`./${name}`, import.meta.url);

export const trainBehaviorJobRef = jobRef<typeof import('./train-behavior.ts')>(here('train-behavior'));
export const trainTeacherJobRef = jobRef<typeof import('./train-teacher.ts')>(here('train-teacher'));
export const distillJobRef = jobRef<typeof import('./distill.ts')>(here('distill'));
export const trainNaiveMtJobRef = jobRef<typeof import('./train-naive-mt.ts')>(here('train-naive-mt'));
export const trainOtSacJobRef = jobRef<typeof import('./train-ot-sac.ts')>(here('train-ot-sac'));
export const otDistralJobRef = jobRef<typeof import('./ot-distral.ts')>(here('ot-distral'));
export const trainOtDistralNeuralJobRef = jobRef<typeof import('./train-ot-distral-neural.ts')>(here('train-ot-distral-neural'));
export const trainMtDqnJobRef = jobRef<typeof import('./train-mt-dqn.ts')>(here('train-mt-dqn'));
export const trainMtDdpgJobRef = jobRef<typeof import('./train-mt-ddpg.ts')>(here('train-mt-ddpg'));
