// A FrameSource that keeps one FfmpegFrameReader running for as long as it is started:
// frame-arrival watchdog (stall → kill → reconnect), exponential back-off with jitter, a
// reason for every disconnect, and per-camera state with timestamps and counters.
// With ffmpeg 5.1 any exit means "disconnected" (a killed RTSP server gives exit code 0).
import { EventEmitter } from 'node:events';
import type { Frame, FrameSource, SourceHealth, CameraState } from './types.ts';
import { FfmpegFrameReader, type FfmpegInputSpec, type ReaderExit } from './ffmpeg-reader.ts';
import { AsyncQueue } from './async-queue.ts';
import { probeGop } from './gop-probe.ts';
import { createLogger, type Logger } from '../util/log.ts';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = anywhere in 0..delay). */
  jitter: number;
}

export interface WatchdogOptions {
  /** Live camera without a frame for this long → stalled, ffmpeg killed, reconnect. */
  stallMs: number;
  /** Connection attempt without a first frame for this long → killed, retried. */
  connectMs: number;
  /** SIGTERM → SIGKILL grace when killing ffmpeg. */
  killGraceMs: number;
}

export interface FfmpegSourceOptions {
  cameraId: string;
  fps: number;
  keyframesOnly: boolean | 'auto';
  /** Builds the ffmpeg input for each connection attempt (a GB28181 source INVITEs here). */
  input: () => FfmpegInputSpec | Promise<FfmpegInputSpec>;
  /** URL and input args to measure the GOP with when keyframesOnly is 'auto'. */
  probe?: { url: string; inputArgs: string[] };
  /** A clean end of input is final (a non-looping file), not a fault to reconnect from. */
  endIsFinal?: boolean;
  detectorWidth?: number;
  detectorHeight?: number;
  jpegQuality?: number;
  watchdog?: Partial<WatchdogOptions>;
  backoff?: Partial<BackoffOptions>;
  log?: Logger;
}

export interface StateChange {
  state: CameraState;
  at: number;
  reason?: string;
}

export interface FfmpegSourceHealth extends SourceHealth {
  stalls: number;
  /** Times the camera went live again after a disconnect. */
  recoveries: number;
  keyframesOnly: boolean;
  gopSeconds?: number;
  pid?: number;
  droppedFrames: number;
  history: StateChange[];
}

export function backoffDelay(failures: number, o: BackoffOptions, random = Math.random): number {
  const full = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(failures, 30));
  return Math.round(full * (1 - o.jitter * random()));
}

export class FfmpegSource extends EventEmitter implements FrameSource {
  readonly cameraId: string;
  private readonly wd: WatchdogOptions;
  private readonly bo: BackoffOptions;
  private readonly log: Logger;
  private reader?: FfmpegFrameReader;
  private queue = new AsyncQueue<Frame>(8);
  private running = false;
  private watchdogTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private attemptAt = 0;
  private failures = 0;
  private killReason?: string;
  private seq = 0;
  private gop?: number;
  private gopDecided = false;
  private everLive = false;
  private readonly h: FfmpegSourceHealth;

  constructor(private readonly opts: FfmpegSourceOptions) {
    super();
    this.cameraId = opts.cameraId;
    const interval = 1000 / opts.fps;
    this.wd = { stallMs: Math.max(5000, 3 * interval), connectMs: Math.max(10000, 3 * interval), killGraceMs: 1500, ...opts.watchdog };
    this.bo = { baseMs: 500, maxMs: 10000, jitter: 0.3, ...opts.backoff };
    this.log = (opts.log ?? createLogger({ stage: 'ingest' })).child({ cameraId: opts.cameraId });
    this.h = {
      cameraId: opts.cameraId, state: 'stopped', since: Date.now(), framesTotal: 0, reconnects: 0, stalls: 0,
      recoveries: 0, keyframesOnly: opts.keyframesOnly === true, droppedFrames: 0, history: [],
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue = new AsyncQueue<Frame>(8, () => this.h.droppedFrames++);
    this.watchdogTimer = setInterval(() => this.watchdog(), 250);
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.watchdogTimer);
    clearTimeout(this.retryTimer);
    const r = this.reader;
    this.reader = undefined;
    if (r) await r.stop(this.wd.killGraceMs);
    this.queue.end();
    this.setState('stopped', 'stopped');
  }

  health(): FfmpegSourceHealth {
    return { ...this.h, pid: this.reader?.pid, history: [...this.h.history] };
  }

