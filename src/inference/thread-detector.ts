// A detector that runs in its own worker thread. onnxruntime-node's `session.run` executes on the
// calling thread and holds it for the whole inference (its promise is resolved through
// setImmediate; onnxruntime issues #19611, #26968): in the appliance a detector on the main
// thread stalls ingest, analytics, sealing and the API for every frame (~15 ms per YOLOX-nano
// frame). Here the session lives in a worker thread; the main thread only copies the picture over
// (a few hundred kB per sample) and receives the detections, and two such detectors run at once.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { InputImage } from './preprocess.ts';
import type { Provider } from './session.ts';
import type { Detection, Detector } from './types.ts';

/** workerData of src/inference/detector-thread.ts. */
export interface ThreadInit {
  modelId: string;
  threads?: number;
  provider?: Provider;
}
export interface DetectRequest {
  kind: 'detect';
  id: number;
  image: { width: number; height: number; format?: 'gbrp'; data: ArrayBuffer };
  scale: number | undefined;
}
export type DetectReply = { id: number; detections: Detection[] } | { id: number; error: string };

// The worker runs TypeScript like the rest of the process: tsx's loader, by absolute URL so the
// worker finds it whatever the working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export class ThreadDetector implements Detector {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(readonly modelId: string, readonly provider: string, private readonly worker: Worker) {
    this.exited = new Promise((r) => worker.once('exit', () => r()));
    worker.on('message', (m: DetectReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.detections);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`inference thread of ${modelId} failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`inference thread of ${modelId} exited (${code})`)));
  }

  /**
   * Loads `modelId` (a detector of the manifest, see loadDetector) in a new worker thread with
   * `threads` intra-op threads. Rejects with the loader's message (missing file, bad sha256 …).
   */
  static async load(modelId: string, opts: { threads?: number; provider?: Provider } = {}): Promise<ThreadDetector> {
    const worker = new Worker(new URL('./detector-thread.ts', import.meta.url), {
      workerData: { modelId, threads: opts.threads, provider: opts.provider } satisfies ThreadInit,
      execArgv: ['--import', TSX],
    });
    const ready = await new Promise<{ ready: boolean; provider?: string; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`inference thread of ${modelId} exited (${code}) while loading`)));
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error);
    }
    return new ThreadDetector(modelId, ready.provider ?? 'cpu', worker);
  }

  /** Same contract as OnnxDetector.detect; the image is copied, the caller keeps its buffer. */
  detect(image: InputImage, scale?: number): Promise<Detection[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const data = new Uint8Array(image.data.byteLength);
    data.set(image.data);
    const msg: DetectRequest = {
      kind: 'detect', id, scale,
      image: { width: image.width, height: image.height, ...('format' in image ? { format: image.format } : {}), data: data.buffer },
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg, [data.buffer]);
    });
  }

  async close(): Promise<void> {
    if (!this.failure) this.worker.postMessage({ kind: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
