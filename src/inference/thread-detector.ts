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
import type { Logger } from '../util/log.ts';

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
export interface ThreadDetectorOptions {
  /** Intra-op threads of the session (default HUIYAN_THREADS or 2). */
  threads?: number;
  provider?: Provider;
  /** Where a thread that died and is started again is reported. */
  log?: Logger;
}
export type DetectReply = { id: number; detections: Detection[] } | { id: number; error: string };

// The worker runs TypeScript like the rest of the process: tsx's loader, by absolute URL so the
// worker finds it whatever the working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export class ThreadDetector implements Detector {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void }>();
  private closing = false;
  /** The current thread has exited (closed, or died and not yet replaced). */
  private dead = false;
  /** Resolves when a replacement for a dead thread is up (rejects if it cannot load). */
  private starting: Promise<void> = Promise.resolve();
  /** Times the thread died (not closed) and was started again. */
  restarts = 0;

  private constructor(
    readonly modelId: string,
    private readonly opts: ThreadDetectorOptions,
    private worker: Worker,
    readonly provider: string,
  ) {
    this.watch(worker);
  }

  /**
   * Loads `modelId` (a detector of the manifest, see loadDetector) in a new worker thread with
   * `threads` intra-op threads. Rejects with the loader's message (missing file, bad sha256 …).
   * A thread that dies later (an error thrown in it, its heap exhausted) fails the detections it
   * held and is started again for the next ones.
   */
  static async load(modelId: string, opts: ThreadDetectorOptions = {}): Promise<ThreadDetector> {
    const { worker, provider } = await ThreadDetector.spawn(modelId, opts);
    return new ThreadDetector(modelId, opts, worker, provider);
  }

  private static async spawn(modelId: string, opts: { threads?: number; provider?: Provider }): Promise<{ worker: Worker; provider: string }> {
    const worker = new Worker(new URL('./detector-thread.ts', import.meta.url), {
      workerData: { modelId, threads: opts.threads, provider: opts.provider } satisfies ThreadInit,
      execArgv: ['--import', TSX],
    });
    let onMessage!: (m: unknown) => void;
    let onError!: (e: Error) => void;
    let onExit!: (code: number) => void;
    const ready = await new Promise<{ ready: boolean; provider?: string; error?: string }>((resolve, reject) => {
      onMessage = (m) => resolve(m as { ready: boolean; provider?: string; error?: string });
      onError = reject;
      onExit = (code) => reject(new Error(`inference thread of ${modelId} exited (${code}) while loading`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => worker.off('message', onMessage).off('error', onError).off('exit', onExit));
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error);
    }
    return { worker, provider: ready.provider ?? 'cpu' };
  }

  private watch(worker: Worker): void {
    worker.on('message', (m: DetectReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.detections);
    });
    let why = '';
    worker.on('error', (e) => (why = `: ${e.message}`));
    worker.once('exit', (code) => {
      this.dead = true;
      const e = new Error(`inference thread of ${this.modelId} exited (${code})${why}`);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      if (this.closing) return;
      this.restarts++;
      this.opts.log?.error('inference thread died; starting it again', { model: this.modelId, code, error: e.message, restarts: this.restarts });
      this.starting = ThreadDetector.spawn(this.modelId, this.opts).then(({ worker: next }) => {
        this.worker = next;
        this.dead = false;
        this.watch(next);
      });
      this.starting.catch(() => undefined); // the next detect reports it
    });
  }

  /** Same contract as OnnxDetector.detect; the image is copied, the caller keeps its buffer. */
  async detect(image: InputImage, scale?: number): Promise<Detection[]> {
    if (this.closing) throw new Error(`inference thread of ${this.modelId} is closed`);
    await this.starting;
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
    if (this.closing) return;
    this.closing = true;
    await this.starting.catch(() => undefined);
    if (this.dead) return;
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage({ kind: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
