// The hot loop that joins the stages: every sampled frame of every camera goes through the
// shared inference scheduler, then the camera's analytics engine; the hit events it yields go,
// with evidence frames from the ring buffer, into the durable hit outbox.
//
//   CameraManager 'frame' → InferenceScheduler → AnalyticsEngine → HitOutbox (→ BullMQ)
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../config/schema.ts';
import type { HitEventT } from '../analytics/hit.ts';
import { AnalyticsEngine, type EngineOptions } from '../analytics/engine.ts';
import { DroppedSampleError, type InferenceScheduler } from '../inference/scheduler.ts';
import type { Detection } from '../inference/types.ts';
import type { BgrImage, Frame } from '../ingest/types.ts';
import { readImageBgr } from '../inference/image.ts';
import type { FrameRingBuffer, RingFrame } from '../ingest/ring-buffer.ts';
import type { OutboxFrame } from '../dispatch/outbox.ts';
import { createLogger, type Logger } from '../util/log.ts';

/** Where hit events go; HitOutbox satisfies it. */
export interface HitSink {
  submit(hit: HitEventT, frames: OutboxFrame[]): Promise<string>;
}

/** What the pipeline needs from ingest; CameraManager satisfies it. */
export interface FrameFeed extends EventEmitter {
  readonly ring: FrameRingBuffer;
  cameras(): CameraConfig[];
}

export interface PipelineOptions {
  feed: FrameFeed;
  scheduler: InferenceScheduler;
  sink: HitSink;
  /** Models and verdict filter per camera (overflow classifier, OCR reader, embedder, verdicts). */
  engineOptions?: (camera: CameraConfig) => EngineOptions;
  /** Evidence frames kept around the moment a hit opens. */
  beforeMs?: number;
  afterMs?: number;
  log?: Logger;
}

export interface CameraPipelineStats {
  samples: number;
  dropped: number;
  failed: number;
  hits: number;
  lastError?: string;
}

