// One inference scheduler shared by every camera. Each model session runs one sample at a
// time; the scheduler hands a detector up to `inFlight` samples (default 1; 2 lets the next
// frame be letterboxed while the current one runs). Free places are filled from the cameras
// round-robin, so a busy camera cannot starve the others. Each camera may have only `queueDepth` samples waiting per model: a new sample
// pushes out that camera's oldest waiting one for the same model (its promise rejects with
// DroppedSampleError), because a fresh frame is worth more than a stale one and memory must
// not grow when inference lags.
import type { BgrImage } from '../ingest/types.ts';
import { createLogger } from '../util/log.ts';
import { LatencyWindow } from '../util/latency.ts';
import { loadDetector } from './detectors.ts';
import type { Detection, Detector } from './types.ts';

export class DroppedSampleError extends Error {
  constructor(readonly cameraId: string, readonly modelId: string) {
    super(`camera ${cameraId}: sample for ${modelId} dropped, a newer one replaced it`);
    this.name = 'DroppedSampleError';
  }
}

export class SchedulerStoppedError extends Error {
  constructor() {
    super('inference scheduler stopped');
    this.name = 'SchedulerStoppedError';
  }
}

export interface SchedulerOptions {
  /** Waiting samples per camera and model before the oldest is dropped (default 2). */
  queueDepth?: number;
  /**
   * Samples handed to one detector at once (default 1: strictly one after another, so the
   * choice of the next sample and drop-oldest act as late as possible). With 2 the detector
   * still runs them one at a time but pre-processes the next during the current run; on this
   * 2-core machine that measured no better (see docs/inference.md).
   */
  inFlight?: number;
  /** Latency samples kept per model for percentiles (default 256). */
  latencyWindow?: number;
  /** How a model is opened (default: loadDetector). Detectors it opens are closed on stop(). */
  load?: (modelId: string) => Promise<Detector>;
}

interface Job {
  cameraId: string;
  modelId: string;
  image: BgrImage;
  scale: number;
  /** Capture time of the sample (ms); decides which waiting sample is the oldest. */
  capturedAt: number;
  submittedAt: number;
  resolve: (d: Detection[]) => void;
  reject: (e: Error) => void;
}

interface CameraQueue {
  jobs: Job[];
  submitted: number;
  completed: number;
  dropped: number;
  failed: number;
}

interface ModelState {
  detector: Promise<Detector>;
  /** Samples handed to the detector and not finished. */
  active: number;
  /** The camera served last; the next search starts after it in the rotation. */
  last: string | null;
  /** Handed to the detector → result (with inFlight 2 this includes waiting for the previous run). */
  detect: LatencyWindow;
  total: LatencyWindow;
}

export interface SchedulerStats {
  running: boolean;
  cameras: Record<string, { queued: number; submitted: number; completed: number; dropped: number; failed: number }>;
  models: Record<string, { active: number; detectMs: ReturnType<LatencyWindow['summary']>; totalMs: ReturnType<LatencyWindow['summary']> }>;
}

const log = createLogger({ stage: 'inference', part: 'scheduler' });

export class InferenceScheduler {
  private readonly queueDepth: number;
  private readonly inFlightPerModel: number;
  private readonly windowSize: number;
  private readonly load: (modelId: string) => Promise<Detector>;
  private readonly cameras = new Map<string, CameraQueue>();
  /** Round-robin order: cameras in the order they first submitted. */
  private readonly rotation: string[] = [];
  private readonly models = new Map<string, ModelState>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;

  constructor(opts: SchedulerOptions = {}) {
    this.queueDepth = Math.max(1, opts.queueDepth ?? 2);
    this.inFlightPerModel = Math.max(1, opts.inFlight ?? 1);
    this.windowSize = opts.latencyWindow ?? 256;
    this.load = opts.load ?? ((id) => loadDetector(id));
  }

  start(): void {
    this.running = true;
    for (const id of this.models.keys()) this.pump(id);
  }

  /** Rejects everything waiting, lets running samples finish, closes the detectors. */
  async stop(): Promise<void> {
    this.running = false;
    for (const q of this.cameras.values()) {
      for (const job of q.jobs.splice(0)) job.reject(new SchedulerStoppedError());
    }
    await Promise.allSettled([...this.inFlight]);
    const models = [...this.models.values()];
    this.models.clear();
    for (const m of models) {
      const d = await m.detector.catch(() => null);
      await d?.close().catch(() => undefined);
    }
  }

