// The last N seconds of full-resolution JPEG frames per camera, so evidence can show what
// happened before a violation was decided. Memory is capped per camera and in total; when the
// total cap is hit the globally oldest frame goes first. A few frames a coming hit will need
// (a parked car's arrival, minutes before its dwell ends) are kept past the window on request.
import type { Frame } from './types.ts';

export interface RingFrame {
  cameraId: string;
  capturedAt: number;
  seq: number;
  pts: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

export interface RingBufferOptions {
  /** Seconds of history kept per camera (default 30). */
  windowMs?: number;
  /** Bytes per camera (default 16 MiB). */
  perCameraBytes?: number;
  /** Bytes over all cameras (default 512 MiB). */
  totalBytes?: number;
}

/** Kept frames per camera at most, and how far from a wanted moment a frame may be to stand for it. */
const MAX_KEPT = 16;
const KEEP_WITHIN_MS = 2_000;

export class FrameRingBuffer {
  private readonly rings = new Map<string, { frames: RingFrame[]; bytes: number }>();
  /** Frames kept past the window per camera (see keep); outside the byte caps, at most MAX_KEPT each. */
  private readonly kept = new Map<string, RingFrame[]>();
  private total = 0;
  readonly windowMs: number;
  readonly perCameraBytes: number;
  readonly totalBytes: number;

  constructor(o: RingBufferOptions = {}) {
    this.windowMs = o.windowMs ?? 30_000;
    this.perCameraBytes = o.perCameraBytes ?? 16 * 1024 * 1024;
    this.totalBytes = o.totalBytes ?? 512 * 1024 * 1024;
  }

  push(f: Frame): void {
    let ring = this.rings.get(f.cameraId);
    if (!ring) this.rings.set(f.cameraId, (ring = { frames: [], bytes: 0 }));
    ring.frames.push({ cameraId: f.cameraId, capturedAt: f.capturedAt, seq: f.seq, pts: f.pts, width: f.sourceWidth, height: f.sourceHeight, jpeg: f.jpeg });
    ring.bytes += f.jpeg.length;
    this.total += f.jpeg.length;
    const horizon = f.capturedAt - this.windowMs;
    while (ring.frames.length > 1 && (ring.bytes > this.perCameraBytes || ring.frames[0]!.capturedAt < horizon)) this.dropOldest(ring);
    while (this.total > this.totalBytes && this.evictGlobalOldest()) {
      // keep evicting
    }
  }

  /**
   * Keeps, past the window, the frame nearest each wanted moment (ms, capture time; within
   * 2 s) of one camera: the moments a coming hit's evidence will show after the ring has moved
   * on (AnalyticsEngine.keepMoments). Replaces the camera's previous set; the latest 16 moments.
   */
  keep(cameraId: string, times: number[]): void {
    const pool = [...(this.kept.get(cameraId) ?? []), ...(this.rings.get(cameraId)?.frames ?? [])];
    const out = new Set<RingFrame>();
    for (const t of [...new Set(times)].sort((a, b) => a - b).slice(-MAX_KEPT)) {
      const f = pool.reduce<RingFrame | undefined>((best, x) => (!best || Math.abs(x.capturedAt - t) < Math.abs(best.capturedAt - t) ? x : best), undefined);
      if (f && Math.abs(f.capturedAt - t) <= KEEP_WITHIN_MS) out.add(f);
    }
    if (out.size > 0) this.kept.set(cameraId, [...out].sort((a, b) => a.capturedAt - b.capturedAt));
    else this.kept.delete(cameraId);
  }

  /** Frames of one camera (kept ones included) with capturedAt in [t - beforeMs, t + afterMs], oldest first. */
  framesAround(cameraId: string, t: number, beforeMs: number, afterMs: number): RingFrame[] {
    const inRange = (f: RingFrame) => f.capturedAt >= t - beforeMs && f.capturedAt <= t + afterMs;
    const frames = (this.rings.get(cameraId)?.frames ?? []).filter(inRange);
    const older = (this.kept.get(cameraId) ?? []).filter((f) => inRange(f) && !frames.includes(f));
    return [...older, ...frames].sort((a, b) => a.capturedAt - b.capturedAt);
  }

  latest(cameraId: string): RingFrame | undefined {
    const frames = this.rings.get(cameraId)?.frames;
    return frames?.[frames.length - 1];
  }

  /** Forget a camera (removed from the config). */
  drop(cameraId: string): void {
    this.kept.delete(cameraId);
    const ring = this.rings.get(cameraId);
    if (!ring) return;
    this.total -= ring.bytes;
    this.rings.delete(cameraId);
  }

  stats(): { cameras: number; frames: number; bytes: number; perCamera: Record<string, { frames: number; bytes: number }> } {
    const perCamera: Record<string, { frames: number; bytes: number }> = {};
    let frames = 0;
    for (const [id, r] of this.rings) {
      perCamera[id] = { frames: r.frames.length, bytes: r.bytes };
      frames += r.frames.length;
    }
    return { cameras: this.rings.size, frames, bytes: this.total, perCamera };
  }

  private dropOldest(ring: { frames: RingFrame[]; bytes: number }): void {
    const f = ring.frames.shift()!;
    ring.bytes -= f.jpeg.length;
    this.total -= f.jpeg.length;
  }

  private evictGlobalOldest(): boolean {
    let victim: { frames: RingFrame[]; bytes: number } | undefined;
    for (const r of this.rings.values()) {
      if (r.frames.length > 0 && (!victim || r.frames[0]!.capturedAt < victim.frames[0]!.capturedAt)) victim = r;
    }
    if (!victim) return false;
    this.dropOldest(victim);
    return true;
  }
}
