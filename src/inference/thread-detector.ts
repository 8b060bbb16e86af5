// A detector that runs in its own worker thread (ModelThread, model-thread.ts): in the appliance a
// detector on the main thread would stall ingest, analytics, sealing and the API for every frame.
// The main thread only copies the picture over (a few hundred kB per sample) and receives the
// detections; two such detectors run at once.
import type { InputImage } from './preprocess.ts';
import type { Provider } from './session.ts';
import type { Detection, Detector } from './types.ts';
import type { Logger } from '../util/log.ts';
import { ModelThread } from './model-thread.ts';

export interface ThreadDetectorOptions {
  /** Intra-op threads of the session (default HUIYAN_THREADS or 2). */
  threads?: number;
  provider?: Provider;
  /** Where a thread that died and is started again is reported. */
  log?: Logger;
}

export class ThreadDetector implements Detector {
  private constructor(
    readonly modelId: string,
    private readonly thread: ModelThread,
  ) {}

  /**
   * Loads `modelId` (a detector of the manifest, see loadDetector) in a new worker thread with
   * `threads` intra-op threads. Rejects with the loader's message (missing file, bad sha256 …).
   * A thread that dies later fails the detections it held and is started again for the next ones.
   */
  static async load(modelId: string, opts: ThreadDetectorOptions = {}): Promise<ThreadDetector> {
    const thread = await ModelThread.start(
      {
        name: `inference thread of ${modelId}`,
        module: new URL('./detectors.ts', import.meta.url).href,
        factory: 'loadDetector',
        args: [modelId, { threads: opts.threads, provider: opts.provider }],
        props: ['provider'],
      },
      opts.log,
    );
    return new ThreadDetector(modelId, thread);
  }

  get provider(): string {
    return String(this.thread.props.provider ?? 'cpu');
  }

  /** Times the thread died (not closed) and was started again. */
  get restarts(): number {
    return this.thread.restarts;
  }

  /** Same contract as OnnxDetector.detect; the image is copied, the caller keeps its buffer. */
  detect(image: InputImage, scale?: number): Promise<Detection[]> {
    return this.thread.call<Detection[]>('detect', [image, scale]);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
