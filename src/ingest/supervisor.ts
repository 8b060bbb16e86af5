// The one source supervisor (the MediaMTX pattern). Every source kind — file, RTSP, GB28181 —
// implements only `SourceRunner.run()`: connect, yield frames until the input fails (throw) or
// ends (return). The supervisor owns everything around it for all kinds alike: the watchdog
// (adapted to the frame interval the camera really delivers), back-off with jitter, the state
// machine (connecting → live → stalled | down → … , stopped) and health.
import { EventEmitter } from 'node:events';
import type { Frame, FrameSource, SourceHealth, CameraState } from './types.ts';
import { AsyncQueue } from './async-queue.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { maskSecrets } from './credentials.ts';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = anywhere in 0..delay). */
  jitter: number;
}

/**
 * Watchdog bounds. The stall timeout is `stallIntervals` × the median interval between the last
 * 9 frames the camera delivered (each the longer of wall-clock and stream time between two
 * deliveries), clamped to [stallMs, maxStallMs]; before two frames have been seen it is
 * maxStallMs. The measured interval survives reconnects (it is the camera's rate).
 */
export interface WatchdogOptions {
  /** Lower bound of the stall timeout (a 25 fps camera is still allowed this long). */
  stallMs: number;
  /** Upper bound of the stall timeout (a battery camera sending 1 frame/min is stalled after this). */
  maxStallMs: number;
  /** Intervals without a frame before a live camera counts as stalled. */
  stallIntervals: number;
  /** Connection attempt without a first frame for this long → aborted, retried. Grows to cover
   *  `stallIntervals` × the interval measured earlier (up to maxStallMs). The default (45 s)
   *  lets a camera whose rate is not known yet connect: ffmpeg releases the first frame of a
   *  1-per-8-s RTSP camera only after probing ~4 of them (32 s measured). A server that stops
   *  answering is found sooner by the RTSP socket timeout. */
  connectMs: number;
  /** SIGTERM → SIGKILL grace when a runner kills its process. */
  killGraceMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { stallMs: 5000, maxStallMs: 60_000, stallIntervals: 3, connectMs: 45_000, killGraceMs: 1500 };
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000, jitter: 0.3 };

export interface RunContext {
  /** Aborted when the supervisor gives up on this attempt (stall, connect timeout, stop). */
  signal: AbortSignal;
  /** First `Frame.seq` of this attempt, so seq stays monotonic across reconnects. */
  seqStart: number;
  killGraceMs: number;
  log: Logger;
  /** The runner has set up (probed, INVITEd) and now waits for its first frame: the connect
   *  timeout counts from here, so a slow probe under load does not eat it. */
  started(): void;
}

/** What one source kind implements: one connection's life, nothing else. */
export interface SourceRunner<D extends object = object> {
  /** Yields frames until the input fails (throws, the message is the reason) or ends (returns). */
  run(ctx: RunContext): AsyncIterable<Frame>;
  /** A clean end is final (a recording played to its end): `stopped`, not a fault. */
  readonly endIsFinal?: boolean;
  /** Kind-specific health fields (process id, GOP, SIP/RTP counters …). */
  details?(): D;
}

export interface StateChange {
  state: CameraState;
  at: number;
  reason?: string;
}

export interface SupervisedHealth extends SourceHealth {
  stalls: number;
  /** Times the camera went live again after a disconnect. */
  recoveries: number;
  /** Median wall-clock interval between the frames the camera delivered recently (ms). */
  frameIntervalMs?: number;
  /** The stall timeout in force now (ms). */
  stallAfterMs: number;
  droppedFrames: number;
  history: StateChange[];
}

export function backoffDelay(failures: number, o: BackoffOptions, random = Math.random): number {
  const full = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(failures, 30));
  return Math.round(full * (1 - o.jitter * random()));
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export interface SupervisorOptions {
  cameraId: string;
  watchdog?: Partial<WatchdogOptions>;
  backoff?: Partial<BackoffOptions>;
  /** Frames kept for a slow consumer; the oldest is dropped (default 8). */
  maxQueue?: number;
  log?: Logger;
}

export class SourceSupervisor<D extends object = object> extends EventEmitter implements FrameSource {
  readonly cameraId: string;
  readonly wd: WatchdogOptions;
  private readonly bo: BackoffOptions;
  private readonly log: Logger;
  private queue: AsyncQueue<Frame>;
  private running = false;
  private loop?: Promise<void>;
  private attempt?: AbortController;
  private killReason?: string;
  private wake?: () => void;
  private watchdogTimer?: NodeJS.Timeout;
  private attemptAt = 0;
  /** Wall clock when the last frame reached the consumer: the watchdog's basis. Not the frame's
   *  capturedAt, which for a paced recording is when ffmpeg decoded it, samples ahead. */
  private deliveredAt = 0;
  private deliveredPts = 0;
  private failures = 0;
  private seq = 0;
  private everLive = false;
  private readonly gaps: number[] = [];
  private readonly h: Omit<SupervisedHealth, 'stallAfterMs'>;