  /**
   * Queues one sample for `modelId`. `capturedAt` (ms, default now) orders the camera's
   * waiting samples: when more than `queueDepth` wait for the model, the one captured
   * earliest is dropped (DroppedSampleError) — even the new one, when its pre-processing
   * finished after a newer frame's (decodes run in parallel and may finish out of order).
   */
  submit(cameraId: string, image: BgrImage, scale: number, modelId: string, capturedAt = Date.now()): Promise<Detection[]> {
    if (!this.running) return Promise.reject(new SchedulerStoppedError());
    let q = this.cameras.get(cameraId);
    if (!q) {
      q = { jobs: [], submitted: 0, completed: 0, dropped: 0, failed: 0 };
      this.cameras.set(cameraId, q);
      this.rotation.push(cameraId);
    }
    this.model(modelId);
    return new Promise<Detection[]>((resolve, reject) => {
      q.submitted++;
      q.jobs.push({ cameraId, modelId, image, scale, capturedAt, submittedAt: performance.now(), resolve, reject });
      // The bound is per camera and model: a slow OCR model must not push out detector samples.
      if (q.jobs.reduce((n, j) => n + (j.modelId === modelId ? 1 : 0), 0) > this.queueDepth) {
        let at = -1;
        for (let i = 0; i < q.jobs.length; i++) {
          const j = q.jobs[i]!;
          if (j.modelId === modelId && (at < 0 || j.capturedAt < q.jobs[at]!.capturedAt)) at = i;
        }
        const [old] = q.jobs.splice(at, 1);
        q.dropped++;
        old!.reject(new DroppedSampleError(cameraId, modelId));
      }
      this.pump(modelId);
    });
  }

  /**
   * Opens these models now (each once), so a camera's first seconds are not dropped while
   * its detector loads — a recording played in real time would otherwise lose them for good.
   * Resolves when every load settled; a model that fails is logged and fails its samples later.
   */
  async preload(modelIds: Iterable<string>): Promise<void> {
    await Promise.allSettled([...new Set(modelIds)].map((id) => this.model(id).detector));
  }

  /** One-line health for dashboards: totals over all cameras and models. */
  health(): { running: boolean; cameras: number; queued: number; active: number; dropped: number; failed: number } {
    let queued = 0, dropped = 0, failed = 0, active = 0;
    for (const q of this.cameras.values()) {
      queued += q.jobs.length;
      dropped += q.dropped;
      failed += q.failed;
    }
    for (const m of this.models.values()) active += m.active;
    return { running: this.running, cameras: this.cameras.size, queued, active, dropped, failed };
  }

  stats(): SchedulerStats {
    const cameras: SchedulerStats['cameras'] = {};
    for (const [id, q] of this.cameras) {
      cameras[id] = { queued: q.jobs.length, submitted: q.submitted, completed: q.completed, dropped: q.dropped, failed: q.failed };
    }
    const models: SchedulerStats['models'] = {};
    for (const [id, m] of this.models) {
      models[id] = { active: m.active, detectMs: m.detect.summary(), totalMs: m.total.summary() };
    }
    return { running: this.running, cameras, models };
  }

  private model(modelId: string): ModelState {
    let m = this.models.get(modelId);
    if (!m) {
      const detector = this.load(modelId);
      detector.catch((e: Error) => log.error('cannot load model', { model: modelId, error: e.message }));
      m = { detector, active: 0, last: null, detect: new LatencyWindow(this.windowSize), total: new LatencyWindow(this.windowSize) };
      this.models.set(modelId, m);
    }
    return m;
  }

  /** Next job for `modelId`, taking cameras in rotation after the one served last. */
  private take(modelId: string, m: ModelState): Job | null {
    const n = this.rotation.length;
    const start = m.last === null ? 0 : this.rotation.indexOf(m.last) + 1;
    for (let k = 0; k < n; k++) {
      const cameraId = this.rotation[(start + k) % n]!;
      const q = this.cameras.get(cameraId)!;
      const at = q.jobs.findIndex((j) => j.modelId === modelId);
      if (at < 0) continue;
      m.last = cameraId;
      return q.jobs.splice(at, 1)[0]!;
    }
    return null;
  }

  private pump(modelId: string): void {
    const m = this.models.get(modelId);
    if (!m) return;
    while (this.running && m.active < this.inFlightPerModel) {
      const job = this.take(modelId, m);
      if (!job) return;
      m.active++;
      const done = this.execute(m, job).finally(() => {
        this.inFlight.delete(done);
        m.active--;
        this.pump(modelId);
      });
      this.inFlight.add(done);
    }
  }

  private async execute(m: ModelState, job: Job): Promise<void> {
    const q = this.cameras.get(job.cameraId)!;
    try {
      const detector = await m.detector;
      const t0 = performance.now();
      const dets = await detector.detect(job.image, job.scale);
      const t1 = performance.now();
      m.detect.add(t1 - t0);
      m.total.add(t1 - job.submittedAt);
      q.completed++;
      job.resolve(dets);
    } catch (e) {
      q.failed++;
      job.reject(e as Error);
    }
  }
}
