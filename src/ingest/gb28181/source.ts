// A GB28181 channel as a FrameSource: a PlaySession (INVITE, RTP, re-INVITE) feeds MPEG-PS into
// the shared FfmpegFrameReader over stdin. Each new INVITE starts a fresh ffmpeg, because the
// new stream's clock restarts and a running fps filter would drop frames until it caught up.
import type { CameraConfig } from '../../config/schema.ts';
import type { Frame, FrameSource, SourceHealth, CameraState } from '../types.ts';
import { FfmpegFrameReader } from '../ffmpeg-reader.ts';
import { AsyncQueue } from '../async-queue.ts';
import type { Gb28181Server } from './server.ts';
import { PlaySession, type PlayStats } from './play.ts';
import type { PortPool } from './rtp/receiver.ts';

export interface Gb28181SourceOptions {
  detectorWidth?: number;
  detectorHeight?: number;
  /** Without a frame for this long while playing, the ffmpeg is restarted (default 20 s). */
  frameTimeoutMs?: number;
  maxQueue?: number;
}

export class Gb28181Source implements FrameSource {
  readonly cameraId: string;
  private readonly session: PlaySession;
  private reader?: FfmpegFrameReader;
  private readonly queue: AsyncQueue<Frame>;
  private state: CameraState = 'stopped';
  private since = Date.now();
  private seq = 0;
  private framesTotal = 0;
  private reconnects = 0;
  private lastFrameAt?: number;
  private lastError?: string;
  private watchdog?: NodeJS.Timeout;
  private stopping = false;
  private restarting: Promise<void> = Promise.resolve();

  constructor(private readonly camera: CameraConfig, server: Gb28181Server, pool: PortPool, private readonly opts: Gb28181SourceOptions = {}) {
    if (camera.source.kind !== 'gb28181') throw new Error(`camera ${camera.id} is not a gb28181 source`);
    this.cameraId = camera.id;
    const { deviceId, channelId, transport } = camera.source;
    this.session = new PlaySession(server, pool, { deviceId, channelId, transport });
    this.queue = new AsyncQueue<Frame>(opts.maxQueue ?? 8);
    this.session.on('playing', () => this.restartReader('playing'));
    this.session.on('interrupted', (reason) => {
      this.lastError = reason;
      this.setState('stalled');
    });
    this.session.on('failed', (reason) => {
      this.lastError = reason;
      this.setState('down');
    });
  }

  start(): void {
    this.stopping = false;
    this.setState('connecting');
    this.session.start();
    const timeout = this.opts.frameTimeoutMs ?? 20_000;
    this.watchdog = setInterval(() => {
      // Media flows but ffmpeg yields nothing (wedged decoder, broken PS): start a fresh one.
      const rtpAt = this.session.stats.rtp?.lastPacketAt ?? 0;
      const frameAt = Math.max(this.lastFrameAt ?? 0, this.readerStartedAt);
      if (this.reader && Date.now() - rtpAt < 2000 && Date.now() - frameAt > timeout) this.restartReader('no frames from ffmpeg');
    }, 1000);
  }

  private readerStartedAt = 0;

  private restartReader(why: string): void {
    this.restarting = this.restarting.then(async () => {
      if (this.stopping) return;
      if (this.reader) {
        this.reconnects++;
        this.lastError = why;
        await this.reader.stop();
      }
      const c = this.camera;
      const reader = new FfmpegFrameReader({
        cameraId: c.id,
        // Small probe so the first frame comes fast; the PSM names the codec anyway.
        input: { stdin: this.session.openSink(), inputArgs: ['-f', 'mpeg', '-probesize', '262144', '-analyzeduration', '1000000'] },
        fps: c.sampling.fps,
        keyframesOnly: c.sampling.keyframesOnly === true,
        detectorWidth: this.opts.detectorWidth,
        detectorHeight: this.opts.detectorHeight,
        seqStart: this.seq,
      });
      this.reader = reader;
      this.readerStartedAt = Date.now();
      reader.on('frame', (f: Frame) => {
        this.seq = f.seq + 1;
        this.framesTotal++;
        this.lastFrameAt = Date.now();
        if (this.state !== 'live') this.setState('live');
        this.queue.push(f);
      });
      reader.on('exit', (e: { reason: string }) => {
        if (this.reader !== reader || this.stopping) return;
        this.lastError = `ffmpeg: ${e.reason}`;
        this.reader = undefined;
        // ffmpeg died while the play goes on: a new one after a short pause.
        setTimeout(() => this.reader === undefined && !this.stopping && this.restartReader('ffmpeg exited'), 1000);
      });
      reader.start();
    }).catch((e: Error) => {
      // Keep the chain usable: a failed restart must not block every later one.
      this.lastError = `restart failed: ${e.message}`;
    });
  }

  private setState(s: CameraState): void {
    if (s === this.state) return;
    this.state = s;
    this.since = Date.now();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await this.session.stop();
    await this.restarting;
    await this.reader?.stop();
    this.reader = undefined;
    this.queue.end();
    this.setState('stopped');
  }

  health(): SourceHealth {
    return {
      cameraId: this.cameraId,
      state: this.state,
      since: this.since,
      lastFrameAt: this.lastFrameAt,
      framesTotal: this.framesTotal,
      reconnects: this.reconnects + this.session.stats.reinvites,
      lastError: this.lastError ?? this.session.stats.lastError,
    };
  }

  /** SIP/RTP/PS counters of the play, for diagnostics pages. */
  playStats(): PlayStats {
    return this.session.stats;
  }

  frames(): AsyncIterable<Frame> {
    return this.queue;
  }
}
