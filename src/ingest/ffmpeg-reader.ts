// One ffmpeg process that samples a video input at a fixed rate and yields Frames. The
// filter graph splits every sample in two outputs of the same process: BGR scaled to the
// detector input on pipe:1 (no JPEG→BGR decode on the hot path) and the full-resolution
// JPEG on pipe:3. Both come out in sample order, so the n-th image of each pipe pair up.
// Sources (RTSP, file, GB28181 over stdin) wrap this class and add reconnect policy.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Frame } from './types.ts';
import { JpegSplitter, type JpegImage } from './jpeg-split.ts';
import { StderrTail, reasonFromStderr } from './ffmpeg-stderr.ts';
import { terminate, trackChild } from './child-registry.ts';
import { AsyncQueue } from './async-queue.ts';

export interface FfmpegInputSpec {
  /** URL or file path ffmpeg opens; leave out when `stdin` is given (ffmpeg reads pipe:0). */
  url?: string;
  /** Bytes piped into ffmpeg's stdin, e.g. MPEG-PS from GB28181 (with inputArgs ['-f','mpeg']). */
  stdin?: Readable;
  /** Options placed before `-i`, e.g. ['-rtsp_transport','tcp','-timeout','5000000'] or ['-re']. */
  inputArgs?: string[];
}

export interface FfmpegReaderOptions {
  cameraId: string;
  input: FfmpegInputSpec;
  /** Samples per second. */
  fps: number;
  /** Decode keyframes only (`-skip_frame nokey`); right when the sample interval exceeds the GOP. */
  keyframesOnly?: boolean;
  /** The box the BGR image is scaled to fit, aspect kept (default 416×416). */
  detectorWidth?: number;
  detectorHeight?: number;
  /** ffmpeg mjpeg `-q:v`, 2 (best) … 31 (default 3). */
  jpegQuality?: number;
  /** First `seq` of this process's frames, so seq stays monotonic across reconnects. */
  seqStart?: number;
  /** Frames kept for a slow consumer before the oldest is dropped (default 8). */
  maxQueue?: number;
  /** false: no full-resolution JPEG (offline tools that only need the detector image). */
  jpeg?: boolean;
  /** ffmpeg filters applied before sampling (e.g. a crop, for evaluation). */
  preFilter?: string;
  /** Detector image layout: packed bgr24 (default) or planar gbrp. */
  pixFmt?: SamplePixFmt;
  /** Never drop: ffmpeg is paused (pipe back-pressure) while `maxQueue` frames wait. For files
   *  read as fast as possible (`huiyan analyze`, evaluation) and paced recordings. */
  lossless?: boolean;
  ffmpegPath?: string;
}

export interface ReaderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Short diagnosis from stderr ("connection refused", "stream ended", "stopped", …). */
  reason: string;
  stderrTail: string[];
  frames: number;
  /** Set when the picture size changed: the stream time (s) to go on from with a fresh reader… */
  resumeAt?: number;
  /** … and the byte offset of that sample's packet in the input, when known. */
  resumePos?: number;
}

/** Size ffmpeg 5.1's scale filter picks with force_original_aspect_ratio=decrease. */
export function fitSize(srcW: number, srcH: number, boxW: number, boxH: number): { width: number; height: number } {
  // av_rescale rounds half away from zero; all values here are positive.
  const rescale = (a: number, b: number, c: number) => Math.floor((a * b + Math.floor(c / 2)) / c);
  return { width: Math.min(rescale(boxH, srcW, srcH), boxW), height: Math.min(rescale(boxW, srcH, srcW), boxH) };
}

const SHOWINFO = /^\[showinfo@(in|out) @ [^\]]+\] n:\s*\d+ pts:\s*-?\d+ pts_time:(-?[\d.e+-]+)\s+pos:\s*(-?\d+).*? s:(\d+)x(\d+) .*?iskey:(\d)/;

/**
 * The sampling filter: the first frame of every 1/fps slot of the stream's own timeline. Unlike
 * ffmpeg's fps filter it never repeats a frame, so a camera sending 1 frame per 8 s yields one
 * sample per 8 s (not 8 copies at once), a gap in a recording yields nothing for its length, and
 * a timestamp that jumps back (camera clock reset, concatenated recordings) restarts the slots
 * instead of silencing the stream until the old time comes round again.
 */
export function sampleFilter(fps: number): string {
  // Only a jump back by more than max(1 s, one slot) restarts the slots: RTSP's RTCP re-sync
  // nudges timestamps back a little, which must not yield an extra sample.
  const back = Math.max(1, 1 / fps);
  return `select='isnan(prev_selected_t)+gte(floor(t*${fps})\\,floor(prev_selected_t*${fps})+1)+lt(t\\,prev_selected_t-${back})'`;
}

/**
 * THE output format of the sampler, in one place: the filter that turns a sample into the
 * detector image, and the matching pixel layout. `pixFmt` bytes per pixel × fitted size = one image.
 */
