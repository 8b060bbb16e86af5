// ONNX Runtime session creation. CUDA is used only when asked for and when the installed
// onnxruntime-node build carries the CUDA provider library; otherwise CPU, with one clear log line.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { createLogger } from '../util/log.ts';

export type Provider = 'cpu' | 'cuda';

export interface SessionOptions {
  /** Intra-op threads; default: HUIYAN_THREADS or 2. */
  threads?: number;
  /** 'cuda' falls back to CPU when unavailable; default HUIYAN_PROVIDER or 'cpu'. */
  provider?: Provider;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
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
  try {
    const session = await ort.InferenceSession.create(modelPath, {
      ...base,
      executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    });
    return { session, provider, threads };
  } catch (e) {
    if (provider !== 'cuda') throw e;
    log.warn('CUDA session creation failed; using CPU', { model: path.basename(modelPath), error: (e as Error).message });
    const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
    return { session, provider: 'cpu', threads };
  }
}
