// A GB/T 28181 device (IPC/NVR) for tests: registers with digest auth, sends keepalives, answers
// Catalog and DeviceInfo (GB2312 bodies, as most cameras send), answers INVITE and streams vtest
// as PS over RTP. Faults on command: stop media (no BYE), stop keepalives.
import dgram from 'node:dgram';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import iconv from 'iconv-lite';
import {
  type Header, type SipMessage, type SipRequest, type SipResponse, getHeader, makeResponse, parseParams, parseSipMessage, randomToken, serializeSipMessage,
} from '../../../src/ingest/gb28181/sip/message.ts';
import { SipStreamFramer } from '../../../src/ingest/gb28181/sip/stream-framer.ts';
import { buildAuthorization } from '../../../src/ingest/gb28181/sip/digest.ts';
import { parseManscdp } from '../../../src/ingest/gb28181/manscdp.ts';
import { parseSdp, ssrcNumber } from '../../../src/ingest/gb28181/sdp.ts';
import { newBranch } from '../../../src/ingest/gb28181/sip/transactions.ts';
import { PsSource } from './ps-source.ts';
import { RtpSender, type SenderTransport } from './rtp-sender.ts';

export interface SimOptions {
  deviceId: string;
  serverId: string;
  domain: string;
  serverHost: string;
  serverPort: number;
  localPort: number;
  sipTransport: 'udp' | 'tcp';
  password: string;
  keepaliveMs: number;
  channels: Array<{ id: string; name: string }>;
  /** Local port announced for tcp-active media (the platform connects to it). */
  tcpActivePort?: number;
  /** Address we bind and announce (Via, Contact, SDP); default 127.0.0.1. */
  localIp?: string;
  /** Video the channels play (default vtest). */
  media?: string;
}

interface Play {
  callId: string;
  source?: PsSource;
  sender?: RtpSender;
}

export class DeviceSimulator extends EventEmitter<{ invite: [sdp: string]; bye: [] }> {
  private udp?: dgram.Socket;
  private tcp?: net.Socket;
  private readonly callId = `${randomToken(12)}@sim`;
  private readonly fromTag = randomToken(8);
  private cseq = 1;
  private sn = 1;
  private waiters = new Map<string, (r: SipResponse) => void>();
  private keepTimer?: NodeJS.Timeout;
  private plays = new Map<string, Play>();
  mediaEnabled = true;
  /** Faults for new plays: reorder/duplicate RTP; send an SSRC other than the one answered. */
  disorder = false;
  wrongSsrc = false;
  corrupt = 0;
  /** Send the PS stream map only in the first pack of each play (many devices do). */
  psmOnlyAtStart = false;
  /** Answer TCP offers with the same a=setup as offered (not the RFC 4145 complement). */
  badSetup = false;
  readonly counters = { invites: 0, byes: 0, acks: 0, catalogQueries: 0, keepalives: 0, packets: 0 };

  constructor(readonly o: SimOptions) {
    super();
  }

  private get ip(): string {
    return this.o.localIp ?? '127.0.0.1';
  }