  constructor(private readonly runner: SourceRunner<D>, private readonly opts: SupervisorOptions) {
    super();
    this.cameraId = opts.cameraId;
    this.wd = { ...DEFAULT_WATCHDOG, ...opts.watchdog };
    this.bo = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.log = (opts.log ?? createLogger({ stage: 'ingest' })).child({ cameraId: opts.cameraId });
    this.queue = new AsyncQueue<Frame>(opts.maxQueue ?? 8);
    this.h = { cameraId: opts.cameraId, state: 'stopped', since: Date.now(), framesTotal: 0, reconnects: 0, stalls: 0, recoveries: 0, droppedFrames: 0, history: [] };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue = new AsyncQueue<Frame>(this.opts.maxQueue ?? 8, () => this.h.droppedFrames++);
    this.watchdogTimer = setInterval(() => this.watchdog(), 250);
    this.loop = this.runLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.watchdogTimer);
    this.killReason ??= 'stopped';
    this.attempt?.abort();
    this.wake?.();
    await this.loop;
    this.queue.end();
    this.setState('stopped', this.h.state === 'stopped' ? undefined : 'stopped');
  }

  /** Cuts a back-off wait short (e.g. a GB28181 device has just registered again). */
  retryNow(): void {
    this.failures = 0;
    this.wake?.();
  }

  /** Gives up on the current attempt with a reason (e.g. the device went offline): `down`, retried. */
  interrupt(reason: string): void {
    if (!this.attempt || this.killReason) return;
    this.killReason = reason;
    this.attempt.abort();
  }

  /** Common fields plus the runner's own (`details()`: pid, GOP, SIP/RTP counters …). */
  health(): SupervisedHealth & Partial<D> {
    return {
      ...((this.runner.details?.() ?? {}) as Partial<D>),
      ...this.h,
      frameIntervalMs: this.intervalMs(),
      stallAfterMs: this.stallAfterMs(),
      history: [...this.h.history],
    };
  }

  /** Frames across reconnects; ends on stop(). One consumer; observers may listen to 'frame'. */
  frames(): AsyncIterable<Frame> {
    return this.queue;
  }

  /** Median of the recent inter-frame gaps (ms), or undefined before two frames. */
  private intervalMs(): number | undefined {
    if (this.gaps.length === 0) return undefined;
    const s = [...this.gaps].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }

  private stallAfterMs(): number {
    const interval = this.intervalMs();
    // Until two frames have shown the camera's rate, only the upper bound is safe: a battery
    // camera's second frame may be a minute away.
    if (interval === undefined) return this.wd.maxStallMs;
    return clamp(this.wd.stallIntervals * interval, this.wd.stallMs, this.wd.maxStallMs);
  }

  private connectAfterMs(): number {
    const interval = this.intervalMs() ?? 0;
    return clamp(this.wd.stallIntervals * interval, this.wd.connectMs, Math.max(this.wd.connectMs, this.wd.maxStallMs));
  }

  private setState(state: CameraState, reason?: string): void {
    if (state === this.h.state) return;
    const at = Date.now();
    const why = reason === undefined ? undefined : maskSecrets(reason);
    this.h.state = state;
    this.h.since = at;
    if (why && state !== 'live') this.h.lastError = why;
    this.h.history.push({ state, at, reason: why });
    if (this.h.history.length > 50) this.h.history.shift();
    this.log.info('camera state', { state, reason: why });
    this.emit('state', { state, at, reason: why } satisfies StateChange);
  }

  private async runLoop(): Promise<void> {
    while (this.running) {
      const reason = await this.runOnce();
      if (!this.running) return;
      if (reason === undefined) {
        // The recording played to its end: final, not a fault.
        this.running = false;
        clearInterval(this.watchdogTimer);
        this.queue.end();
        this.setState('stopped', 'input ended');
        return;
      }
      if (this.h.state === 'stalled') this.h.lastError = maskSecrets(reason);
      else this.setState('down', reason);
      await this.sleep(backoffDelay(this.failures++, this.bo));
      if (!this.running) return;
      this.h.reconnects++;
    }
  }

  /** One attempt; resolves with why it ended, or undefined for a final clean end. */
  private async runOnce(): Promise<string | undefined> {
    const ac = new AbortController();
    this.attempt = ac;
    this.killReason = undefined;
    this.attemptAt = Date.now();
    this.setState('connecting');
    try {
      const ctx: RunContext = {
        signal: ac.signal, seqStart: this.seq, killGraceMs: this.wd.killGraceMs, log: this.log,
        started: () => void (this.attemptAt = Date.now()),
      };
      let firstOfAttempt = true;
      for await (const f of this.runner.run(ctx)) {
        if (ac.signal.aborted) break;
        this.onFrame(f, firstOfAttempt);
        firstOfAttempt = false;
      }
      if (this.killReason) return this.killReason;
      return this.runner.endIsFinal ? undefined : 'stream ended';
    } catch (e) {
      return this.killReason ?? (e as Error).message;
    } finally {
      this.attempt = undefined;
    }
  }

  private onFrame(f: Frame, firstOfAttempt: boolean): void {
    const now = Date.now();
    // A gap across a reconnect is not the camera's rate. Frames arrive in bursts (ffmpeg's probe
    // releases the frames it buffered at once, a network hiccup catches up), so the stream time
    // between them counts too: a burst of a 1-per-2-s camera is still 2 s apart.
    if (!firstOfAttempt) {
      const streamMs = (f.pts - this.deliveredPts) * 1000;
      this.gaps.push(Math.max(now - this.deliveredAt, streamMs > 0 ? streamMs : 0));
      if (this.gaps.length > 9) this.gaps.shift();
    }
    this.deliveredAt = now;
    this.deliveredPts = f.pts;
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

  private watchdog(): void {
    const ac = this.attempt;
    if (!ac || this.killReason) return;
    const now = Date.now();
    if (this.h.state === 'live' && now - this.deliveredAt > this.stallAfterMs()) {
      this.killReason = `no frame for ${Math.round((now - this.deliveredAt) / 1000)} s`;
      this.h.stalls++;
      this.setState('stalled', this.killReason);
      ac.abort();
    } else if (this.h.state === 'connecting' && now - this.attemptAt > this.connectAfterMs()) {
      this.killReason = `no frame within ${Math.round(this.connectAfterMs() / 1000)} s of connecting`;
      ac.abort();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => ((this.wake = undefined), r()), ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        r();
      };
    });
  }
}
