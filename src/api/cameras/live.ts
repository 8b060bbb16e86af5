// Live view for the camera wall: node-rtsp-stream transcodes a camera's RTSP stream to
// MPEG-1 in MPEG-TS and serves it over WebSocket; the page plays it with JSMpeg. One stream
// per camera, shared by all viewers, stopped when nobody has watched for `idleMs`.
import VideoStream from 'node-rtsp-stream';
import type { CameraConfig } from '../../config/schema.ts';
import { createLogger } from '../../util/log.ts';

const log = createLogger({ stage: 'api', part: 'live' });

interface Running {
  stream: VideoStream;
  port: number;
  lastViewerAt: number;
}

export class LiveViewManager {
  private readonly running = new Map<string, Running>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ports: { first: number; last: number },
    private readonly idleMs = 60_000,
    /** Output width; the height follows the camera's aspect ratio. */
    private readonly width = 640,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.reap(), 5_000);
    this.timer.unref();
  }

  /** The WebSocket port carrying the camera's MPEG-1 stream; null when it has no RTSP source. */
  open(cam: CameraConfig): number | null {
    if (cam.source.kind !== 'rtsp') return null;
    const have = this.running.get(cam.id);
    if (have) {
      have.lastViewerAt = Date.now();
      return have.port;
    }
    const port = this.freePort();
    if (port === null) throw new Error('no free live-view port');
    const stream = new VideoStream({
      name: cam.id,
      streamUrl: cam.source.url,
      wsPort: port,
      // JSMpeg reads the picture size from the MPEG-1 sequence header; these only fill the
      // 8-byte greeting node-rtsp-stream sends first.
      width: this.width,
      height: Math.round((this.width * 9) / 16),
      ffmpegOptions: { '-loglevel': 'error', '-vf': `scale=${this.width}:-2`, '-b:v': '900k', '-r': 25, '-an': '' },
    });
    stream.on('exitWithError', () => log.warn('live transcoder exited', { cameraId: cam.id }));
    this.running.set(cam.id, { stream, port, lastViewerAt: Date.now() });
    log.info('live view started', { cameraId: cam.id, port });
    return port;
  }

  /** One entry per running transcoder (for health and for tests that check none is left). */
  health(): { cameraId: string; port: number; viewers: number; pid?: number }[] {
    return [...this.running].map(([cameraId, r]) => ({ cameraId, port: r.port, viewers: r.stream.wsServer.clients.size, pid: r.stream.stream.pid }));
  }

  viewers(cameraId: string): number {
    return this.running.get(cameraId)?.stream.wsServer.clients.size ?? 0;
  }

  private freePort(): number | null {
    const used = new Set([...this.running.values()].map((r) => r.port));
    for (let p = this.ports.first; p <= this.ports.last; p++) if (!used.has(p)) return p;
    return null;
  }

  private reap(): void {
    const now = Date.now();
    for (const [id, r] of this.running) {
      if (r.stream.wsServer.clients.size > 0) r.lastViewerAt = now;
      else if (now - r.lastViewerAt > this.idleMs) void this.close(id);
    }
  }

  private close(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return Promise.resolve();
    this.running.delete(id);
    const ff = r.stream.stream;
    const exited = new Promise<void>((resolve) => {
      if (ff.exitCode !== null) return resolve();
      ff.once('exit', () => resolve());
    });
    try {
      r.stream.stop();
    } catch {
      /* ffmpeg already gone */
    }
    // node-rtsp-stream sends SIGTERM only; a hung ffmpeg gets SIGKILL so none outlives us.
    const kill = setTimeout(() => ff.kill('SIGKILL'), 2_000);
    return exited.finally(() => clearTimeout(kill));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.running.keys()].map((id) => this.close(id)));
  }
}
