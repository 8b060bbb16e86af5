// The hot loop that joins the stages: every sampled frame of every camera goes through the
// shared inference scheduler, then the camera's analytics engine; the hit events it yields go,
// with evidence frames from the ring buffer, into the durable hit outbox.
//
//   CameraManager 'frame' → InferenceScheduler → AnalyticsEngine → HitOutbox (→ BullMQ)
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../config/schema.ts';
import type { HitEventT } from '../contracts/hit.ts';
import { AnalyticsEngine, type EngineOptions } from '../analytics/engine.ts';
import type { OpenHit } from '../analytics/dedup.ts';
import { DroppedSampleError, type InferenceScheduler } from '../inference/scheduler.ts';
import type { Detection } from '../inference/types.ts';
import type { BgrImage, Frame } from '../ingest/types.ts';
import { readImageBgr } from '../inference/image.ts';
import type { FrameRingBuffer, RingFrame } from '../ingest/ring-buffer.ts';
import type { OutboxFrame, PendingHit } from '../dispatch/outbox.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { LatencyWindow } from '../util/latency.ts';

/** Where hit events go; HitOutbox satisfies it. */
export interface HitSink {
  submit(hit: HitEventT, frames: OutboxFrame[]): Promise<string>;
  /** Durable now with these frames; `complete` adds the late ones (see HitOutbox.begin). */
  begin(hit: HitEventT, frames: OutboxFrame[]): Promise<PendingHit>;
}

/** Where each camera's open hits survive a restart; HitOutbox satisfies it. */
export interface HitStateStore {
  loadOpenHits(cameraId: string): Promise<OpenHit[]>;
  saveOpenHits(cameraId: string, hits: OpenHit[]): Promise<void>;
}

const isHitStateStore = (x: unknown): x is HitStateStore =>
  typeof (x as HitStateStore).loadOpenHits === 'function' && typeof (x as HitStateStore).saveOpenHits === 'function';

/** What the pipeline needs from ingest; CameraManager satisfies it. */
export interface FrameFeed extends EventEmitter {
  readonly ring: FrameRingBuffer;
  camera(id: string): CameraConfig | undefined;
}

export interface PipelineOptions {
  feed: FrameFeed;
  scheduler: InferenceScheduler;
  sink: HitSink;
  /** Open hits per camera across restarts; default: the sink when it is one (HitOutbox). */
  hitState?: HitStateStore;
  /** Models and verdict filter per camera (overflow classifier, OCR reader, embedder, verdicts). */
  engineOptions?: (camera: CameraConfig) => EngineOptions;
  /** Evidence frames kept around the moment a hit opens. */
  beforeMs?: number;
  afterMs?: number;
  /**
   * Ring frames from `beforeMs` before to `afterMs` after a new hit's moment, spread evenly, at
   * most this many, staged as role `clip` for the bundle's review video (evidence/clip.ts). 0:
   * no clip. Default 24 (12 s at the default 2 samples/s).
   */
  clipFrames?: number;
  /**
   * Warn-first: a camera with no sample analysed this long after a warned hit's grace end is
   * silent; the hit is reported with the newest frame of the ring (HitDeduper.silent). Must be
   * well under the case worker's backstop (HUIYAN_WARN_BACKSTOP_MS, 120 s). Default 30 s.
   */
  silenceMs?: number;
  /** Wall clock (ms) for the silence check; default Date.now. Samples carry their own capture times. */
  clock?: () => number;
  log?: Logger;
}

export interface CameraPipelineStats {
  samples: number;
  dropped: number;
  failed: number;
  hits: number;
  lastError?: string;
}

/** A camera's counters and its lag: ms from a sample's capture to the end of its analysis (recent window). */
export type CameraPipelineHealth = CameraPipelineStats & { lagMs: { p50: number; p99: number; max: number } };

