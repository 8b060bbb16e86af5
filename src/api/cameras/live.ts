// Live view for the camera wall, behind the API's own authentication: the page asks
// `GET /api/cameras/:id/live` (session, `cameras:live`, camera in scope) for a ticket — an
// HMAC-signed, single-use, short-lived grant for one camera and one principal — and opens
// `ws(s)://<API host>/api/live/<camera>?ticket=…` on the API's own listener (so live view
// binds where the API binds). The upgrade is refused unless the ticket is valid for that
// camera and the Origin, when the browser sends one, is the API's own or an allowed one.
// One transcoder per camera (node-rtsp-stream's Mpeg1Muxer: ffmpeg → MPEG-1 in MPEG-TS) is
// started by the first authorised viewer, shared, and stopped `idleMs` after the last one
// leaves; nobody unauthorised can keep it alive. ffmpeg's stderr is logged with credentials
// masked.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import Mpeg1Muxer from 'node-rtsp-stream/mpeg1muxer.js';
import WebSocket from 'ws';
import type { CameraConfig } from '../../config/schema.ts';
import { StderrTail, reasonFromStderr } from '../../ingest/ffmpeg-stderr.ts';
import { createLogger } from '../../util/log.ts';
import type { Principal } from '../auth/access.ts';
import { rtspUrl } from '../../ingest/sources.ts';
import { maskSecrets } from '../../util/secrets.ts';

const log = createLogger({ stage: 'api', part: 'live' });

export const LIVE_PATH = '/api/live/';

export interface LiveViewOptions {
  /** Grace after the last viewer leaves before the transcoder stops (a page reload reconnects). */
  idleMs?: number;
  /** Lifetime of a ticket; the page uses it at once. */
  ticketTtlMs?: number;
  /** Output width; the height follows the camera's aspect ratio. */
  width?: number;
  /** Origins besides the API's own that may open the socket. */
  allowedOrigins?: string[];
  ffmpegPath?: string;
}

interface Ticket {
  camera: string;
  principal: string;
  nonce: string;
  expiresAt: number;
}

interface Running {
  muxer: Mpeg1Muxer;
  viewers: Set<WebSocket>;
  idleTimer?: NodeJS.Timeout;
  /** The 8-byte greeting node-rtsp-stream's clients expect: "jsmp", width, height. */
  greeting: Buffer;
}

export class LiveViewManager {
  private readonly running = new Map<string, Running>();
  private readonly wss = new WebSocket.Server({ noServer: true });
  private readonly key = randomBytes(32);
  /** Nonces of tickets already used, until they expire. */
  private readonly used = new Map<string, number>();
  private readonly idleMs: number;
  private readonly ttlMs: number;
  private readonly width: number;
  private readonly allowed: Set<string>;
  private cameraOf: (id: string) => CameraConfig | undefined = () => undefined;

  constructor(private readonly o: LiveViewOptions = {}) {
    this.idleMs = o.idleMs ?? 5_000;
    this.ttlMs = o.ticketTtlMs ?? 30_000;
    this.width = o.width ?? 640;
    this.allowed = new Set(o.allowedOrigins ?? []);
  }

