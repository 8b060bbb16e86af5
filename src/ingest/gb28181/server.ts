// The GB/T 28181 SIP server (our side is the "platform"): registration, keepalive tracking,
// Catalog / DeviceInfo queries, and the SIP half of live play (INVITE / ACK / BYE).
import { EventEmitter } from 'node:events';
import { type Gb28181ConfigT, realmOf } from './config.ts';
import { type SipMessage, type SipRequest, type SipResponse, getHeader, makeResponse, parseCSeq, parseNameAddr } from './sip/message.ts';
import { type Remote, SipTransport } from './sip/transport.ts';
import { ClientTransactions, ResponseCache } from './sip/transactions.ts';
import { type DialogIds, type LocalIdentity, buildRequest, newDialog } from './sip/uac.ts';
import { Registrar } from './registrar.ts';
import { type ChannelInfo, MANSCDP_CONTENT_TYPE, type ManscdpMessage, buildQuery, parseManscdp } from './manscdp.ts';
import { CatalogCollector, MAX_CHANNELS } from './catalog.ts';
import type { DeviceRecord, DeviceStore } from './store.ts';
import { type Logger, createLogger } from '../../util/log.ts';

export interface ServerEvents {
  online: [DeviceRecord];
  offline: [DeviceRecord, string];
  catalog: [deviceId: string, channels: ChannelInfo[]];
  /** The device hung up a call (BYE from its side). */
  bye: [callId: string];
  malformed: [reason: string, remote: Remote];
}


export class Gb28181Server extends EventEmitter<ServerEvents> {
  readonly transport: SipTransport;
  readonly transactions: ClientTransactions;
  private readonly registrar: Registrar;
  private readonly responses = new ResponseCache();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly catalog: CatalogCollector;
  /** Confirmed INVITE dialogs by Call-ID, to ACK a retransmitted 200 OK (our ACK was lost). */
  private readonly dialogs = new Map<string, DialogIds>();
  private sn = Math.floor(Math.random() * 10_000);
  private monitor?: NodeJS.Timeout;
  readonly me: LocalIdentity;
  private readonly log: Logger;

  constructor(readonly cfg: Gb28181ConfigT, private readonly store: DeviceStore, log?: Logger) {
    super();
    this.log = log ?? createLogger({ stage: 'gb28181' });
    this.transport = new SipTransport({ host: cfg.listenHost, port: cfg.sipPort, udp: cfg.udp, tcp: cfg.tcp });
    this.transactions = new ClientTransactions(this.transport, cfg.transactionTimeoutSeconds * 1000);
    this.registrar = new Registrar(cfg);
    this.catalog = new CatalogCollector(cfg.transactionTimeoutSeconds * 2000, (id, channels, merge) => this.applyChannels(id, channels, merge));
    this.me = { sipId: cfg.sipId, domain: realmOf(cfg), host: cfg.mediaIp, port: cfg.sipPort };
  }

  async start(): Promise<void> {
    for (const d of await this.store.load()) this.devices.set(d.deviceId, { ...d, online: false });
    this.transport.on('message', (m, r) => this.onMessage(m, r));
    this.transport.on('malformed', (e, r) => this.emit('malformed', e.message, r));
    await this.transport.start();
    const everyMs = Math.max(100, Math.min(1000, (this.cfg.keepaliveIntervalSeconds * 1000) / 4));
    this.monitor = setInterval(() => this.checkLiveness(), everyMs);
    this.log.info('gb28181 server listening', { port: this.cfg.sipPort, sipId: this.cfg.sipId, realm: this.me.domain });
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    this.catalog.clear();
    this.transactions.cancelAll();
    await this.transport.stop();
    await this.store.flush();
  }

