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
  ffmpegPath?: string;
}

export interface ReaderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Short diagnosis from stderr ("connection refused", "stream ended", "stopped", …). */
  reason: string;
  stderrTail: string[];
  frames: number;
}

/** Size ffmpeg 5.1's scale filter picks with force_original_aspect_ratio=decrease. */
export function fitSize(srcW: number, srcH: number, boxW: number, boxH: number): { width: number; height: number } {
  // av_rescale rounds half away from zero; all values here are positive.
  const rescale = (a: number, b: number, c: number) => Math.floor((a * b + Math.floor(c / 2)) / c);
  return { width: Math.min(rescale(boxH, srcW, srcH), boxW), height: Math.min(rescale(boxW, srcH, srcW), boxH) };
}

const SHOWINFO = /^\[showinfo@(in|out) @ [^\]]+\] n:\s*(\d+) pts:\s*-?\d+ pts_time:(-?[\d.e+-]+).*?iskey:(\d)/;

export function buildFfmpegArgs(o: FfmpegReaderOptions): string[] {
  const w = o.detectorWidth ?? 416;
  const h = o.detectorHeight ?? 416;
  // showinfo@in (keyframe mode only: one line per keyframe) measures the GOP; showinfo@out
  // reports the pts of every sample.
  const probe = o.keyframesOnly ? 'showinfo@in,' : '';
  const graph =
    `[0:v:0]${probe}fps=${o.fps},showinfo@out,split=2[a][b];` +
    `[a]scale=${w}:${h}:force_original_aspect_ratio=decrease,format=bgr24[s]`;
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
    '-map',
    '[s]',
    '-f',
    'rawvideo',
    'pipe:1',
    '-map',
    '[b]',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-q:v',
    String(o.jpegQuality ?? 3),
    'pipe:3',
  ];
}

export class FfmpegFrameReader extends EventEmitter {
  private child?: ChildProcess;
  private readonly queue: AsyncQueue<Frame>;
  private readonly jpegs: JpegImage[] = [];
  private bgrChunks: Buffer[] = [];
  private bgrBytes = 0;
  private readonly pts = new Map<number, number>();
  private readonly keyPts: number[] = [];
  private index = 0;
  private lastPts = 0;
  private stopping = false;
  private readonly tail: StderrTail;
  /** Resolves once ffmpeg has exited, with why. */
  readonly exited: Promise<ReaderExit>;
  private resolveExit!: (e: ReaderExit) => void;
  readonly stats = { frames: 0, dropped: 0, keyframeIntervalS: undefined as number | undefined };

  constructor(private readonly opts: FfmpegReaderOptions) {
    super();
    this.queue = new AsyncQueue<Frame>(opts.maxQueue ?? 8, () => this.stats.dropped++);
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
      if (o.input.stdin && child.stdin) o.input.stdin.unpipe(child.stdin);
      const reason = this.stopping
        ? 'stopped'
        : (reasonFromStderr(this.tail.lines) ?? (code === 0 ? 'stream ended' : `ffmpeg exited (${signal ?? code})`));
      const exit: ReaderExit = { code, signal, reason, stderrTail: [...this.tail.lines], frames: this.stats.frames };
      this.queue.end();
      this.resolveExit(exit);
      this.emit('exit', exit);
    });
  }

  /** Frames in sample order; ends when ffmpeg exits. Only one consumer. */
  frames(): AsyncIterableIterator<Frame> {
    return this.queue[Symbol.asyncIterator]();
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 2000): Promise<ReaderExit> {
    this.stopping = true;
    if (this.child) await terminate(this.child, graceMs);
    else {
      this.queue.end();
      this.resolveExit({ code: null, signal: null, reason: 'stopped', stderrTail: [], frames: 0 });
    }
    return this.exited;
  }

  private onStderrLine(line: string): void {
    const m = SHOWINFO.exec(line);
    if (!m) return;
    const n = Number(m[2]);
    const t = Number(m[3]);
    if (m[1] === 'out') {
      this.pts.set(n, t);
      return;
    }
    if (m[4] !== '1') return;
    this.keyPts.push(t);
    if (this.keyPts.length > 8) this.keyPts.shift();
    if (this.keyPts.length >= 2) {
      const gaps = this.keyPts.slice(1).map((v, i) => v - this.keyPts[i]!).sort((a, b) => a - b);
      this.stats.keyframeIntervalS = gaps[Math.floor(gaps.length / 2)]!;
      this.emit('keyframeInterval', this.stats.keyframeIntervalS);
    }
  }

  /** Pairs the next JPEG with the next BGR image once both have arrived. */
  private assemble(): void {
    const o = this.opts;
    while (this.jpegs.length > 0) {
      const jpeg = this.jpegs[0]!;
      const { width, height } = fitSize(jpeg.width, jpeg.height, o.detectorWidth ?? 416, o.detectorHeight ?? 416);
      const size = width * height * 3;
      if (this.bgrBytes < size) return;
      const all = this.bgrChunks.length === 1 ? this.bgrChunks[0]! : Buffer.concat(this.bgrChunks);
      const bgr = Buffer.from(all.subarray(0, size));
      const rest = all.subarray(size);
      this.bgrChunks = rest.length ? [rest] : [];
      this.bgrBytes = rest.length;
      this.jpegs.shift();
      const k = this.index++;
      // The showinfo line normally precedes the images; if stderr lags, extrapolate.
      const pts = this.pts.get(k) ?? (k === 0 ? 0 : this.lastPts + 1 / o.fps);
      this.pts.delete(k);
      this.lastPts = pts;
      const frame: Frame = {
        cameraId: o.cameraId,
        capturedAt: Date.now(),
        pts,
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
  }
}