export const DETECTOR_OUTPUT = {
  pixFmt: 'bgr24' as SamplePixFmt,
  /** bgr24 (packed) and gbrp (planar) both carry 3 bytes per pixel. */
  bytesPerPixel: 3,
  filter: (w: number, h: number, pixFmt: SamplePixFmt = 'bgr24') => `scale=${w}:${h}:force_original_aspect_ratio=decrease,format=${pixFmt}`,
};
export type SamplePixFmt = 'bgr24' | 'gbrp';

export function buildFfmpegArgs(o: FfmpegReaderOptions): string[] {
  const w = o.detectorWidth ?? 416;
  const h = o.detectorHeight ?? 416;
  // showinfo@in (keyframe mode only: one line per keyframe) measures the GOP; showinfo@out
  // reports the pts and size of every sample (in output order, also across filter re-inits).
  const probe = o.keyframesOnly ? 'showinfo@in,' : '';
  const pre = o.preFilter ? `${o.preFilter},` : '';
  const scale = DETECTOR_OUTPUT.filter(w, h, o.pixFmt ?? DETECTOR_OUTPUT.pixFmt);
  const withJpeg = o.jpeg !== false;
  const graph = withJpeg
    ? `[0:v:0]${pre}${probe}${sampleFilter(o.fps)},showinfo@out,split=2[a][b];[a]${scale}[s]`
    : `[0:v:0]${pre}${probe}${sampleFilter(o.fps)},showinfo@out,${scale}[s]`;
  const jpegOut = ['-map', '[b]', '-fps_mode', 'passthrough', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', String(o.jpegQuality ?? 3), 'pipe:3'];
  return [
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'info',
    ...(o.input.stdin ? [] : ['-nostdin']),
    ...(o.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    ...(o.input.inputArgs ?? []),
    '-i',
    o.input.stdin ? 'pipe:0' : (o.input.url ?? ''),
    '-filter_complex',
    graph,
    // Samples keep their own times: no frame is duplicated or dropped to make a constant rate.
    '-map',
    '[s]',
    '-fps_mode',
    'passthrough',
    ...(withJpeg ? [] : ['-autoscale', '0']),
    '-f',
    'rawvideo',
    'pipe:1',
    ...(withJpeg ? jpegOut : []),
  ];
}

interface SampleInfo {
  pts: number;
  /** Byte offset of the sample's packet in the input (-1 when unknown). */
  pos: number;
  width: number;
  height: number;
}

export class FfmpegFrameReader extends EventEmitter {
  private child?: ChildProcess;
  private readonly queue: AsyncQueue<Frame>;
  private readonly jpegs: JpegImage[] = [];
  private bgrChunks: Buffer[] = [];
  private bgrBytes = 0;
  /** showinfo@out records not yet paired with their images, in sample order. */
  private readonly samples: SampleInfo[] = [];
  private readonly keyPts: number[] = [];
  private index = 0;
  private firstSize?: { width: number; height: number };
  private stopping = false;
  private stopReason?: string;
  private paused = false;
  private readonly tail: StderrTail;
  /** Resolves once ffmpeg has exited, with why. */
  readonly exited: Promise<ReaderExit>;
  private resolveExit!: (e: ReaderExit) => void;
  readonly stats = { frames: 0, dropped: 0, keyframeIntervalS: undefined as number | undefined, lastPos: undefined as number | undefined };

  constructor(private readonly opts: FfmpegReaderOptions) {
    super();
    this.queue = new AsyncQueue<Frame>(opts.lossless ? Infinity : (opts.maxQueue ?? 8), () => this.stats.dropped++, () => this.resumeIfDrained());
    this.tail = new StderrTail(30, (line) => this.onStderrLine(line));
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.child) throw new Error('FfmpegFrameReader.start() called twice');
    const o = this.opts;
    const child = spawn(o.ffmpegPath ?? 'ffmpeg', buildFfmpegArgs(o), {
      stdio: [o.input.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    trackChild(child);
    const splitter = new JpegSplitter();
    child.stdout!.on('data', (c: Buffer) => {
      this.bgrChunks.push(c);
      this.bgrBytes += c.length;
      this.assemble();
    });
    (child.stdio[3] as Readable).on('data', (c: Buffer) => {
      this.jpegs.push(...splitter.push(c));
      this.assemble();
    });
    child.stderr!.on('data', (c: Buffer) => this.tail.push(c));
    if (o.input.stdin) {
      const sink = child.stdin as Writable;
      sink.on('error', () => {}); // EPIPE once ffmpeg exits; the exit handler reports it
      o.input.stdin.pipe(sink);
    }
    child.on('error', (err) => this.tail.push(`spawn error: ${err.message}\n`));
    child.on('close', (code, signal) => {
      this.tail.flush();
      this.assemble(true);
      if (o.input.stdin && child.stdin) o.input.stdin.unpipe(child.stdin);
      const reason = this.stopReason ?? (this.stopping
        ? 'stopped'
        : (reasonFromStderr(this.tail.lines) ?? (code === 0 ? 'stream ended' : `ffmpeg exited (${signal ?? code})`)));
      const exit: ReaderExit = { code, signal, reason, stderrTail: [...this.tail.lines], frames: this.stats.frames, resumeAt: this.resumeAt, resumePos: this.resumePos };
      this.queue.end();
      this.resolveExit(exit);
      this.emit('exit', exit);
    });
  }

  /** Stream time (s) and byte offset of the first sample not delivered when the picture size changed. */
  private resumeAt?: number;
  private resumePos?: number;

  /** Frames in sample order; ends when ffmpeg exits. Only one consumer. */
  frames(): AsyncIterableIterator<Frame> {
    return this.queue[Symbol.asyncIterator]();
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 2000): Promise<ReaderExit> {
    this.stopping = true;
    if (this.child) {
      this.child.stdout?.resume();
      (this.child.stdio[3] as Readable | null)?.resume();
      await terminate(this.child, graceMs);
    } else {
      this.queue.end();
      this.resolveExit({ code: null, signal: null, reason: 'stopped', stderrTail: [], frames: 0 });
    }
    return this.exited;
  }

  private onStderrLine(line: string): void {
    const m = SHOWINFO.exec(line);
    if (!m) return;
    const t = Number(m[2]);
    if (m[1] === 'out') {
      this.samples.push({ pts: t, pos: Number(m[3]), width: Number(m[4]), height: Number(m[5]) });
      this.assemble();
      return;
    }
    if (m[6] !== '1') return;
    this.keyPts.push(t);
    if (this.keyPts.length > 8) this.keyPts.shift();
    if (this.keyPts.length >= 2) {
      const gaps = this.keyPts.slice(1).map((v, i) => v - this.keyPts[i]!).sort((a, b) => a - b);
      this.stats.keyframeIntervalS = gaps[Math.floor(gaps.length / 2)]!;
      this.emit('keyframeInterval', this.stats.keyframeIntervalS);
    }
  }

  /**
   * Pairs the next JPEG with the next BGR image and its showinfo record once all three have
   * arrived (at exit, a missing record is extrapolated). ffmpeg's encoders keep the size of the
   * first sample, so a sample of another size would come out squeezed: the reader stops there
   * with reason 'resolution changed' and `resumeAt`, and its owner starts a fresh one.
   */
  private assemble(atExit = false): void {
    const o = this.opts;
    const withJpeg = o.jpeg !== false;
    while ((withJpeg ? this.jpegs.length > 0 : this.samples.length > 0) && this.stopReason === undefined) {
      const info = this.samples[0];
      if (!info && !atExit) return;
      const jpeg = withJpeg ? this.jpegs[0]! : { width: info!.width, height: info!.height, data: Buffer.alloc(0) };
      this.firstSize ??= { width: info?.width ?? jpeg.width, height: info?.height ?? jpeg.height };
      // Without a JPEG encoder the raw output follows every size (-autoscale 0): nothing to restart.
      if (withJpeg && info && (info.width !== this.firstSize.width || info.height !== this.firstSize.height)) {
        this.stopReason = `resolution changed ${this.firstSize.width}x${this.firstSize.height} → ${info.width}x${info.height}`;
        this.resumeAt = info.pts;
        this.resumePos = info.pos >= 0 ? info.pos : undefined;
        void this.stop(1000);
        return;
      }
      const { width, height } = fitSize(jpeg.width, jpeg.height, o.detectorWidth ?? 416, o.detectorHeight ?? 416);
      const size = width * height * DETECTOR_OUTPUT.bytesPerPixel;
      if (this.bgrBytes < size) return;
      const all = this.bgrChunks.length === 1 ? this.bgrChunks[0]! : Buffer.concat(this.bgrChunks);
      const bgr = Buffer.from(all.subarray(0, size));
      const rest = all.subarray(size);
      this.bgrChunks = rest.length ? [rest] : [];
      this.bgrBytes = rest.length;
      if (withJpeg) this.jpegs.shift();
      this.samples.shift();
      if (info && info.pos >= 0) this.stats.lastPos = info.pos;
      const k = this.index++;
      const frame: Frame = {
        cameraId: o.cameraId,
        capturedAt: Date.now(),
        pts: info?.pts ?? k / o.fps,
        seq: (o.seqStart ?? 0) + k,
        sourceWidth: jpeg.width,
        sourceHeight: jpeg.height,
        bgr: { data: bgr, width, height },
        jpeg: jpeg.data,
      };
      this.stats.frames++;
      this.queue.push(frame);
      this.emit('frame', frame);
    }
    this.applyBackpressure();
  }

  /** Lossless mode: ffmpeg waits (its pipes fill) while the consumer has `maxQueue` frames. */
  private applyBackpressure(): void {
    if (!this.opts.lossless || !this.child || this.stopping) return;
    if (!this.paused && this.queue.size >= (this.opts.maxQueue ?? 8)) {
      this.paused = true;
      this.child.stdout?.pause();
      (this.child.stdio[3] as Readable | null)?.pause();
    }
  }

  private resumeIfDrained(): void {
    if (!this.paused || !this.child || this.queue.size >= (this.opts.maxQueue ?? 8)) return;
    this.paused = false;
    this.child.stdout?.resume();
    (this.child.stdio[3] as Readable | null)?.resume();
  }
}
