// Live view as an attacker on the same host would try it: connect to the stream without
// logging in, with a forged, replayed, expired or other camera's ticket, from a sibling Origin,
// or on another interface. Each is refused and starts no transcoder; an authorised viewer gets
// MPEG-1, and the transcoder stops once the last one leaves. ffmpeg's output never shows the
// camera's password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { LiveViewManager } from '../../src/api/cameras/live.ts';
import { maskSecrets } from '../../src/util/secrets.ts';
import { startRtspServer, type RtspTestServer } from '../support/rtsp-server.ts';
import { startHarness, type Harness } from '../api/support/harness.ts';
import { freePort } from '../../src/util/net.ts';

const SECRET = 's3cret-Pw';
let h: Harness;
let rtsp: RtspTestServer;
let live: LiveViewManager;
let officer: string;
let stderr = '';
const write = process.stderr.write.bind(process.stderr);


before(async () => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stderr += chunk.toString();
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  rtsp = await startRtspServer(await freePort(), 'wall');
  const authed = rtsp.url.replace('rtsp://', `rtsp://viewer:${SECRET}@`);
  live = new LiveViewManager({ idleMs: 300, ticketTtlMs: 3_000 });
  h = await startHarness(0, {
    live,
    streamsYaml: `cameras:
  - id: cam-live
    name: 南口 (RTSP)
    location: { district: 示范区, street: 示范街道 }
    source: { kind: rtsp, url: "${authed}" }
    rules: [vending]
  - id: cam-other
    name: 北口 (RTSP)
    location: { district: 示范区, street: 示范街道 }
    source: { kind: rtsp, url: "rtsp://viewer:${SECRET}@127.0.0.1:1/none" }
    rules: [vending]
  - id: cam-b
    name: 西兴 (RTSP)
    location: { district: 滨江区, street: 西兴街道 }
    source: { kind: rtsp, url: "${authed}" }
    rules: [vending]
`,
  });
  officer = await h.login('officer_a');
}, { timeout: 180_000 });
after(async () => {
  process.stderr.write = write;
  await h?.close();
  await live?.stop();
  await rtsp?.close();
}, { timeout: 60_000 });

const wsUrl = (path: string) => h.url.replace('http', 'ws') + path;
async function ticket(camera: string, cookie = officer): Promise<string> {
  const r = await fetch(`${h.url}/api/cameras/${camera}/live`, { headers: { cookie } });
  assert.equal(r.status, 200);
  return (await r.json()).url;
}

/** Opens the socket; resolves with the HTTP status of a refused upgrade, or the open socket. */
function connect(path: string, origin?: string): Promise<{ status: number; ws?: WebSocket; messages: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), origin ? { origin } : {});
    const messages: Buffer[] = [];
    ws.on('message', (d: Buffer) => messages.push(d));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, messages }));
    ws.once('open', () => resolve({ status: 101, ws, messages }));
    ws.once('error', (e) => (/Unexpected server response/.test(e.message) ? undefined : reject(e)));
  });
}

describe('live view needs the API\'s login and scope', () => {
  it('no ticket, a forged one, or another camera\'s → 401, and no transcoder starts', async () => {
    assert.equal((await connect('/api/live/cam-live')).status, 401);
    const good = await ticket('cam-live');
    const [p, q] = good.split('?ticket=');
    const [body] = q!.split('.');
    assert.equal((await connect(`${p}?ticket=${body}.AAAA`)).status, 401, 'forged MAC');
    const forged = Buffer.from(JSON.stringify({ camera: 'cam-live', principal: 'user:x', nonce: 'n', expiresAt: Date.now() + 60_000 })).toString('base64url');
    assert.equal((await connect(`${p}?ticket=${forged}.${q!.split('.')[1]}`)).status, 401, 'body swapped under a real MAC');
    assert.equal((await connect(`/api/live/cam-other?ticket=${q}`)).status, 401, 'ticket of another camera');
    assert.deepEqual(live.health(), []);
  });

  it('the ticket route applies role and scope: other district 404, auditor 403, no login 401', async () => {
    const b = await h.login('officer_b');
    assert.equal((await fetch(`${h.url}/api/cameras/cam-live/live`, { headers: { cookie: b } })).status, 404);
    const auditor = await h.login('auditor');
    assert.equal((await fetch(`${h.url}/api/cameras/cam-live/live`, { headers: { cookie: auditor } })).status, 403);
    assert.equal((await fetch(`${h.url}/api/cameras/cam-live/live`)).status, 401);
  });

  it('a sibling Origin is refused even with a valid ticket', async () => {
    assert.equal((await connect(await ticket('cam-live'), 'http://127.0.0.1:1')).status, 403);
    assert.deepEqual(live.health(), []);
  });

  it('an expired ticket is refused', async () => {
    const t = await ticket('cam-live');
    await new Promise((r) => setTimeout(r, 3_200));
    assert.equal((await connect(t)).status, 401);
  });

  it('live view is served on the API\'s address only (no port on other interfaces)', async () => {
    const port = Number(new URL(h.url).port);
    const other = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.2', port }, () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(other, 'ECONNREFUSED');
  });

  it('an authorised viewer gets MPEG-1; the ticket cannot be replayed; the transcoder stops after the last viewer', async () => {
    const t = await ticket('cam-live');
    const { status, ws, messages } = await connect(t, h.url);
    assert.equal(status, 101);
    const bytes = () => messages.reduce((n, m) => n + m.length, 0);
    const deadline = Date.now() + 60_000;
    while (bytes() < 20_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(bytes() >= 20_000, `received ${bytes()} bytes`);
    assert.equal(messages[0]!.subarray(0, 4).toString(), 'jsmp');
    assert.equal(messages[1]![0], 0x47, 'then MPEG-TS packets (sync byte 0x47)');
    assert.equal((await connect(t, h.url)).status, 401, 'replayed ticket');
    const [running] = live.health();
    assert.equal(running.cameraId, 'cam-live');
    assert.equal(running.viewers, 1);
    ws!.close();
    const stopBy = Date.now() + 10_000;
    while (live.health().length && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(live.health(), [], 'transcoder stopped');
    await new Promise((r) => setTimeout(r, 500));
    assert.throws(() => process.kill(running.pid!, 0), 'ffmpeg is gone');
  });

  it('the transcoder\'s output is logged with the camera password masked', async () => {
    const { status, ws } = await connect(await ticket('cam-other'), h.url);
    assert.equal(status, 101);
    await new Promise((r) => ws!.once('close', r)); // ffmpeg cannot connect and exits
    const deadline = Date.now() + 5_000;
    while (!/live transcoder exited/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, /live transcoder exited.*cam-other/);
    assert.ok(!stderr.includes(SECRET), 'password never logged');
    assert.ok(!maskSecrets(`rtsp://viewer:${SECRET}@10.0.0.1/x`).includes(SECRET));
  });
});
