// Frames PS packs into RTP (PT 96, 90 kHz, marker on the last packet of a pack) and sends them
// over UDP, over TCP to the platform (it is passive) or over TCP from a port we listen on.
import dgram from 'node:dgram';
import net from 'node:net';
import { buildRtp, frame4571 } from '../../../src/ingest/gb28181/rtp/rtp.ts';

export type SenderTransport = 'udp' | 'tcp-passive' | 'tcp-active';

const MAX_PAYLOAD = 1400;

export class RtpSender {
  private seq = Math.floor(Math.random() * 65536);
  private udp?: dgram.Socket;
  private conn?: net.Socket;
  private server?: net.Server;
  packets = 0;
  /** Network faults on command: swap neighbours (every 5th packet arrives late), duplicate every 50th. */
  disorder = false;
  /** Fraction of packets whose payload gets 8 random bytes overwritten (a broken encoder or link). */
  corrupt = 0;
  /** Payloads replaced by zeros: RTP keeps arriving with the right SSRC, nothing decodes (a hung encoder). */
  blank = false;
  private held?: Buffer;

  constructor(
    private readonly transport: SenderTransport,
    private readonly ssrc: number,
    private readonly ip: string,
    private readonly port: number,
  ) {}

  /** For tcp-active: listen on `localPort` and wait for the platform to connect. */
  async listen(localPort: number, host = '127.0.0.1'): Promise<number> {
    const srv = net.createServer((c) => {
      this.conn?.destroy();
      this.conn = c;
      c.on('error', () => undefined);
    });
    await new Promise<void>((res, rej) => {
      srv.once('error', rej);
      srv.listen(localPort, host, () => res());
    });
    this.server = srv;
    return (srv.address() as net.AddressInfo).port;
  }

  async open(): Promise<void> {
    if (this.transport === 'udp') {
      this.udp = dgram.createSocket('udp4');
      this.udp.on('error', () => undefined);
    } else if (this.transport === 'tcp-passive') {
      const c = net.connect({ host: this.ip, port: this.port });
      await new Promise<void>((res, rej) => {
        c.once('error', rej);
        c.once('connect', () => res());
      });
      c.on('error', () => undefined);
      this.conn = c;
    }
  }

  sendPack(pack: Buffer): void {
    const ts = Math.floor(Date.now() * 90) >>> 0;
    for (let off = 0; off < pack.length; off += MAX_PAYLOAD) {
      let payload = pack.subarray(off, off + MAX_PAYLOAD);
      if (this.blank) payload = Buffer.alloc(payload.length);
      if (this.corrupt && Math.random() < this.corrupt) {
        payload = Buffer.from(payload);
        for (let k = 0; k < 8; k++) payload[Math.floor(Math.random() * payload.length)] = Math.floor(Math.random() * 256);
      }
      const pkt = buildRtp({ marker: off + MAX_PAYLOAD >= pack.length, payloadType: 96, seq: this.seq, timestamp: ts, ssrc: this.ssrc }, payload);
      this.seq = (this.seq + 1) & 0xffff;
      this.packets++;
      if (!this.disorder) {
        this.write(pkt);
      } else if (this.packets % 5 === 0 && !this.held) {
        this.held = pkt;
      } else {
        this.write(pkt);
        if (this.packets % 50 === 3) this.write(pkt);
        if (this.held) this.write(this.held);
        this.held = undefined;
      }
    }
  }

  private write(pkt: Buffer): void {
    if (this.udp) this.udp.send(pkt, this.port, this.ip);
    else if (this.conn && !this.conn.destroyed) this.conn.write(frame4571(pkt));
  }

  close(): void {
    this.udp?.close();
    this.udp = undefined;
    this.conn?.destroy();
    this.server?.close();
  }
}