export class DetectionPipeline extends EventEmitter {
  private readonly engines = new Map<string, { engine: AnalyticsEngine; key: string }>();
  /** Per-camera chain: analytics must see a camera's samples in order. */
  private readonly cameraChains = new Map<string, Promise<void>>();
  /** Per-hit chain: a hit's `opened` (which waits for after-frames) is submitted before its updates. */
  private readonly hitChains = new Map<string, Promise<void>>();
  private readonly stats = new Map<string, CameraPipelineStats>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; fire: () => void }>();
  private readonly log: Logger;
  private running = false;
  private readonly onFrame = (f: Frame) => this.accept(f);

  constructor(private readonly o: PipelineOptions) {
    super();
    this.log = o.log ?? createLogger({ stage: 'pipeline' });
  }

  start(): void {
    this.running = true;
    this.o.feed.on('frame', this.onFrame);
  }

  /** Stops taking frames; hits waiting for after-frames are submitted now with what exists. */
  async stop(): Promise<void> {
    this.running = false;
    this.o.feed.off('frame', this.onFrame);
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.fire();
    }
    this.timers.clear();
    await Promise.all([...this.cameraChains.values(), ...this.hitChains.values()]);
  }

  health(): Record<string, CameraPipelineStats> {
    return Object.fromEntries(this.stats);
  }

  private statsOf(cameraId: string): CameraPipelineStats {
    let s = this.stats.get(cameraId);
    if (!s) this.stats.set(cameraId, (s = { samples: 0, dropped: 0, failed: 0, hits: 0 }));
    return s;
  }

  /** The camera's engine, rebuilt when its config changed (hot reload) so zones take effect. */
  private engineFor(camera: CameraConfig): AnalyticsEngine {
    const key = JSON.stringify(camera);
    const cur = this.engines.get(camera.id);
    if (cur && cur.key === key) return cur.engine;
    const engine = new AnalyticsEngine(camera, this.o.engineOptions?.(camera) ?? {});
    this.engines.set(camera.id, { engine, key });
    return engine;
  }

  private accept(f: Frame): void {
    if (!this.running) return;
    const camera = this.o.feed.cameras().find((c) => c.id === f.cameraId);
    if (!camera || camera.zones.length === 0) return;
    const s = this.statsOf(f.cameraId);
    const detected = this.detect(camera, f);
    // Handled in order inside the camera chain below; this keeps an early rejection (a dropped
    // sample) from counting as unhandled while earlier samples are still being analysed.
    detected.catch(() => undefined);
    const prev = this.cameraChains.get(f.cameraId) ?? Promise.resolve();
    const next = prev.then(async () => {
      let detections: Detection[];
      let image: BgrImage;
      try {
        ({ detections, image } = await detected);
      } catch (e) {
        if (e instanceof DroppedSampleError) s.dropped++;
        else this.fail(s, f.cameraId, e);
        return;
      }
      try {
        s.samples++;
        const events = await this.engineFor(camera).process({
          frameTime: f.capturedAt,
          detections,
          image,
          sourceWidth: f.sourceWidth,
          sourceHeight: f.sourceHeight,
        });
        for (const ev of events) this.route(ev, s);
      } catch (e) {
        this.fail(s, f.cameraId, e);
      }
    });
    this.cameraChains.set(f.cameraId, next);
    void next.finally(() => {
      if (this.cameraChains.get(f.cameraId) === next) this.cameraChains.delete(f.cameraId);
    });
  }

  /**
   * Object detector always. Where a protected-surface zone needs text, the full-resolution
   * picture is decoded once and used for text detection and reading: small print on a poster
   * does not survive the downscale to the detector size.
   */
  private async detect(camera: CameraConfig, f: Frame): Promise<{ detections: Detection[]; image: BgrImage }> {
    const scale = f.bgr.width / f.sourceWidth;
    const objects = this.o.scheduler.submit(camera.id, f.bgr, scale, camera.models.detector);
    if (!needsText(camera)) return { detections: await objects, image: f.bgr };
    const full = await readImageBgr(f.jpeg);
    const text = this.o.scheduler.submit(camera.id, full, 1, camera.models.textDetector);
    return { detections: [...(await objects), ...(await text)], image: full };
  }

  private fail(s: CameraPipelineStats, cameraId: string, e: unknown): void {
    s.failed++;
    s.lastError = (e as Error).message;
    this.log.error('sample failed', { cameraId, error: s.lastError });
  }

  private route(ev: HitEventT, s: CameraPipelineStats): void {
    if (ev.event === 'opened') s.hits++;
    this.emit('hit', ev);
    const prev = this.hitChains.get(ev.hitId) ?? Promise.resolve();
    const next = prev
      .then(() => (ev.event === 'opened' ? this.afterFrames(ev) : []))
      .then((frames) => this.o.sink.submit(ev, frames))
      .then(
        () => undefined,
        // The outbox writes to local disk first; failing here means the disk itself failed.
        (e) => this.log.error('hit could not be spooled', { hitId: ev.hitId, seq: ev.seq, error: (e as Error).message }),
      );
    this.hitChains.set(ev.hitId, next);
    void next.finally(() => {
      if (this.hitChains.get(ev.hitId) === next) this.hitChains.delete(ev.hitId);
    });
  }

  /** Waits until the after-frame exists (or stop), then picks before / at / after frames. */
  private afterFrames(ev: HitEventT): Promise<OutboxFrame[]> {
    const afterMs = this.o.afterMs ?? 4000;
    return new Promise((resolve) => {
      const t = {
        fire: () => {
          this.timers.delete(t);
          resolve(this.pickFrames(ev));
        },
        timer: setTimeout(() => t.fire(), afterMs),
      };
      this.timers.add(t);
    });
  }

  private pickFrames(ev: HitEventT): OutboxFrame[] {
    const beforeMs = this.o.beforeMs ?? 4000;
    const afterMs = this.o.afterMs ?? 4000;
    const ring = this.o.feed.ring;
    const window = ring.framesAround(ev.cameraId, ev.at, Math.max(beforeMs, ev.at - ev.startedAt), afterMs);
    const nearest = (t: number): RingFrame | undefined =>
      window.reduce<RingFrame | undefined>((best, f) => (!best || Math.abs(f.capturedAt - t) < Math.abs(best.capturedAt - t) ? f : best), undefined);
    const chosen: Array<[OutboxFrame['role'], RingFrame | undefined]> = [
      // For dwell rules the "before" frame shows the violation starting.
      ['before', nearest(Math.min(ev.startedAt, ev.at - beforeMs))],
      ['at', nearest(ev.at)],
      ['after', nearest(ev.at + afterMs)],
    ];
    const truckAt = ev.attributes.truckBestFrameAt;
    if (typeof truckAt === 'number') chosen.unshift(['before', nearest(truckAt)]);
    const seen = new Set<number>();
    const frames: OutboxFrame[] = [];
    for (const [role, f] of chosen) {
      if (!f || seen.has(f.capturedAt)) continue;
      seen.add(f.capturedAt);
      frames.push({ role, capturedAt: f.capturedAt, jpeg: f.jpeg });
    }
    if (frames.length === 0) this.log.warn('no ring-buffer frames for hit; evidence will hold detections only', { hitId: ev.hitId });
    return frames;
  }
}

const needsText = (camera: CameraConfig): boolean => camera.zones.some((z) => z.type === 'protected-surface');
