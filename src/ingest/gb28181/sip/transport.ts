// SIP over UDP and TCP on one port. Requests to a device go back the way it registered:
// its UDP source address, or the TCP connection it opened (devices behind NAT accept nothing else).
import dgram from 'node:dgram';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { type SipMessage, parseSipMessage, serializeSipMessage } from './message.ts';
import { SipStreamFramer } from './stream-framer.ts';

export interface Remote {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
}

export function remoteKey(r: Remote): string {
  return `${r.transport}:${r.address}:${r.port}`;
}

export interface SipTransportOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  maxTcpConnections?: number;
  /** Idle TCP connections (no bytes) are closed after this long. */
  tcpIdleMs?: number;
}

export interface SipTransportEvents {
  message: [msg: SipMessage, remote: Remote];
  malformed: [err: Error, remote: Remote];
}

export class SipTransport extends EventEmitter<SipTransportEvents> {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private conns = new Map<string, net.Socket>();

  constructor(private readonly opts: SipTransportOptions) {
    super();
  }

  async start(): Promise<void> {
    if (this.opts.udp) {
      const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      sock.on('message', (buf, rinfo) => this.onBytes(buf, { transport: 'udp', address: rinfo.address, port: rinfo.port }, true));
      sock.on('error', () => undefined);
      await new Promise<void>((res, rej) => {
        sock.once('error', rej);
        sock.bind(this.opts.port, this.opts.host, () => {
          sock.off('error', rej);
          res();
        });
      });
      this.udp = sock;
    }
    if (this.opts.tcp) {
      const srv = net.createServer((s) => this.accept(s));
      srv.maxConnections = this.opts.maxTcpConnections ?? 1024;
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(this.opts.port, this.opts.host, () => {
          srv.off('error', rej);
          res();
        });
      });
      this.tcp = srv;
    }
  }

  private accept(s: net.Socket): void {
    const remote: Remote = { transport: 'tcp', address: s.remoteAddress ?? '', port: s.remotePort ?? 0 };
    const key = remoteKey(remote);
    this.conns.set(key, s);
    const framer = new SipStreamFramer();
    s.setTimeout(this.opts.tcpIdleMs ?? 300_000, () => s.destroy());
    s.on('data', (chunk) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        // A stream with broken framing cannot be resynchronised: drop the connection.
        this.emit('malformed', err as Error, remote);
        s.destroy();
        return;
      }
      for (const f of frames) this.onBytes(f, remote, false);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.conns.get(key) === s) this.conns.delete(key);
    });
  }

  private onBytes(buf: Buffer, remote: Remote, datagram: boolean): void {
    // Bare CRLF keep-alive datagrams carry no message.
    if (datagram && buf.length <= 4 && /^[\r\n]*$/.test(buf.toString('latin1'))) return;
    let msg: SipMessage;
    try {
      msg = parseSipMessage(buf, datagram);
    } catch (err) {
      this.emit('malformed', err as Error, remote);
      return;
    }
    this.emit('message', msg, remote);
  }

  /** Sends a message; over TCP only on an open connection from that peer. Returns false if impossible. */
  send(msg: SipMessage, remote: Remote): boolean {
    const bytes = serializeSipMessage(msg);
    if (remote.transport === 'udp') {
      if (!this.udp) return false;
      this.udp.send(bytes, remote.port, remote.address);
      return true;
    }
    const s = this.conns.get(remoteKey(remote));
    if (!s || s.destroyed) return false;
    s.write(bytes);
    return true;
  }

  get localPort(): number {
    return this.opts.port;
  }

  async stop(): Promise<void> {
    for (const s of this.conns.values()) s.destroy();
    this.conns.clear();
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp!.close(() => r())) : undefined,
      this.tcp ? new Promise<void>((r) => this.tcp!.close(() => r())) : undefined,
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }
}
