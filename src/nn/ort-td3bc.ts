/**
 * The TD3+BC update (Fujimoto & Gu 2021, as src/algos/td3bc computes it on tfjs) on ONNX Runtime:
 * TD3's graphs (ort-td3.ts) with the BC-regularised actor objective and normalised states.
 */
import type { AdamOptions } from './adam.ts';
import type { NamedWeight } from './mlp.ts';
import { OrtTd3, td3StepGraph, type OrtTd3Hyper } from './ort-td3.ts';

export type { OrtBatch } from './ort-td3.ts';

export interface OrtTd3BcHyper extends OrtTd3Hyper {
  readonly alpha: number;
}

export const td3bcStepGraph = (obsDim: number, actDim: number, h: OrtTd3BcHyper, adam: Pick<AdamOptions, 'beta1' | 'beta2'>, withActor: boolean) =>
  td3StepGraph(obsDim, actDim, h, adam, withActor, { alpha: h.alpha });

/** TD3+BC's networks and optimizer state on ORT; weights() names them as Td3Bc.weights() does. */
export class OrtTd3Bc extends OrtTd3 {
  constructor(
    obsDim: number,
    actDim: number,
    override readonly hyper: OrtTd3BcHyper,
    /** Td3Bc.weights(): actor/, critic/, actorTarget/, criticTarget/ and stateNorm/{mean,std}. */
    initial: readonly NamedWeight[],
  ) {
    super(obsDim, actDim, hyper, initial, { alpha: hyper.alpha });
  }
}