  async open(): Promise<void> {
    if (this.o.sipTransport === 'udp') {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(this.o.localPort, this.ip, () => r()));
      s.on('message', (b) => this.onBytes(b, true));
      this.udp = s;
    } else {
      const c = net.connect({ host: this.o.serverHost, port: this.o.serverPort, localPort: this.o.localPort });
      await new Promise<void>((res, rej) => (c.once('error', rej), c.once('connect', () => res())));
      const framer = new SipStreamFramer();
      c.on('data', (d) => framer.push(d).forEach((f) => this.onBytes(f, false)));
      c.on('error', () => undefined);
      this.tcp = c;
    }
  }

  private send(m: SipMessage): void {
    const b = serializeSipMessage(m);
    if (this.udp) this.udp.send(b, this.o.serverPort, this.o.serverHost);
    else this.tcp?.write(b);
  }

  private request(method: string, extra: Header[], body: Buffer = Buffer.alloc(0), contentType?: string, callId = this.callId): Promise<SipResponse> {
    const branch = newBranch();
    const t = this.o.sipTransport.toUpperCase();
    const headers: Header[] = [
      ['via', `SIP/2.0/${t} ${this.ip}:${this.o.localPort};rport;branch=${branch}`],
      ['from', `<sip:${this.o.deviceId}@${this.o.domain}>;tag=${this.fromTag}`],
      ['to', method === 'REGISTER' ? `<sip:${this.o.deviceId}@${this.o.domain}>` : `<sip:${this.o.serverId}@${this.o.domain}>`],
      ['call-id', callId],
      ['cseq', `${this.cseq++} ${method}`],
      ['max-forwards', '70'],
      ['contact', `<sip:${this.o.deviceId}@${this.ip}:${this.o.localPort}>`],
      ...extra,
    ];
    if (contentType) headers.push(['content-type', contentType]);
    this.send({ kind: 'request', method, uri: `sip:${this.o.serverId}@${this.o.domain}`, headers, body });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (this.waiters.delete(branch), reject(new Error(`${method} timed out`))), 8000);
      this.waiters.set(branch, (r) => (clearTimeout(timer), resolve(r)));
    });
  }

  /** REGISTER, answering one 401 challenge. Returns [statuses seen, final response]. */
  async register(expires = 3600, password = this.o.password): Promise<{ statuses: number[]; final: SipResponse }> {
    const statuses: number[] = [];
    let res = await this.request('REGISTER', [['expires', String(expires)]]);
    statuses.push(res.status);
    for (let i = 0; i < 2 && res.status === 401; i++) {
      const ch = parseParams((getHeader(res, 'www-authenticate') ?? '').replace(/^\s*Digest\s+/i, ''), ',');
      const realm = ch.get('realm');
      const nonce = ch.get('nonce');
      if (!realm || !nonce) break;
      const uri = `sip:${this.o.serverId}@${this.o.domain}`;
      const auth = buildAuthorization({ username: this.o.deviceId, realm, nonce, uri, method: 'REGISTER', password });
      res = await this.request('REGISTER', [['expires', String(expires)], ['authorization', auth]]);
      statuses.push(res.status);
    }
    return { statuses, final: res };
  }

  startKeepalives(): void {
    this.stopKeepalives();
    const beat = () => {
      this.counters.keepalives++;
      this.message(`<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>${this.sn++}</SN>\r\n<DeviceID>${this.o.deviceId}</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n`).catch(() => undefined);
    };
    beat();
    this.keepTimer = setInterval(beat, this.o.keepaliveMs);
  }

  stopKeepalives(): void {
    if (this.keepTimer) clearInterval(this.keepTimer);
    this.keepTimer = undefined;
  }

  /** Kills the media of every play without a BYE, as a crashed encoder or broken link would. */
  stopMedia(): void {
    this.mediaEnabled = false;
    for (const p of this.plays.values()) this.endMedia(p);
  }

  message(xml: string): Promise<SipResponse> {
    return this.request('MESSAGE', [], iconv.encode(xml, 'gb2312'), 'Application/MANSCDP+xml', `${randomToken(12)}@sim`);
  }

  private onBytes(b: Buffer, datagram: boolean): void {
    let m: SipMessage;
    try {
      m = parseSipMessage(b, datagram);
    } catch {
      return;
    }
    if (m.kind === 'response') {
      const branch = /branch=([^;,\s]+)/.exec(getHeader(m, 'via') ?? '')?.[1];
      if (m.status >= 200 && branch) this.waiters.get(branch)?.(m);
      return;
    }
    void this.onRequest(m);
  }

  private async onRequest(req: SipRequest): Promise<void> {
    if (req.method === 'MESSAGE') {
      this.send(makeResponse(req, 200, 'OK'));
      const q = parseManscdp(req.body);
      if (q.cmdType === 'Catalog') {
        this.counters.catalogQueries++;
        // Two MESSAGEs of one item each: the server must gather them by SN up to SumNum.
        for (const ch of this.o.channels) {
          await this.message(
            `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>${q.sn}</SN>\r\n<DeviceID>${this.o.deviceId}</DeviceID>\r\n` +
              `<SumNum>${this.o.channels.length}</SumNum>\r\n<DeviceList Num="1">\r\n<Item>\r\n<DeviceID>${ch.id}</DeviceID>\r\n<Name>${ch.name}</Name>\r\n` +
              `<Manufacturer>Huiyan</Manufacturer>\r\n<Model>SIM</Model>\r\n<ParentID>${this.o.deviceId}</ParentID>\r\n<Status>ON</Status>\r\n<Longitude>121.47</Longitude>\r\n<Latitude>31.23</Latitude>\r\n</Item>\r\n</DeviceList>\r\n</Response>\r\n`,
          ).catch(() => undefined);
        }
      } else if (q.cmdType === 'DeviceInfo') {
        await this.message(
          `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>DeviceInfo</CmdType>\r\n<SN>${q.sn}</SN>\r\n<DeviceID>${this.o.deviceId}</DeviceID>\r\n<Result>OK</Result>\r\n` +
            `<DeviceName>模拟设备</DeviceName>\r\n<Manufacturer>Huiyan</Manufacturer>\r\n<Model>SIM-1</Model>\r\n<Firmware>1.0</Firmware>\r\n<Channel>${this.o.channels.length}</Channel>\r\n</Response>\r\n`,
        ).catch(() => undefined);
      }
    } else if (req.method === 'INVITE') {
      await this.onInvite(req);
    } else if (req.method === 'ACK') {
      this.counters.acks++;
      const p = this.plays.get(getHeader(req, 'call-id') ?? '');
      if (p && this.mediaEnabled) this.startMedia(p);
    } else if (req.method === 'BYE') {
      this.counters.byes++;
      const p = this.plays.get(getHeader(req, 'call-id') ?? '');
      if (p) this.endMedia(p);
      this.plays.delete(getHeader(req, 'call-id') ?? '');
      this.send(makeResponse(req, 200, 'OK'));
      this.emit('bye');
    }
  }

  private pendingSdp = new Map<string, ReturnType<typeof parseSdp>>();

  private async onInvite(req: SipRequest): Promise<void> {
    this.counters.invites++;
    const text = req.body.toString('utf8');
    this.emit('invite', text);
    const sdp = parseSdp(text);
    const callId = getHeader(req, 'call-id') ?? '';
    const ssrc = sdp.ssrc ?? '0100000001';
    const channel = /^sip:(\d{20})@/.exec(req.uri)?.[1] ?? this.o.deviceId;
    this.send(makeResponse(req, 100, 'Trying'));
    const tcp = sdp.proto?.startsWith('TCP');
    const mediaPort = tcp && sdp.setup === 'active' ? (this.o.tcpActivePort ?? 30450) : 9;
    const play: Play = { callId };
    this.plays.set(callId, play);
    this.pendingSdp.set(callId, sdp);
    if (tcp && sdp.setup === 'active') {
      play.sender = new RtpSender('tcp-active', ssrcNumber(ssrc) + (this.wrongSsrc ? 1 : 0), '', 0);
      await play.sender.listen(mediaPort, this.ip);
    }
    const answer = [
      'v=0', `o=${channel} 0 0 IN IP4 ${this.ip}`, 's=Play', `c=IN IP4 ${this.ip}`, 't=0 0',
      `m=video ${mediaPort} ${tcp ? 'TCP/RTP/AVP' : 'RTP/AVP'} 96`, 'a=sendonly', 'a=rtpmap:96 PS/90000',
      ...(tcp ? [`a=setup:${(sdp.setup === 'active') !== this.badSetup ? 'passive' : 'active'}`, 'a=connection:new'] : []), `y=${ssrc}`, 'f=',
    ].join('\r\n') + '\r\n';
    this.send(makeResponse(req, 200, 'OK', [['content-type', 'APPLICATION/SDP'], ['contact', `<sip:${channel}@${this.ip}:${this.o.localPort}>`]], Buffer.from(answer)));
  }

  private startMedia(p: Play): void {
    const sdp = this.pendingSdp.get(p.callId);
    this.pendingSdp.delete(p.callId);
    if (!sdp || p.source) return;
    const ssrc = ssrcNumber(sdp.ssrc ?? '0100000001') + (this.wrongSsrc ? 1 : 0);
    const transport: SenderTransport = !sdp.proto?.startsWith('TCP') ? 'udp' : sdp.setup === 'active' ? 'tcp-active' : 'tcp-passive';
    const sender = p.sender ?? new RtpSender(transport, ssrc, sdp.ip ?? '127.0.0.1', sdp.port ?? 0);
    p.sender = sender;
    sender.disorder = this.disorder;
    sender.corrupt = this.corrupt;
    p.source = new PsSource({ media: this.o.media, psmOnlyAtStart: this.psmOnlyAtStart, onPack: (pack) => (sender.sendPack(pack), this.counters.packets++) });
    sender.open().then(() => p.source?.start(), () => undefined);
  }

  /** From now on the running plays send RTP whose payload is zeros (packets arrive, no frame decodes). */
  blankMedia(on: boolean): void {
    for (const p of this.plays.values()) if (p.sender) p.sender.blank = on;
  }

  /** The device hangs up every play (BYE from its side), as on a restart or a stream switch. */
  async hangUp(): Promise<void> {
    for (const [callId, p] of this.plays) {
      this.endMedia(p);
      this.plays.delete(callId);
      await this.request('BYE', [], Buffer.alloc(0), undefined, callId).catch(() => undefined);
    }
  }

  get activePlays(): number {
    return this.plays.size;
  }

  private endMedia(p: Play): void {
    p.source?.stop();
    p.source = undefined;
    p.sender?.close();
    p.sender = undefined;
  }

  async close(): Promise<void> {
    this.stopKeepalives();
    for (const p of this.plays.values()) this.endMedia(p);
    this.plays.clear();
    this.tcp?.destroy();
    if (this.udp) await new Promise<void>((r) => this.udp!.close(() => r()));
    this.udp = undefined;
  }
}
