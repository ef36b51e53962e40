/**
 * ONNX Runtime (onnxruntime-node, CPU) as a synchronous step function. The package's public
 * `InferenceSession.run` wraps a synchronous native call in a Promise and a setImmediate; training
 * loops here are synchronous (one step = one call), so we call the native session directly. That
 * is the package's internal `dist/binding.js`: the dependency is pinned to an exact version
 * (package.json) and the ORT tests exercise this path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serializeModel, type OnnxGraph } from './onnx-proto.ts';

const moduleRequire = createRequire(import.meta.url);

interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}
type TensorConstructor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: object): Record<string, OrtTensor>;
  endProfiling(): void;
  dispose(): void;
}
interface OrtModules {
  readonly Tensor: TensorConstructor;
  readonly newSession: () => NativeSession;
  readonly version: string;
}

let loaded: OrtModules | null | undefined;
let loadError = '';

/** onnxruntime-node, or undefined when it cannot load on this machine (then `ortLoadError` says why). */
export const loadOrt = (): OrtModules | undefined => {
  if (loaded !== undefined) return loaded ?? undefined;
  try {
    const common = moduleRequire('onnxruntime-common') as { Tensor: TensorConstructor };
    const binding = moduleRequire('onnxruntime-node/dist/binding.js') as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt: () => void;
    };
    binding.initOrt();
    const version = (moduleRequire('onnxruntime-node/package.json') as { version: string }).version;
    loaded = { Tensor: common.Tensor, newSession: () => new binding.binding.InferenceSession(), version };
  } catch (e) {
    loadError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    loaded = null;
  }
  return loaded ?? undefined;
};

export const ortAvailable = (): boolean => loadOrt() !== undefined;

/** Whether onnxruntime-node's native binding for this platform is installed (without loading it). */
export const ortInstalled = (): boolean => {
  if (loaded !== undefined) return loaded !== null;
  try {
    const root = path.dirname(moduleRequire.resolve('onnxruntime-node/package.json'));
    return existsSync(path.join(root, 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node'));
  } catch {
    return false;
  }
};
export const ortLoadError = (): string => loadError;

/**
 * One intra-op thread (the machine is shared; two threads paid off only at batch 1024 in the
 * prototype and need spinning, which steals a core from whoever else runs), all graph
 * optimisations, sequential execution.
 */
const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  enableCpuMemArena: true,
  enableMemPattern: true,
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

export type Feeds = Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }>;

/** A compiled graph; `run` is synchronous. */
export class OrtSession {
  private constructor(
    private readonly ort: OrtModules,
    private readonly session: NativeSession,
  ) {}

  /** `profilePrefix`: ORT writes per-node timings to `<prefix>_<date>.json` on `endProfiling()`. */
  static create(graph: OnnxGraph, options: { profilePrefix?: string } = {}): OrtSession {
    const ort = loadOrt();
    if (!ort) throw new Error(`onnxruntime-node is not available: ${ortLoadError()}`);
    const bytes = serializeModel(graph);
    const session = ort.newSession();
    const profiling = options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {};
    session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, { ...SESSION_OPTIONS, ...profiling });
    return new OrtSession(ort, session);
  }

  /**
   * Runs the graph. Outputs named in `into` are written into the given arrays (pre-allocated,
   * no copy); the others come back as new arrays.
   */
  run(feeds: Feeds, outputs: readonly string[], into: Feeds = {}): Record<string, Float32Array> {
    const tensors: Record<string, OrtTensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new this.ort.Tensor('float32', f.data, f.dims);
    const fetches: Record<string, OrtTensor | null> = {};
    for (const name of outputs) {
      const target = into[name];
      fetches[name] = target ? new this.ort.Tensor('float32', target.data, target.dims) : null;
    }
    const result = this.session.run(tensors, fetches, {});
    const out: Record<string, Float32Array> = {};
    for (const name of outputs) out[name] = into[name]?.data ?? result[name].data;
    return out;
  }

  /** Ends profiling (sessions created with a profilePrefix); ORT writes its JSON file. */
  endProfiling(): void {
    this.session.endProfiling();
  }

  dispose(): void {
    this.session.dispose();
  }
}
