// One live play of one channel: INVITE → RTP/PS → ends on device BYE, receive timeout or abort.
// The PS byte sink exists before the INVITE goes out, so the new session's first packets (which
// carry the stream map and the first keyframe) always reach the decoder of this play. Retries,
// back-off and state belong to the SourceSupervisor; one play = one supervised attempt.
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

/** Counters over every play of one camera (rtp/ps: the current play). */
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

/** Sink bytes kept for a slow or restarting decoder before new data is dropped. */
const MAX_SINK_BYTES = 4 * 1024 * 1024;
let ssrcSeq = 0;

/** RFC 4145 §4.1: the answer's a=setup must complement the offer's (passive ↔ active). */
export function setupComplements(transport: MediaTransport, answered: string | undefined): boolean {
  if (transport === 'udp') return true;
  const want = transport === 'tcp-passive' ? 'active' : 'passive';
  // A missing a=setup defaults to 'active' in the answer (RFC 4145 §4.1), which suits tcp-passive.
  return (answered ?? 'active') === want;
}

export class Play {
  private sink: PassThrough;
  private scanner: PsScanner;
  private receiver?: RtpReceiver;
  private dialog?: DialogIds;
  private byeReceived = false;
  private wake?: () => void;
  /** Resolves with why the play ended (device BYE, receive timeout, aborted). */
  ended?: Promise<string>;

  /** `psm`: the last program stream map seen for this camera, handed to every fresh decoder. */
  constructor(
    private readonly server: Gb28181Server,
    private readonly pool: PortPool,
    readonly opts: PlayOptions,
    private readonly stats: PlayStats,
    private readonly memory: { psm?: Buffer },
  ) {
    this.onBye = this.onBye.bind(this);
    this.scanner = new PsScanner(memory.psm);
    this.sink = new PassThrough({ highWaterMark: 256 * 1024 });
  }

  /** The PS byte stream for a decoder. A second call (decoder replaced) ends the first stream
   *  and starts the new one at the next pack header, with the last stream map in front. */
  openSink(): PassThrough {
    if (this.scanner.stats.packs > 0) {
      this.sink.end();
      this.sink = new PassThrough({ highWaterMark: 256 * 1024 });
      this.scanner = new PsScanner(this.memory.psm);
    }
    return this.sink;
  }

  /** INVITE and media set-up; throws with a reason (device offline, refused, bad answer). */
  async start(signal: AbortSignal): Promise<void> {
    const cfg = this.server.cfg;
    const ssrc = makeSsrc(this.server.me.domain, ++ssrcSeq);
    const receiver = await this.pool.open(
      (port) =>
        new RtpReceiver({
          transport: this.opts.transport, host: cfg.listenHost, port, ssrc: ssrcNumber(ssrc), strictSsrc: cfg.strictSsrc,
          reorderPackets: cfg.reorderPackets, reorderMs: cfg.reorderMs, onPayload: (p) => this.write(p),
        }),
    );
    this.receiver = receiver;
    this.stats.invites++;
    this.stats.ssrc = ssrc;
    this.stats.localPort = receiver.localPort;
    this.stats.rtp = receiver.stats;
    this.server.on('bye', this.onBye);
    const offer = buildPlayOffer({ channelId: this.opts.channelId, mediaIp: cfg.mediaIp, port: receiver.localPort, transport: this.opts.transport, ssrc });
    const { dialog, answer } = await this.server.invite(this.opts.deviceId, this.opts.channelId, offer, ssrc);
    this.dialog = dialog;
    const sdp = parseSdp(answer.body.toString('utf8'));
    if (!setupComplements(this.opts.transport, sdp.setup)) {
      throw new Error(`refused the answer: a=setup:${sdp.setup} does not complement our a=setup:${this.opts.transport === 'tcp-passive' ? 'passive' : 'active'} (RFC 4145)`);
    }
    // The device's y= is what it will really send (GB/T 28181 §9.2.2): trust the answer.
    if (sdp.ssrc) receiver.setSsrc(ssrcNumber(sdp.ssrc));
    if (this.opts.transport === 'tcp-active') {
      if (!sdp.ip || !sdp.port) throw new Error('tcp-active answer without address');
      await receiver.connect(sdp.ip, sdp.port);
    }
    this.ended = this.watch(signal);
  }

  /** BYE (unless the device hung up), receiver closed, port returned. Idempotent. */
  async close(): Promise<void> {
    this.server.off('bye', this.onBye);
    this.wake?.();
    const d = this.dialog;
    this.dialog = undefined;
    if (d && !this.byeReceived) await this.server.bye(d).catch(() => undefined);
    const r = this.receiver;
    this.receiver = undefined;
    if (r) {
      const port = r.localPort;
      await r.close();
      this.pool.release(port);
    }
    this.sink.end();
  }

  private onBye(callId: string): void {
    if (callId !== this.dialog?.callId) return;
    this.byeReceived = true;
    this.wake?.();
  }

  private write(payload: Buffer): void {
    const sink = this.sink;
    if (sink.writableEnded) return;
    const out = this.scanner.push(payload);
    this.stats.ps = this.scanner.stats;
    if (this.scanner.psm) this.memory.psm = this.scanner.psm;
    if (!out.length) return;
    if (sink.writableLength > MAX_SINK_BYTES) {
      this.stats.droppedBytes += out.length;
      return;
    }
    sink.write(out);
  }

  private async watch(signal: AbortSignal): Promise<string> {
    const timeoutMs = this.server.cfg.streamTimeoutSeconds * 1000;
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    const ackAt = Date.now();
    try {
      while (!signal.aborted) {
        if (this.byeReceived) return 'device sent BYE';
        // Media that stopped, or that never started (no usable RTP since the ACK: a device's
        // encoder may take seconds, not streamTimeoutSeconds). This is the transport's timeout,
        // like RTSP's socket timeout; the supervisor's connect timeout is for packets that
        // arrive but decode to no frame, and is long enough for a camera's slow first frame.
        const last = this.receiver?.stats.lastPacketAt;
        if (Date.now() - (last ?? ackAt) > timeoutMs) return last === undefined ? `no RTP within ${timeoutMs / 1000} s of the ACK` : 'stream receive timeout';
        await new Promise<void>((r) => {
          const t = setTimeout(() => ((this.wake = undefined), r()), Math.min(250, timeoutMs / 4));
          this.wake = () => (clearTimeout(t), (this.wake = undefined), r());
        });
      }
      return 'aborted';
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
