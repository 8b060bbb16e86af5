// Receives one RTP/PS stream over UDP, passive TCP (device connects to us) or active TCP (we
// connect to the device), checks SSRC and payload type, reorders, and hands PS payloads on.
import dgram from 'node:dgram';
import net from 'node:net';
import { type RtpPacket, Rfc4571Framer, parseRtp } from './rtp.ts';
import { ReorderBuffer, type ReorderStats } from './reorder.ts';
import type { MediaTransport } from '../sdp.ts';

export interface RtpReceiverOptions {
  transport: MediaTransport;
  host: string;
  /** Local port to bind (udp, tcp-passive); ignored for tcp-active. */
  port: number;
  /** SSRC we offered; undefined = accept the first one seen. */
  ssrc?: number;
  strictSsrc: boolean;
  reorderPackets: number;
  reorderMs: number;
  onPayload(payload: Buffer, pkt: RtpPacket): void;
}

export interface RtpReceiverStats {
  packets: number;
  bytes: number;
  badRtp: number;
  wrongSsrc: number;
  wrongPayloadType: number;
  lastPacketAt?: number;
  reorder: ReorderStats;
}

export class RtpReceiver {
  private udp?: dgram.Socket;
  private server?: net.Server;
  private conn?: net.Socket;
  private ticker?: NodeJS.Timeout;
  private readonly reorder: ReorderBuffer;
  private ssrc?: number;
  readonly stats: RtpReceiverStats;

  constructor(private readonly opts: RtpReceiverOptions) {
    this.ssrc = opts.ssrc;
    this.reorder = new ReorderBuffer((p) => opts.onPayload(p.payload, p), opts.reorderPackets, opts.reorderMs);
    this.stats = { packets: 0, bytes: 0, badRtp: 0, wrongSsrc: 0, wrongPayloadType: 0, reorder: this.reorder.stats };
  }

  /** Binds the local socket (udp, tcp-passive). Rejects with EADDRINUSE so a caller can try another port. */
  async listen(): Promise<void> {
    this.ticker = setInterval(() => this.reorder.tick(), Math.max(20, this.opts.reorderMs / 2));
    if (this.opts.transport === 'udp') {
      const s = dgram.createSocket({ type: 'udp4' });
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.bind(this.opts.port, this.opts.host, () => (s.off('error', rej), res()));
      });
      s.on('error', () => undefined);
      // A large kernel buffer absorbs keyframe bursts while the event loop is busy.
      try {
        s.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        /* not permitted: the default buffer will do */
      }
      s.on('message', (b) => this.onPacket(b));
      this.udp = s;
    } else if (this.opts.transport === 'tcp-passive') {
      const srv = net.createServer((c) => this.attach(c));
      srv.maxConnections = 2;
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(this.opts.port, this.opts.host, () => (srv.off('error', rej), res()));
      });
      this.server = srv;
    }
  }

  /** tcp-active: connect to the port the device announced in its SDP answer. */
  async connect(ip: string, port: number): Promise<void> {
    const c = net.connect({ host: ip, port });
    await new Promise<void>((res, rej) => {
      c.once('error', rej);
      c.once('connect', () => (c.off('error', rej), res()));
    });
    this.attach(c);
  }

  setSsrc(ssrc: number | undefined): void {
    this.ssrc = ssrc;
  }

  private attach(c: net.Socket): void {
    // One media connection per play; a newer one replaces the old (device reconnected).
    this.conn?.destroy();
    this.conn = c;
    const framer = new Rfc4571Framer();
    c.setNoDelay(true);
    c.on('data', (chunk) => {
      for (const f of framer.push(chunk)) this.onPacket(f);
    });
    c.on('error', () => undefined);
  }

  private onPacket(buf: Buffer): void {
    const pkt = parseRtp(buf);
    if (!pkt) {
      this.stats.badRtp++;
      return;
    }
    if (pkt.payloadType !== 96) {
      this.stats.wrongPayloadType++;
      return;
    }
    if (this.ssrc === undefined) this.ssrc = pkt.ssrc;
    else if (pkt.ssrc !== this.ssrc && this.opts.strictSsrc) {
      this.stats.wrongSsrc++;
      return;
    }
    this.stats.packets++;
    this.stats.bytes += buf.length;
    this.stats.lastPacketAt = Date.now();
    this.reorder.push(pkt);
  }

  get localPort(): number {
    if (this.udp) return this.udp.address().port;
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.opts.port;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.conn?.destroy();
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp!.close(() => r())) : undefined,
      this.server ? new Promise<void>((r) => this.server!.close(() => r())) : undefined,
    ]);
    this.udp = undefined;
    this.server = undefined;
  }
}

/** Hands out local media ports from the configured range, skipping ones in use. */
export class PortPool {
  private next: number;
  private used = new Set<number>();

  constructor(private readonly min: number, private readonly max: number) {
    this.next = min;
  }

  /** Binds a receiver on a free port of the range (tries each port at most once). */
  async open(make: (port: number) => RtpReceiver): Promise<RtpReceiver> {
    const span = this.max - this.min + 1;
    for (let n = 0; n < span; n++) {
      const port = this.next;
      this.next = port >= this.max ? this.min : port + 1;
      if (this.used.has(port)) continue;
      const r = make(port);
      try {
        await r.listen();
      } catch (err) {
        await r.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw err;
      }
      this.used.add(port);
      return r;
    }
    throw new Error(`no free media port in ${this.min}-${this.max}`);
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