  /**
   * Handles WebSocket upgrades on `server` (the API's listener) for `/api/live/<camera>`;
   * other upgrade paths are refused. `cameras` resolves a camera id to its config.
   */
  attach(server: Server, cameras: (id: string) => CameraConfig | undefined): void {
    this.cameraOf = cameras;
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** A ticket for `p` to watch `cam` (the route has checked role and scope); null: no RTSP source. */
  ticket(p: Principal, cam: CameraConfig): { url: string; expiresAt: number } | null {
    if (cam.source.kind !== 'rtsp') return null;
    const t: Ticket = { camera: cam.id, principal: `${p.kind}:${p.id}`, nonce: randomBytes(12).toString('base64url'), expiresAt: Date.now() + this.ttlMs };
    const body = Buffer.from(JSON.stringify(t)).toString('base64url');
    return { url: `${LIVE_PATH}${encodeURIComponent(cam.id)}?ticket=${body}.${this.sign(body)}`, expiresAt: t.expiresAt };
  }

  /** One entry per running transcoder (for health and for tests that check none is left). */
  health(): { cameraId: string; viewers: number; pid?: number }[] {
    return [...this.running].map(([cameraId, r]) => ({ cameraId, viewers: r.viewers.size, pid: r.muxer.stream.pid }));
  }

  viewers(cameraId: string): number {
    return this.running.get(cameraId)?.viewers.size ?? 0;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await Promise.all([...this.running.keys()].map((id) => this.close(id)));
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  /** The ticket's camera when it is genuine, unexpired, unused and for `cameraId`; else why not. */
  private redeem(raw: string | null, cameraId: string): { ok: true } | { ok: false; why: string } {
    const [body, mac] = (raw ?? '').split('.');
    if (!body || !mac) return { ok: false, why: 'no ticket' };
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: 'bad ticket' };
    const t = JSON.parse(Buffer.from(body, 'base64url').toString()) as Ticket;
    const now = Date.now();
    for (const [n, exp] of this.used) if (exp < now) this.used.delete(n);
    if (t.expiresAt < now) return { ok: false, why: 'ticket expired' };
    if (t.camera !== cameraId) return { ok: false, why: 'ticket is for another camera' };
    if (this.used.has(t.nonce)) return { ok: false, why: 'ticket already used' };
    this.used.set(t.nonce, t.expiresAt);
    return { ok: true };
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (code: number, why: string) => {
      log.warn('live view refused', { why, from: req.socket.remoteAddress, url: (req.url ?? '').split('?')[0] });
      socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : code === 404 ? 'Not Found' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(LIVE_PATH)) return refuse(404, 'not a live-view path');
    const cameraId = decodeURIComponent(url.pathname.slice(LIVE_PATH.length));
    const origin = req.headers.origin;
    const own = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${req.headers.host}`;
    if (origin !== undefined && origin !== own && !this.allowed.has(origin)) return refuse(403, `origin ${origin}`);
    const r = this.redeem(url.searchParams.get('ticket'), cameraId);
    if (!r.ok) return refuse(401, r.why);
    const cam = this.cameraOf(cameraId);
    if (!cam || cam.source.kind !== 'rtsp') return refuse(404, 'no such RTSP camera');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.join(cam, ws));
  }

  private join(cam: CameraConfig, ws: WebSocket): void {
    const r = this.running.get(cam.id) ?? this.startTranscoder(cam);
    if (r.idleTimer) clearTimeout(r.idleTimer);
    r.idleTimer = undefined;
    r.viewers.add(ws);
    ws.send(r.greeting, { binary: true });
    ws.on('close', () => {
      r.viewers.delete(ws);
      if (r.viewers.size === 0 && this.running.get(cam.id) === r) {
        r.idleTimer = setTimeout(() => void this.close(cam.id), this.idleMs);
        r.idleTimer.unref();
      }
    });
    log.info('live viewer joined', { cameraId: cam.id, viewers: r.viewers.size });
  }

  private startTranscoder(cam: CameraConfig): Running {
    if (cam.source.kind !== 'rtsp') throw new Error(`${cam.id} has no RTSP source`);
    const muxer = new Mpeg1Muxer({
      url: rtspUrl(cam.source), // credentials from user/password fields, percent-encoded
      ffmpegPath: this.o.ffmpegPath ?? 'ffmpeg',
      ffmpegOptions: { '-loglevel': 'error', '-vf': `scale=${this.width}:-2`, '-b:v': '900k', '-r': 25, '-an': '' },
    });
    // JSMpeg reads the picture size from the MPEG-1 sequence header; the greeting's size only
    // fills node-rtsp-stream's 8-byte header.
    const greeting = Buffer.alloc(8);
    greeting.write('jsmp');
    greeting.writeUInt16BE(this.width, 4);
    greeting.writeUInt16BE(Math.round((this.width * 9) / 16), 6);
    const r: Running = { muxer, viewers: new Set(), greeting };
    const tail = new StderrTail(10);
    muxer.on('ffmpegStderr', (d: Buffer) => tail.push(maskSecrets(d.toString())));
    muxer.on('mpeg1data', (data: Buffer) => {
      for (const ws of r.viewers) if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
    });
    muxer.stream.once('exit', (code, signal) => {
      if (this.running.get(cam.id) !== r) return;
      tail.flush();
      log.warn('live transcoder exited', { cameraId: cam.id, code, signal, reason: reasonFromStderr(tail.lines), stderr: tail.lines.slice(-3) });
      this.running.delete(cam.id);
      for (const ws of r.viewers) ws.close(1011, 'transcoder exited');
    });
    this.running.set(cam.id, r);
    log.info('live view started', { cameraId: cam.id, pid: muxer.stream.pid });
    return r;
  }

  private close(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return Promise.resolve();
    this.running.delete(id);
    if (r.idleTimer) clearTimeout(r.idleTimer);
    for (const ws of r.viewers) ws.terminate();
    const ff = r.muxer.stream;
    const exited = new Promise<void>((resolve) => {
      if (ff.exitCode !== null || ff.signalCode !== null) return resolve();
      ff.once('exit', () => resolve());
    });
    ff.kill('SIGTERM');
    // A hung ffmpeg gets SIGKILL so none outlives us.
    const kill = setTimeout(() => ff.kill('SIGKILL'), 2_000);
    log.info('live view stopped', { cameraId: id });
    return exited.finally(() => clearTimeout(kill));
  }
}
