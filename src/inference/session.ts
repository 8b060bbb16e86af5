// ONNX Runtime session creation. CUDA is used only when asked for and when the installed
// onnxruntime-node build carries the CUDA provider library; otherwise CPU, with one clear log line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { createLogger } from '../util/log.ts';
import { decodeModel, encodeModel, unfixShapes } from './onnx-proto.ts';
import { unsignedWeights } from './unsigned-weights.ts';

export type Provider = 'cpu' | 'cuda';

export interface SessionOptions {
  /** Intra-op threads; default: HUIYAN_THREADS or 2. */
  threads?: number;
  /** 'cuda' falls back to CPU when unavailable; default HUIYAN_PROVIDER or 'cpu'. */
  provider?: Provider;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Drop the declared input/output shapes (manifest `input.multipleOf`: any size the ops allow). */
  unfixShapes?: boolean;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: Provider;
  threads: number;
}

const log = createLogger({ stage: 'inference' });

/** Folder holding the native onnxruntime library that onnxruntime-node loads. */
function nativeDir(): string | null {
  try {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const base = path.join(pkg, 'bin');
    for (const napi of readdirSync(base)) {
      const dir = path.join(base, napi, process.platform, process.arch);
      if (existsSync(dir)) return dir;
    }
  } catch {
    /* not installed in the usual layout */
  }
  return null;
}

/** Why CUDA cannot be used here, or null when it can. */
export function cudaUnavailableReason(): string | null {
  const backend = ort.listSupportedBackends?.().find((b) => b.name === 'cuda');
  if (!backend) return 'this onnxruntime-node build does not list a cuda backend';
  const dir = nativeDir();
  if (!dir) return 'cannot locate the onnxruntime-node native folder';
  if (!existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'))) {
    return `libonnxruntime_providers_cuda.so is not in ${dir} (install onnxruntime-node with --onnxruntime-node-install=cuda on a machine with CUDA 12)`;
  }
  return null;
}

/**
 * True on an x86 CPU whose int8 dot products saturate (AVX2 / AVX-512 without VNNI): see
 * unsigned-weights.ts. Read once from /proc/cpuinfo (Linux); elsewhere false.
 */
export const int8Saturates: boolean = (() => {
  if (process.arch !== 'x64') return false;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    return !flags.some((f) => f === 'avx512_vnni' || f === 'avx_vnni' || f === 'amx_int8');
  } catch {
    return false;
  }
})();

/**
 * The model for ONNX Runtime: the file itself, or an edited copy — on a CPU where int8 dot
 * products saturate and the model has int8 weights, its weights as uint8 (identical numbers);
 * with `unfix`, its inputs and outputs without their export-time shapes.
 */
async function modelSource(modelPath: string, unfix: boolean): Promise<string | Uint8Array> {
  if (!int8Saturates && !unfix) return modelPath;
  let model = decodeModel(new Uint8Array(await readFile(modelPath)));
  let edited = false;
  if (int8Saturates) {
    const r = unsignedWeights(model);
    model = r.model;
    if (r.changed > 0) {
      edited = true;
      log.info('int8 weights as uint8 (this CPU has no VNNI: int8 products would saturate)', { model: path.basename(modelPath), tensors: r.changed });
    }
  }
  if (unfix && unfixShapes(model).length > 0) edited = true;
  return edited ? encodeModel(model) : modelPath;
}

export async function openSession(modelPath: string, opts: SessionOptions = {}): Promise<OpenedSession> {
  const threads = opts.threads ?? (Number(process.env.HUIYAN_THREADS) || 2);
  let provider: Provider = opts.provider ?? ((process.env.HUIYAN_PROVIDER as Provider) || 'cpu');
  if (provider === 'cuda') {
    const why = cudaUnavailableReason();
    if (why) {
      log.warn('CUDA execution provider requested but unavailable; using CPU', { model: path.basename(modelPath), reason: why });
      provider = 'cpu';
    }
  }
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
    // Some exported models carry initializers as graph inputs; ORT warns once per tensor.
    logSeverityLevel: 3,
  };
  const source = await modelSource(modelPath, opts.unfixShapes ?? false);
  const create = (o: ort.InferenceSession.SessionOptions) => (typeof source === 'string' ? ort.InferenceSession.create(source, o) : ort.InferenceSession.create(source, o));
  try {
    const session = await create({
      ...base,
      executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    });
    return { session, provider, threads };
  } catch (e) {
    if (provider !== 'cuda') throw e;
    log.warn('CUDA session creation failed; using CPU', { model: path.basename(modelPath), error: (e as Error).message });
    const session = await create({ ...base, executionProviders: ['cpu'] });
    return { session, provider: 'cpu', threads };
  }
}