  /** Frames across reconnects; ends on stop(). One consumer; others listen to 'frame'. */
  frames(): AsyncIterable<Frame> {
    return this.queue;
  }

  private setState(state: CameraState, reason?: string): void {
    if (state === this.h.state) return;
    const at = Date.now();
    this.h.state = state;
    this.h.since = at;
    if (reason && state !== 'live') this.h.lastError = reason;
    this.h.history.push({ state, at, reason });
    if (this.h.history.length > 50) this.h.history.shift();
    this.log.info('camera state', { state, reason });
    this.emit('state', { state, at, reason } satisfies StateChange);
  }

  private async decideKeyframes(): Promise<boolean> {
    const mode = this.opts.keyframesOnly;
    if (mode !== 'auto') return mode;
    if (!this.gopDecided && this.opts.probe) {
      this.gop = await probeGop(this.opts.probe.url, this.opts.probe.inputArgs, this.wd.connectMs);
      // A probe that saw no keyframe pair may just mean the camera is down: try again next time.
      this.gopDecided = this.gop !== undefined;
      this.h.gopSeconds = this.gop;
    }
    // fps filter needs a keyframe at least every sample interval, else it repeats frames.
    return this.gop !== undefined && this.gop <= 1 / this.opts.fps + 1e-3;
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setState('connecting');
    this.attemptAt = Date.now();
    this.killReason = undefined;
    let reader: FfmpegFrameReader;
    try {
      const keyframesOnly = await this.decideKeyframes();
      const input = await this.opts.input();
      if (!this.running) return;
      this.h.keyframesOnly = keyframesOnly;
      reader = new FfmpegFrameReader({
        cameraId: this.cameraId, input, fps: this.opts.fps, keyframesOnly, seqStart: this.seq, maxQueue: 1,
        detectorWidth: this.opts.detectorWidth, detectorHeight: this.opts.detectorHeight, jpegQuality: this.opts.jpegQuality,
      });
    } catch (e) {
      this.onExit(undefined, { code: null, signal: null, reason: `input: ${(e as Error).message}`, stderrTail: [], frames: 0 });
      return;
    }
    this.reader = reader;
    this.attemptAt = Date.now();
    reader.on('frame', (f: Frame) => this.onFrame(reader, f));
    reader.start();
    void reader.exited.then((exit) => this.onExit(reader, exit));
  }

  private onFrame(reader: FfmpegFrameReader, f: Frame): void {
    if (reader !== this.reader) return;
    this.seq = f.seq + 1;
    this.h.framesTotal++;
    this.h.lastFrameAt = f.capturedAt;
    if (this.h.state !== 'live') {
      if (this.everLive) this.h.recoveries++;
      this.everLive = true;
      this.failures = 0;
      this.setState('live');
    }
    this.queue.push(f);
    this.emit('frame', f);
  }

  private onExit(reader: FfmpegFrameReader | undefined, exit: ReaderExit): void {
    if (reader && reader !== this.reader) return;
    this.reader = undefined;
    if (!this.running) return;
    const reason = this.killReason ?? exit.reason;
    if (this.opts.endIsFinal && exit.reason === 'stream ended') {
      this.log.info('input ended', { reason });
      void this.stop().then(() => (this.h.lastError = 'input ended'));
      return;
    }
    this.log.warn('ffmpeg exited', { reason, code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-3) });
    if (this.h.state !== 'stalled') this.setState('down', reason);
    else this.h.lastError = reason;
    const delay = backoffDelay(this.failures++, this.bo);
    this.retryTimer = setTimeout(() => {
      this.h.reconnects++;
      void this.connect();
    }, delay);
  }

  private watchdog(): void {
    const r = this.reader;
    if (!r || this.killReason) return;
    const now = Date.now();
    if (this.h.state === 'live' && now - (this.h.lastFrameAt ?? 0) > this.wd.stallMs) {
      this.killReason = `no frame for ${Math.round((now - (this.h.lastFrameAt ?? 0)) / 1000)} s`;
      this.h.stalls++;
      this.setState('stalled', this.killReason);
      void r.stop(this.wd.killGraceMs);
    } else if (this.h.state === 'connecting' && now - this.attemptAt > this.wd.connectMs) {
      this.killReason = `no frame within ${Math.round(this.wd.connectMs / 1000)} s of connecting`;
      void r.stop(this.wd.killGraceMs);
    }
  }
}
