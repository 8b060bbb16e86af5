// CameraRuntime over ingest's CameraManager: health from each running source, snapshots
// from the frame ring buffer (the newest full-resolution JPEG of the camera).
import type { FrameSource, SourceHealth } from '../../ingest/types.ts';
import type { CameraRuntime } from '../ports.ts';

/** The part of CameraManager the API reads (structural, so tests and other hosts fit too). */
export interface ManagerLike {
  source(cameraId: string): FrameSource | undefined;
  ring: { latest(cameraId: string): { jpeg: Buffer } | undefined };
}

export class ManagerRuntime implements CameraRuntime {
  constructor(private readonly manager: ManagerLike) {}

  health(cameraId: string): SourceHealth | undefined {
    const h = this.manager.source(cameraId)?.health();
    if (!h) return undefined;
    // Only the fields the API documents; sources carry more (history, pid …).
    const { state, since, lastFrameAt, framesTotal, reconnects, lastError } = h;
    return { cameraId, state, since, lastFrameAt, framesTotal, reconnects, lastError };
  }

  async snapshot(cameraId: string): Promise<Buffer | null> {
    return this.manager.ring.latest(cameraId)?.jpeg ?? null;
  }
}
