// The SourceRunner for every ffmpeg input (RTSP, files, and GB28181's PS on stdin): one attempt =
// one FfmpegFrameReader, frames until ffmpeg exits. Watchdog, back-off and state belong to the
// SourceSupervisor. With ffmpeg 5.1 any exit means "disconnected" (a killed RTSP server gives 0).
import type { Frame } from './types.ts';
import { FfmpegFrameReader, type FfmpegInputSpec } from './ffmpeg-reader.ts';
import { probeGop } from './gop-probe.ts';
import { maskSecrets } from './credentials.ts';
import type { RunContext, SourceRunner, SourceSupervisor, SupervisedHealth } from './supervisor.ts';

export interface FfmpegRunnerOptions {
  cameraId: string;
  fps: number;
  keyframesOnly: boolean | 'auto';
  /** Builds the ffmpeg input for each attempt; `startAt` asks a recording to start at that
   *  stream time (s) or byte offset. */
  input: (ctx: RunContext, startAt?: StartAt) => FfmpegInputSpec | Promise<FfmpegInputSpec>;
  /** A recording: pace samples by their timestamps (realtime), never drop one, and after a fault
   *  go on from where it was instead of from the start. */
  recording?: { realtime: boolean; resume: boolean };
  /** URL and input args to measure the GOP with when keyframesOnly is 'auto'. */
  probe?: { url: string; inputArgs: string[] };
  /** A clean end of input is final (a non-looping file), not a fault to reconnect from. */
  endIsFinal?: boolean;
  detectorWidth?: number;
  detectorHeight?: number;
  jpegQuality?: number;
}

/** Health fields of an ffmpeg-based source, next to SupervisedHealth's common ones. */
export interface FfmpegDetails {
  keyframesOnly: boolean;
  gopSeconds?: number;
  pid?: number;
}
export type FfmpegSourceHealth = SupervisedHealth & Partial<FfmpegDetails>;
export type FfmpegSource = SourceSupervisor<FfmpegDetails>;

/** Where a recording goes on: stream time (s) and, when known, the byte offset of that sample. */
export interface StartAt {
  pts: number;
  pos?: number;
}

export class FfmpegRunner implements SourceRunner<FfmpegDetails> {
  readonly endIsFinal: boolean;
  private reader?: FfmpegFrameReader;
  private gop?: number;
  private gopDecided = false;
  private keyframesOnly: boolean;

  constructor(private readonly opts: FfmpegRunnerOptions) {
    this.endIsFinal = opts.endIsFinal ?? false;
    this.keyframesOnly = opts.keyframesOnly === true;
  }

  details(): FfmpegDetails {
    return { keyframesOnly: this.keyframesOnly, gopSeconds: this.gop, pid: this.reader?.running ? this.reader.pid : undefined };
  }

  private async decideKeyframes(timeoutMs: number): Promise<boolean> {
    const mode = this.opts.keyframesOnly;
    if (mode !== 'auto') return mode;
    if (!this.gopDecided && this.opts.probe) {
      this.gop = await probeGop(this.opts.probe.url, this.opts.probe.inputArgs, timeoutMs);
      // A probe that saw no keyframe pair may just mean the camera is down: try again next time.
      this.gopDecided = this.gop !== undefined;
    }
    // The sampler never repeats a frame, but keyframe-only decoding with a GOP longer than the
    // sample interval would sample at the GOP rate: decode everything then.
    return this.gop !== undefined && this.gop <= 1 / this.opts.fps + 1e-3;
  }

  /** The last sample delivered from a recording, to resume after a fault. */
  private position?: StartAt;

  async *run(ctx: RunContext): AsyncGenerator<Frame> {
    this.keyframesOnly = await this.decideKeyframes(8000);
    const rec = this.opts.recording;
    let startAt = rec?.resume ? this.position : undefined;
    const pace = rec?.realtime ? new Pacer(this.opts.fps, ctx.signal) : undefined;
    for (;;) {
      const input = await this.opts.input(ctx, startAt);
      if (ctx.signal.aborted) return;
      const reader = new FfmpegFrameReader({
        cameraId: this.opts.cameraId, input, fps: this.opts.fps, keyframesOnly: this.keyframesOnly, seqStart: ctx.seqStart,
        maxQueue: rec ? 2 : 1, lossless: !!rec,
        detectorWidth: this.opts.detectorWidth, detectorHeight: this.opts.detectorHeight, jpegQuality: this.opts.jpegQuality,
      });
      this.reader = reader;
      const onAbort = () => void reader.stop(ctx.killGraceMs);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        reader.start();
        ctx.started();
        for await (const f of reader.frames()) {
          // With -ss the decoder's clock starts at 0 again: keep pts on the recording's timeline.
          if (startAt !== undefined) f.pts += startAt.pts;
          if (pace) {
            await pace.wait(f.pts);
            // Played like a live camera: the frame is "captured" when its time comes, not when
            // ffmpeg decoded it (seconds ahead), so lag, dwell and evidence times read as live.
            f.capturedAt = Date.now();
          }
          if (ctx.signal.aborted) return;
          if (rec) this.position = { pts: f.pts, pos: reader.stats.lastPos };
          ctx.seqStart = f.seq + 1;
          yield f;
        }
        const exit = await reader.exited;
        if (ctx.signal.aborted) return;
        if (exit.resumeAt !== undefined) {
          // The picture size changed: a fresh ffmpeg takes the new size (recordings go on from there).
          ctx.log.info('picture size changed', { reason: exit.reason });
          if (rec) startAt = { pts: (startAt?.pts ?? 0) + exit.resumeAt, pos: exit.resumePos };
          continue;
        }
        if (exit.reason === 'stream ended') {
          this.position = undefined;
          return;
        }
        ctx.log.warn('ffmpeg exited', { reason: exit.reason, code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-3).map(maskSecrets) });
        throw new Error(exit.reason);
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        await reader.stop(ctx.killGraceMs);
      }
    }
  }
}

/**
 * Plays a recording's samples at the pace of their timestamps (what `-re` does, but per sample).
 * A timestamp gap longer than max(2 s, 3 sample intervals, 3 of the recording's own usual
 * intervals) or one going backwards is not waited out — the next sample follows one interval
 * later — so a gap in an NVR export is played through rather than sat out until the watchdog
 * calls the camera stalled, while a time-lapse recording (1 frame per 8 s) keeps its pace.
 */
export class Pacer {
  private base?: { wall: number; pts: number };
  private last?: number;
  private readonly deltas: number[] = [];
  constructor(private readonly fps: number, private readonly signal: AbortSignal) {}

  private usual(): number {
    if (this.deltas.length === 0) return 0;
    const s = [...this.deltas].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  }

  async wait(pts: number): Promise<void> {
    const interval = 1 / this.fps;
    const now = Date.now();
    const delta = this.last === undefined ? undefined : pts - this.last;
    const gap = Math.max(2, 3 * interval, 3 * this.usual());
    // The first step is always waited out (it teaches the recording's usual interval).
    if (!this.base || delta === undefined || delta < 0 || (this.deltas.length > 0 && delta > gap)) {
      const wall = this.base && this.last !== undefined ? Math.max(now, this.base.wall + (this.last - this.base.pts) * 1000 + interval * 1000) : now;
      this.base = { wall, pts };
    } else {
      this.deltas.push(delta);
      if (this.deltas.length > 9) this.deltas.shift();
    }
    this.last = pts;
    const ms = this.base.wall + (pts - this.base.pts) * 1000 - now;
    if (ms <= 0 || this.signal.aborted) return;
    await new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      const signal = this.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        r();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
