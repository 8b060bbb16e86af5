// CameraRuntime over ingest's running FrameSources: health from each source, and the latest
// full-resolution JPEG from the sources' 'frame' events (the frames() iterator belongs to the
// inference scheduler; events let the API watch without taking frames from it).
import type { EventEmitter } from 'node:events';
import type { Frame, FrameSource, SourceHealth } from '../../ingest/types.ts';
import type { CameraRuntime } from '../ports.ts';

type Watchable = FrameSource & Partial<Pick<EventEmitter, 'on' | 'off'>>;

export class SourceRuntime implements CameraRuntime {
  private readonly sources = new Map<string, { src: Watchable; onFrame: (f: Frame) => void }>();
  private readonly latest = new Map<string, Buffer>();

  attach(src: Watchable): void {
    this.detach(src.cameraId);
    const onFrame = (f: Frame) => this.latest.set(f.cameraId, f.jpeg);
    src.on?.('frame', onFrame);
    this.sources.set(src.cameraId, { src, onFrame });
  }

  detach(cameraId: string): void {
    const s = this.sources.get(cameraId);
    if (!s) return;
    s.src.off?.('frame', s.onFrame);
    this.sources.delete(cameraId);
    this.latest.delete(cameraId);
  }

  health(cameraId: string): SourceHealth | undefined {
    const h = this.sources.get(cameraId)?.src.health();
    if (!h) return undefined;
    // Only the fields the API documents; sources may carry more (history, pid …).
    const { state, since, lastFrameAt, framesTotal, reconnects, lastError } = h;
    return { cameraId, state, since, lastFrameAt, framesTotal, reconnects, lastError };
  }

  async snapshot(cameraId: string): Promise<Buffer | null> {
    return this.latest.get(cameraId) ?? null;
  }
}