export class DetectionPipeline extends EventEmitter {
  private readonly engines = new Map<string, { engine: AnalyticsEngine; camera: CameraConfig }>();
  /** Per-camera chain: analytics must see a camera's samples in order. */
  private readonly cameraChains = new Map<string, Promise<void>>();
  /** Per-hit chain: a hit's `opened` (which waits for after-frames) is submitted before its updates. */
  private readonly hitChains = new Map<string, Promise<void>>();
  private readonly stats = new Map<string, CameraPipelineStats>();
  private readonly lag = new Map<string, LatencyWindow>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; fire: () => void }>();
  private readonly log: Logger;
  private running = false;
  /** Capture time of each camera's last analysed sample (warn-first silence). */
  private readonly lastSample = new Map<string, number>();
  private silenceTimer?: NodeJS.Timeout;
  private readonly onFrame = (f: Frame) => this.accept(f);

  constructor(private readonly o: PipelineOptions) {
    super();
    this.log = o.log ?? createLogger({ stage: 'pipeline' });
  }

  start(): void {
    this.running = true;
    this.o.feed.on('frame', this.onFrame);
    const silenceMs = this.o.silenceMs ?? 30_000;
    this.silenceTimer = setInterval(() => this.checkSilent(silenceMs), Math.max(250, Math.min(5_000, silenceMs / 4)));
    this.silenceTimer.unref();
  }

  /** Warn-first hits of cameras gone silent after their grace end (HitDeduper.silent), in each camera's chain. */
  private checkSilent(silenceMs: number): void {
    for (const [cameraId, { engine }] of this.engines) {
      const next = (this.cameraChains.get(cameraId) ?? Promise.resolve()).then(async () => {
        const events = engine.deduper.silent((this.o.clock ?? Date.now)(), this.lastSample.get(cameraId) ?? 0, silenceMs);
        for (const ev of events) {
          this.log.warn('camera silent after a warning\'s grace end; filing with its last frame', { cameraId, hitId: ev.hitId });
          this.route(ev, this.statsOf(cameraId));
        }
        if (events.length > 0) await this.hitState?.saveOpenHits(cameraId, engine.deduper.snapshot());
      }).catch((e) => this.log.error('silence check failed', { cameraId, error: (e as Error).message }));
      this.cameraChains.set(cameraId, next);
      void next.finally(() => {
        if (this.cameraChains.get(cameraId) === next) this.cameraChains.delete(cameraId);
      });
    }
  }

  /** Stops taking frames; hits waiting for after-frames are submitted now with what exists. */
  async stop(): Promise<void> {
    this.running = false;
    this.o.feed.off('frame', this.onFrame);
    clearInterval(this.silenceTimer);
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.fire();
    }
    this.timers.clear();
    await Promise.all([...this.cameraChains.values(), ...this.hitChains.values()]);
  }

  health(): Record<string, CameraPipelineHealth> {
    return Object.fromEntries([...this.stats].map(([id, s]) => {
      const { p50, p99, max } = this.lagOf(id).summary();
      return [id, { ...s, lagMs: { p50, p99, max } }];
    }));
  }

  private lagOf(cameraId: string): LatencyWindow {
    let w = this.lag.get(cameraId);
    if (!w) this.lag.set(cameraId, (w = new LatencyWindow(128)));
    return w;
  }

  private statsOf(cameraId: string): CameraPipelineStats {
    let s = this.stats.get(cameraId);
    if (!s) this.stats.set(cameraId, (s = { samples: 0, dropped: 0, failed: 0, hits: 0 }));
    return s;
  }

  /**
   * The camera's engine. A changed config (hot reload; the directory hands out a new object
   * only then) is applied to the running engine, which keeps its open hits and the state of
   * unchanged zones: a reload never starts the same violation over as a new hit.
   */
  private async engineFor(camera: CameraConfig, s: CameraPipelineStats): Promise<AnalyticsEngine> {
    const cur = this.engines.get(camera.id);
    if (cur && cur.camera === camera) return cur.engine;
    if (cur) {
      cur.engine.reconfigure(camera, Date.now(), this.o.engineOptions?.(camera));
      cur.camera = camera;
      return cur.engine;
    }
    const engine = new AnalyticsEngine(camera, this.o.engineOptions?.(camera) ?? {});
    // A restart: the hits open before it continue (same id, same case) when seen again.
    const saved = await this.hitState?.loadOpenHits(camera.id).catch((e) => {
      this.fail(s, camera.id, e);
      return [];
    });
    if (saved?.length) {
      engine.restore(saved, Date.now());
      this.log.info('open hits restored', { cameraId: camera.id, hits: saved.map((h) => h.hitId) });
    }
    this.engines.set(camera.id, { engine, camera });
    return engine;
  }

  private get hitState(): HitStateStore | undefined {
    return this.o.hitState ?? (isHitStateStore(this.o.sink) ? this.o.sink : undefined);
  }

  private accept(f: Frame): void {
    if (!this.running) return;
    const camera = this.o.feed.camera(f.cameraId);
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
        const engine = await this.engineFor(camera, s);
        const events = await engine.process({
          frameTime: f.capturedAt,
          detections,
          image,
          sourceWidth: f.sourceWidth,
          sourceHeight: f.sourceHeight,
        });
        this.lagOf(f.cameraId).add(Date.now() - f.capturedAt);
        this.lastSample.set(f.cameraId, f.capturedAt);
        this.o.feed.ring.keep(camera.id, engine.keepMoments());
        const spooled = events.map((ev) => this.route(ev, s));
        // After each change of the camera's hits (never per sample: lastSeen alone does not matter),
        // and only once each new hit's entry is on disk: saved open hits that ran ahead of their
        // entry would, after a kill, make the restarted detector continue a hit no case knows.
        if (events.length > 0) {
          await Promise.all(spooled);
          await this.hitState?.saveOpenHits(camera.id, engine.deduper.snapshot());
        }
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
    const objects = this.o.scheduler.submit(camera.id, f.bgr, scale, camera.models.detector, f.capturedAt);
    if (!needsText(camera)) return { detections: await objects, image: f.bgr };
    // Every model's promise is joined before anything else is awaited: a sample of one model
    // dropped or failed while another is still pending must reject this sample (counted by
    // the caller), never escape as an unhandled rejection.
    const decoded = readImageBgr(f.jpeg);
    const text = decoded.then((full) => this.o.scheduler.submit(camera.id, full, 1, camera.models.textDetector, f.capturedAt));
    const [obj, txt, full] = await Promise.all([objects, text, decoded]);
    return { detections: [...obj, ...txt], image: full };
  }

  private fail(s: CameraPipelineStats, cameraId: string, e: unknown): void {
    s.failed++;
    s.lastError = (e as Error).message;
    this.log.error('sample failed', { cameraId, error: s.lastError });
  }

  /**
   * Spools the event through the sink, in order per hit. Resolves once an `opened` event's entry
   * and its frames of now are on disk (its after-frame follows in the background); other events
   * resolve at once, as they queue behind their hit's earlier ones. Never rejects.
   */
  private route(ev: HitEventT, s: CameraPipelineStats): Promise<void> {
    if (ev.event === 'opened') s.hits++;
    this.emit('hit', ev);
    let begun: () => void = () => undefined;
    const spooled = ev.event === 'opened' ? new Promise<void>((r) => (begun = r)) : Promise.resolve();
    const prev = this.hitChains.get(ev.hitId) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        if (ev.event !== 'opened') {
          // Warn-first: the scene now (still there after the grace period, or the place after it ended).
          await this.o.sink.submit(ev, ev.evidenceDue ? this.pickFrames(ev, 'check') : []);
          return;
        }
        // The frames that exist now are spooled at once, so a crash while waiting for the
        // after-frame loses nothing (the outbox recovers the entry on start).
        const first = this.pickFrames(ev, 'now');
        const pending = await this.o.sink.begin(ev, first).finally(begun);
        await this.afterDelay();
        const later = this.pickFrames(ev, 'after').filter((f) => !first.some((x) => x.capturedAt === f.capturedAt));
        if (first.length + later.length === 0) this.log.warn('no ring-buffer frames for hit; evidence will hold detections only', { hitId: ev.hitId });
        await pending.complete(later);
      })
      .then(
        () => undefined,
        // The outbox writes to local disk first; failing here means the disk itself failed.
        (e) => this.log.error('hit could not be spooled', { hitId: ev.hitId, seq: ev.seq, error: (e as Error).message }),
      );
    this.hitChains.set(ev.hitId, next);
    void next.finally(() => {
      begun();
      if (this.hitChains.get(ev.hitId) === next) this.hitChains.delete(ev.hitId);
    });
    return spooled;
  }

  /** Waits until the after-frame exists (or stop). */
  private afterDelay(): Promise<void> {
    const afterMs = this.o.afterMs ?? 4000;
    return new Promise((resolve) => {
      const t = {
        fire: () => {
          this.timers.delete(t);
          resolve();
        },
        timer: setTimeout(() => t.fire(), afterMs),
      };
      this.timers.add(t);
    });
  }

  /**
   * `now`: the before (and, for spillage, the truck's best) and at frames; `after`: the after
   * frame and the clip's frames; `check`: the frame at the event alone.
   */
  private pickFrames(ev: HitEventT, which: 'now' | 'after' | 'check'): OutboxFrame[] {
    const beforeMs = this.o.beforeMs ?? 4000;
    const afterMs = this.o.afterMs ?? 4000;
    const ring = this.o.feed.ring;
    const window = ring.framesAround(ev.cameraId, ev.at, Math.max(beforeMs, ev.at - ev.startedAt), afterMs);
    const nearest = (t: number): RingFrame | undefined =>
      window.reduce<RingFrame | undefined>((best, f) => (!best || Math.abs(f.capturedAt - t) < Math.abs(best.capturedAt - t) ? f : best), undefined);
    const chosen: Array<[OutboxFrame['role'], RingFrame | undefined]> =
      which === 'check'
        ? [['at', nearest(ev.at)]]
        : which === 'after'
        ? [['after', nearest(ev.at + afterMs)]]
        : [
            // For dwell rules the "before" frame shows the violation starting (for parking and
            // crowding the ring keeps that frame past its window: FrameRingBuffer.keep).
            ['before', nearest(Math.min(ev.startedAt, ev.at - beforeMs))],
            ['at', nearest(ev.at)],
          ];
    // Spillage: the truck's best frame shows its plate.
    if (which === 'now' && ev.rule === 'spillage') chosen.unshift(['before', nearest(ev.attributes.truckBestFrameAt)]);
    if (which === 'after') {
      const around = window.filter((f) => f.capturedAt >= ev.at - beforeMs && f.capturedAt <= ev.at + afterMs);
      for (const f of spreadEvenly(around, this.o.clipFrames ?? 24)) chosen.push(['clip', f]);
    }
    const seen = new Set<number>();
    const frames: OutboxFrame[] = [];
    for (const [role, f] of chosen) {
      if (!f || seen.has(f.capturedAt)) continue;
      seen.add(f.capturedAt);
      frames.push({ role, capturedAt: f.capturedAt, jpeg: f.jpeg });
    }
    return frames;
  }
}

/** At most `n` of `items`, evenly spaced, first and last included (all of them when there are ≤ n). */
export function spreadEvenly<T>(items: T[], n: number): T[] {
  if (n <= 0) return [];
  if (items.length <= n) return items;
  if (n === 1) return [items[Math.floor(items.length / 2)]!];
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

const needsText = (camera: CameraConfig): boolean => camera.zones.some((z) => z.type === 'protected-surface');

/** The scheduler models a camera's samples go through (object detector; text detector for ads zones). */
export function modelsOf(camera: CameraConfig): string[] {
  return needsText(camera) ? [camera.models.detector, camera.models.textDetector] : [camera.models.detector];
}