  device(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  listDevices(): DeviceRecord[] {
    return [...this.devices.values()];
  }

  private onMessage(msg: SipMessage, remote: Remote): void {
    if (msg.kind === 'response') {
      if (!this.transactions.onResponse(msg)) this.reAck(msg);
      return;
    }
    const cached = this.responses.get(msg);
    if (cached) {
      this.transport.send(cached, remote);
      return;
    }
    const res = this.handleRequest(msg, remote);
    if (res) {
      this.responses.put(msg, res);
      this.transport.send(res, remote);
    }
  }

  private handleRequest(req: SipRequest, remote: Remote): SipResponse | undefined {
    switch (req.method) {
      case 'REGISTER':
        return this.onRegister(req, remote);
      case 'MESSAGE':
        return this.onMessageRequest(req, remote);
      case 'BYE':
        this.dialogs.delete(getHeader(req, 'call-id') ?? '');
        this.emit('bye', getHeader(req, 'call-id') ?? '');
        return makeResponse(req, 200, 'OK');
      case 'ACK':
        return undefined;
      case 'OPTIONS':
        return makeResponse(req, 200, 'OK');
      default:
        return makeResponse(req, 405, 'Method Not Allowed', [['allow', 'REGISTER, MESSAGE, BYE, ACK, OPTIONS']]);
    }
  }

  private onRegister(req: SipRequest, remote: Remote): SipResponse {
    const out = this.registrar.handle(req, remote);
    if (out.kind === 'rejected') {
      if (out.reason !== 'challenge') this.log.warn('register rejected', { deviceId: out.deviceId, reason: out.reason, from: remote.address });
      return out.response;
    }
    const now = Date.now();
    const prev = this.devices.get(out.deviceId);
    if (out.kind === 'unregistered') {
      if (prev) this.setOffline(prev, 'unregistered');
      return out.response;
    }
    const rec: DeviceRecord = {
      deviceId: out.deviceId,
      online: true,
      transport: remote.transport,
      address: remote.address,
      port: remote.port,
      registeredAt: now,
      expiresAt: now + out.expiresSeconds * 1000,
      lastKeepaliveAt: now,
      info: prev?.info,
      channels: prev?.channels ?? [],
    };
    this.devices.set(rec.deviceId, rec);
    void this.store.put(rec);
    if (!prev?.online) {
      this.log.info('device online', { deviceId: rec.deviceId, via: `${remote.transport}:${remote.address}:${remote.port}` });
      this.emit('online', rec);
      // Ask for its channels and identity once the 200 OK is on its way.
      setImmediate(() => {
        this.queryCatalog(rec.deviceId).catch((e) => this.log.warn('catalog query failed', { deviceId: rec.deviceId, err: String(e) }));
        this.queryDeviceInfo(rec.deviceId).catch((e) => this.log.warn('device info query failed', { deviceId: rec.deviceId, err: String(e) }));
      });
    }
    return out.response;
  }

  private onMessageRequest(req: SipRequest, remote: Remote): SipResponse {
    const fromId = parseNameAddr(getHeader(req, 'from') ?? '')?.user ?? '';
    const dev = this.devices.get(fromId);
    // Only registered devices talk to us; a MESSAGE from elsewhere could spoof keepalives.
    if (!dev || !dev.online || dev.address !== remote.address) return makeResponse(req, 403, 'Forbidden');
    let m: ManscdpMessage;
    try {
      m = parseManscdp(req.body);
    } catch (e) {
      this.emit('malformed', `MANSCDP: ${(e as Error).message}`, remote);
      return makeResponse(req, 400, 'Bad Request');
    }
    if (m.cmdType === 'Keepalive') {
      dev.lastKeepaliveAt = Date.now();
      void this.store.put(dev);
    } else if (m.cmdType === 'Catalog' && m.root === 'Response') {
      this.catalog.onResponse(dev.deviceId, m);
    } else if (m.cmdType === 'DeviceInfo' && m.root === 'Response') {
      const f = m.fields;
      dev.info = { name: f.DeviceName, manufacturer: f.Manufacturer, model: f.Model, firmware: f.Firmware, channelCount: Number(f.Channel) || undefined };
      void this.store.put(dev);
    }
    return makeResponse(req, 200, 'OK');
  }

  private applyChannels(deviceId: string, channels: ChannelInfo[], merge: boolean): void {
    const dev = this.devices.get(deviceId);
    if (!dev) return;
    const ids = new Set(channels.map((c) => c.channelId));
    dev.channels = (merge ? [...dev.channels.filter((c) => !ids.has(c.channelId)), ...channels] : channels).slice(0, MAX_CHANNELS);
    void this.store.put(dev);
    this.emit('catalog', dev.deviceId, dev.channels);
  }

  private remoteOf(deviceId: string): Remote {
    const d = this.devices.get(deviceId);
    if (!d || !d.online) throw new Error(`device ${deviceId} is not online`);
    return { transport: d.transport, address: d.address, port: d.port };
  }

  /** Sends a MANSCDP query; resolves on the device's 200 OK to the MESSAGE. */
  private async sendQuery(deviceId: string, cmd: 'Catalog' | 'DeviceInfo', sn: number): Promise<void> {
    const d = newDialog(deviceId, this.remoteOf(deviceId));
    const req = buildRequest(this.me, d, 'MESSAGE', { body: buildQuery(cmd, sn, deviceId), contentType: MANSCDP_CONTENT_TYPE });
    const res = await this.transactions.request(req, d.remote);
    if (res.status !== 200) throw new Error(`${cmd} query answered ${res.status}`);
  }

  /** Queries the device's channels; resolves with what arrived when SumNum is reached or on timeout. */
  async queryCatalog(deviceId: string): Promise<ChannelInfo[]> {
    const sn = ++this.sn;
    const done = this.catalog.expect(sn, deviceId);
    try {
      await this.sendQuery(deviceId, 'Catalog', sn);
    } catch (e) {
      this.catalog.finish(sn);
      throw e;
    }
    return done;
  }

  async queryDeviceInfo(deviceId: string): Promise<void> {
    await this.sendQuery(deviceId, 'DeviceInfo', ++this.sn);
  }

  /** INVITE with an SDP offer; resolves with the dialog (to-tag filled) and the 200 OK. */
  async invite(deviceId: string, channelId: string, sdp: string, ssrc: string): Promise<{ dialog: DialogIds; answer: SipResponse }> {
    const d = newDialog(channelId, this.remoteOf(deviceId));
    const req = buildRequest(this.me, d, 'INVITE', {
      body: sdp,
      contentType: 'APPLICATION/SDP',
      extra: [['subject', `${channelId}:${ssrc},${this.cfg.sipId}:0`]],
    });
    const res = await this.transactions.request(req, d.remote);
    if (res.status !== 200) throw new Error(`INVITE answered ${res.status} ${res.reason}`);
    d.toTag = parseNameAddr(getHeader(res, 'to') ?? '')?.params.get('tag');
    // ACK for a 2xx is its own transaction: new branch, same CSeq number.
    this.transport.send(buildRequest(this.me, d, 'ACK', { cseq: d.cseq }), d.remote);
    if (this.dialogs.size < 4096) this.dialogs.set(d.callId, d);
    return { dialog: d, answer: res };
  }

  private reAck(res: SipResponse): void {
    const cseq = parseCSeq(getHeader(res, 'cseq'));
    const d = this.dialogs.get(getHeader(res, 'call-id') ?? '');
    if (!d || !cseq || cseq.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
    this.transport.send(buildRequest(this.me, d, 'ACK', { cseq: cseq.seq }), d.remote);
  }

  async bye(d: DialogIds): Promise<void> {
    this.dialogs.delete(d.callId);
    d.cseq += 1;
    const res = await this.transactions.request(buildRequest(this.me, d, 'BYE'), d.remote);
    if (res.status >= 300) this.log.warn('BYE answered', { status: res.status });
  }

  private checkLiveness(): void {
    const now = Date.now();
    const limit = this.cfg.keepaliveIntervalSeconds * 1000 * this.cfg.keepaliveMissLimit;
    for (const d of this.devices.values()) {
      if (!d.online) continue;
      if (now > d.expiresAt) this.setOffline(d, 'registration expired');
      else if (now - d.lastKeepaliveAt > limit) this.setOffline(d, 'keepalive timeout');
    }
  }

  private setOffline(d: DeviceRecord, reason: string): void {
    if (!d.online) return;
    d.online = false;
    void this.store.put(d);
    this.log.info('device offline', { deviceId: d.deviceId, reason });
    this.emit('offline', d, reason);
  }
}
