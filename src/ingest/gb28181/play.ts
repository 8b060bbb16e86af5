// One live play of one channel: INVITE, receive RTP/PS, and when the stream stops (no packet for
// streamTimeoutSeconds, or the device sent BYE) hang up and INVITE again with back-off.
// PS bytes go to a sink stream that the frame reader (ffmpeg stdin) consumes.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Gb28181Server } from './server.ts';
import { type MediaTransport, buildPlayOffer, makeSsrc, parseSdp, ssrcNumber } from './sdp.ts';
import { PortPool, RtpReceiver, type RtpReceiverStats } from './rtp/receiver.ts';
import { PsScanner, type PsStats } from './rtp/ps-scanner.ts';
import type { DialogIds } from './sip/uac.ts';

export interface PlayOptions {
  deviceId: string;
  channelId: string;
  transport: MediaTransport;
}

export interface PlayStats {
  invites: number;
  reinvites: number;
  /** Bytes dropped because the sink's reader fell too far behind. */
  droppedBytes: number;
  lastError?: string;
  ssrc?: string;
  localPort?: number;
  rtp?: RtpReceiverStats;
  ps?: PsStats;
}

export interface PlayEvents {
  /** A new INVITE succeeded: a fresh stream (new SCR/PTS base) starts on the sink. */
  playing: [ssrc: string];
  /** The stream stopped; a re-INVITE follows. */
  interrupted: [reason: string];
  /** The INVITE failed (device offline, refused, timed out); retried with back-off. */
  failed: [reason: string];
}

/** Sink bytes kept for a slow or restarting reader before new data is dropped. */
const MAX_SINK_BYTES = 4 * 1024 * 1024;
let ssrcSeq = 0;

export class PlaySession extends EventEmitter<PlayEvents> {
  readonly stats: PlayStats = { invites: 0, reinvites: 0, droppedBytes: 0 };
  private sink?: PassThrough;
  private scanner = new PsScanner();
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private currentCall?: string;
  private byeReceived = false;

  constructor(private readonly server: Gb28181Server, private readonly pool: PortPool, readonly opts: PlayOptions) {
    super();
    this.onBye = this.onBye.bind(this);
  }

  start(): void {
    this.server.on('bye', this.onBye);
    this.loop = this.run();
  }

  /** A fresh byte stream for a new ffmpeg; the previous one is ended. Starts at a pack header. */
  openSink(): PassThrough {
    this.sink?.end();
    this.sink = new PassThrough({ highWaterMark: 256 * 1024 });
    this.scanner = new PsScanner();
    return this.sink;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.server.off('bye', this.onBye);
    this.wake?.();
    await this.loop;
    this.sink?.end();
  }

  private onBye(callId: string): void {
    if (callId !== this.currentCall) return;
    this.byeReceived = true;
    this.wake?.();
  }

  private write(payload: Buffer): void {
    const sink = this.sink;
    if (!sink || sink.writableEnded) return;
    const out = this.scanner.push(payload);
    this.stats.ps = this.scanner.stats;
    if (!out.length) return;
    if (sink.writableLength > MAX_SINK_BYTES) {
      this.stats.droppedBytes += out.length;
      return;
    }
    sink.write(out);
  }

  private async run(): Promise<void> {
    let backoffMs = 500;
    while (!this.stopped) {
      const gotMedia = await this.playOnce().catch((e: Error) => {
        this.stats.lastError = e.message;
        if (!this.stopped) this.emit('failed', e.message);
        return false;
      });
      if (this.stopped) break;
      this.stats.reinvites++;
      backoffMs = gotMedia ? 500 : Math.min(backoffMs * 2, 30_000);
      await this.sleep(backoffMs);
    }
  }

  /** One INVITE … BYE cycle. Resolves true if any media arrived. */
  private async playOnce(): Promise<boolean> {
    const cfg = this.server.cfg;
    const ssrc = makeSsrc(this.server.me.domain, ++ssrcSeq);
    const receiver = await this.pool.open(
      (port) =>
        new RtpReceiver({
          transport: this.opts.transport,
          host: cfg.listenHost,
          port,
          ssrc: ssrcNumber(ssrc),
          strictSsrc: cfg.strictSsrc,
          reorderPackets: cfg.reorderPackets,
          reorderMs: cfg.reorderMs,
          onPayload: (p) => this.write(p),
        }),
    );
    const port = receiver.localPort;
    let dialog: DialogIds | undefined;
    try {
      this.stats.invites++;
      this.stats.ssrc = ssrc;
      this.stats.localPort = port;
      this.stats.rtp = receiver.stats;
      const offer = buildPlayOffer({ channelId: this.opts.channelId, mediaIp: cfg.mediaIp, port, transport: this.opts.transport, ssrc });
      const { dialog: d, answer } = await this.server.invite(this.opts.deviceId, this.opts.channelId, offer, ssrc);
      dialog = d;
      this.currentCall = d.callId;
      this.byeReceived = false;
      const sdp = parseSdp(answer.body.toString('utf8'));
      // The device's y= is what it will really send (GB/T 28181 §9.2.2): trust the answer.
      if (sdp.ssrc) receiver.setSsrc(ssrcNumber(sdp.ssrc));
      if (this.opts.transport === 'tcp-active') {
        if (!sdp.ip || !sdp.port) throw new Error('tcp-active answer without address');
        await receiver.connect(sdp.ip, sdp.port);
      }
      this.emit('playing', ssrc);
      const reason = await this.watch(receiver);
      this.stats.lastError = reason;
      if (!this.stopped) this.emit('interrupted', reason);
      return receiver.stats.packets > 0;
    } finally {
      this.currentCall = undefined;
      if (dialog && !this.byeReceived) await this.server.bye(dialog).catch(() => undefined);
      await receiver.close();
      this.pool.release(port);
    }
  }

  /** Resolves with why the stream ended: stop(), device BYE or receive timeout. */
  private async watch(receiver: RtpReceiver): Promise<string> {
    const timeoutMs = this.server.cfg.streamTimeoutSeconds * 1000;
    const since = Date.now();
    while (!this.stopped) {
      if (this.byeReceived) return 'device sent BYE';
      const last = receiver.stats.lastPacketAt ?? since;
      if (Date.now() - last > timeoutMs) return 'stream receive timeout';
      await this.sleep(Math.min(250, timeoutMs / 4));
    }
    return 'stopped';
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
