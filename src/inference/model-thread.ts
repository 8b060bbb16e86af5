// A model object that lives in its own worker thread. onnxruntime-node's `session.run` executes on
// the calling thread and holds it for the whole inference (its promise is resolved through
// setImmediate; onnxruntime issues #19611, #26968): a model on the main thread stalls ingest,
// analytics, sealing and the API while it runs (~15 ms per YOLOX-nano frame, ~90 ms per overflow
// score). Here a factory builds the object inside a worker thread and its async methods are
// called by name; pictures are copied over (the caller keeps its buffer), results come back by
// structured clone. One class for every threaded model: detectors (thread-detector.ts) and the
// second-stage models of the appliance (src/app/second-stage.ts).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../util/log.ts';

/** workerData of src/inference/model-thread-worker.ts. */
export interface ModelThreadSpec {
  /** Name used in errors and logs, e.g. "inference thread of yolox-nano". */
  name: string;
  /** file: URL of the module exporting the factory. */
  module: string;
  /** The factory's export name, or `Class.method` for a static factory; it may return a promise. */
  factory: string;
  /** The factory's arguments (structured-cloneable). */
  args: unknown[];
  /** Properties of the built object sent back once it is built (e.g. provider, classNames). */
  props?: string[];
}

export interface CallRequest {
  kind: 'call';
  id: number;
  method: string;
  args: unknown[];
}
export type CallReply = { id: number; result: unknown } | { id: number; error: string };
export type ReadyReply = { ready: true; props: Record<string, unknown> } | { ready: false; error: string };

/** A picture argument: its pixels travel as a transferred ArrayBuffer and arrive as a Buffer. */
interface PictureLike {
  width: number;
  height: number;
  data: Uint8Array;
}
const isPicture = (a: unknown): a is PictureLike =>
  typeof a === 'object' && a !== null && (a as PictureLike).data instanceof Uint8Array && typeof (a as PictureLike).width === 'number' && typeof (a as PictureLike).height === 'number';

/** Copies picture arguments into transferable buffers (the caller keeps its own). */
function toWire(args: unknown[]): { args: unknown[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const out = args.map((a) => {
    if (!isPicture(a)) return a;
    const copy = new Uint8Array(a.data.byteLength);
    copy.set(a.data);
    transfer.push(copy.buffer);
    return { ...a, data: copy.buffer };
  });
  return { args: out, transfer };
}

/** Worker side of toWire: a picture's ArrayBuffer becomes a Buffer again (no copy). */
export function fromWire(args: unknown[]): unknown[] {
  return args.map((a) => {
    if (typeof a !== 'object' || a === null || !((a as { data?: unknown }).data instanceof ArrayBuffer) || typeof (a as PictureLike).width !== 'number') return a;
    return { ...a, data: Buffer.from((a as { data: ArrayBuffer }).data) };
  });
}

// The worker runs TypeScript like the rest of the process: tsx's loader, by absolute URL so the
// worker finds it whatever the working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export class ModelThread {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private closing = false;
  /** The current thread has exited (closed, or died and not yet replaced). */
  private dead = false;
  /** Resolves when a replacement for a dead thread is up (rejects if it cannot build). */
  private starting: Promise<void> = Promise.resolve();
  /** Times the thread died (not closed) and was started again. */
  restarts = 0;

  private constructor(
    readonly spec: ModelThreadSpec,
    private readonly log: Logger | undefined,
    private worker: Worker,
    /** The `props` of the built object. */
    readonly props: Record<string, unknown>,
  ) {
    this.watch(worker);
  }

  /**
   * Builds the object in a new worker thread. Rejects with the factory's own message (missing
   * model file, bad sha256 …). A thread that dies later (an error thrown in it, its heap
   * exhausted) fails the calls it held and is started again for the next ones; `log` hears of it.
   */
  static async start(spec: ModelThreadSpec, log?: Logger): Promise<ModelThread> {
    const { worker, props } = await ModelThread.spawn(spec);
    return new ModelThread(spec, log, worker, props);
  }

  private static async spawn(spec: ModelThreadSpec): Promise<{ worker: Worker; props: Record<string, unknown> }> {
    const worker = new Worker(new URL('./model-thread-worker.ts', import.meta.url), { workerData: spec, execArgv: ['--import', TSX] });
    let onMessage!: (m: unknown) => void;
    let onError!: (e: Error) => void;
    let onExit!: (code: number) => void;
    const ready = await new Promise<ReadyReply>((resolve, reject) => {
      onMessage = (m) => resolve(m as ReadyReply);
      onError = reject;
      onExit = (code) => reject(new Error(`${spec.name} exited (${code}) while loading`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => worker.off('message', onMessage).off('error', onError).off('exit', onExit));
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error);
    }
    return { worker, props: ready.props };
  }

  private watch(worker: Worker): void {
    worker.on('message', (m: CallReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    let why = '';
    worker.on('error', (e) => (why = `: ${e.message}`));
    worker.once('exit', (code) => {
      this.dead = true;
      const e = new Error(`${this.spec.name} exited (${code})${why}`);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      if (this.closing) return;
      this.restarts++;
      this.log?.error('model thread died; starting it again', { thread: this.spec.name, code, error: e.message, restarts: this.restarts });
      this.starting = ModelThread.spawn(this.spec).then(({ worker: next }) => {
        this.worker = next;
        this.dead = false;
        this.watch(next);
      });
      this.starting.catch(() => undefined); // the next call reports it
    });
  }

  /** Calls `method` of the object in the thread; picture arguments are copied, not moved. */
  async call<R>(method: string, args: unknown[]): Promise<R> {
    if (this.closing) throw new Error(`${this.spec.name} is closed`);
    await this.starting;
    const id = this.nextId++;
    const wire = toWire(args);
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.postMessage({ kind: 'call', id, method, args: wire.args } satisfies CallRequest, wire.transfer);
    });
  }

  /** Closes the object in the thread (its `close()` if any), then the thread. */
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
