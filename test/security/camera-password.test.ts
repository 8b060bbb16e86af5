// Camera passwords with the characters that break URLs (@ # % :) through the real appliance:
// `huiyan serve` as its own process (debug logging, every line captured), two cameras on an RTSP
// server that demands Basic auth — the right password and a wrong one as user/password fields,
// the right one again from an environment variable (passwordEnv) — then everything an operator or a client can see: the whole log output,
// /api/cameras, each camera's detail, health, snapshot and live ticket, /metrics, and the live-view
// transcoder (a viewer on each camera). Neither password may appear in clear, percent-encoded,
// or in pieces split at its special characters.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { huiyan, login, startServe, type Proc } from '../e2e/support/proc.ts';
import { siteDir, type SiteDir } from '../e2e/support/env.ts';
import { startRtspServer, type RtspTestServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const PASSWORD = 'Xk4qZ@Wm9tR#Lp2vN%Ty6sB:Hd3jF';
const WRONG = 'Wr0ngA@Bq8kD#Zx5hG%Vc7pL:Nm1rT';
const ADMIN_PW = 'campw-admin-2026';

/** Every form a password could leak in: clear, percent-encoded (both ways), and each piece between its special characters. */
const forms = (pw: string) => [pw, encodeURIComponent(pw), encodeURI(pw), ...pw.split(/[@#%:]/)];
const SECRETS = [...forms(PASSWORD), ...forms(WRONG)];
function assertNoSecret(what: string, text: string): void {
  for (const s of SECRETS) {
    const at = text.indexOf(s);
    assert.equal(at, -1, `${what} contains the password (${s}): …${text.slice(Math.max(0, at - 200), at + 100)}…`);
  }
}

let site: SiteDir;
let rtsp: RtspTestServer;
let serve: Proc & { url: string };
let cookie = '';
let usersOut = '';

before(async () => {
  site = await siteDir('campw');
  const port = 20000 + Math.floor(Math.random() * 20000);
  rtsp = await startRtspServer(port, 'door', { loop: true, auth: { user: 'admin', password: PASSWORD } });
  const camera = (id: string, credentials: string) => `  - id: ${id}
    name: 门口 ${id}
    location: { district: 示范区, street: 示范街道 }
    source: { kind: rtsp, url: "rtsp://127.0.0.1:${port}/door", user: admin, ${credentials} }
    sampling: { fps: 1 }
`;
  await writeFile(path.join(site.streams, 'doors.yaml'), `cameras:\n${camera('cam-pw-ok', `password: ${JSON.stringify(PASSWORD)}`)}${camera('cam-pw-bad', `password: ${JSON.stringify(WRONG)}`)}${camera('cam-pw-env', 'passwordEnv: HUIYAN_TEST_DOOR_PASSWORD')}`);
  serve = await startServe({ ...site.env, HUIYAN_TEST_DOOR_PASSWORD: PASSWORD }, 420_000, 'debug');
  const add = await huiyan(['users', 'add', 'admin', '--role', 'admin'], { ...site.env, HUIYAN_NEW_PASSWORD: ADMIN_PW });
  assert.equal(add.code, 0, add.out);
  usersOut = add.out;
  cookie = await login(serve.url, 'admin', ADMIN_PW);
}, { timeout: 480_000 });

after(async () => {
  await serve?.stop();
  await rtsp?.close();
  await site?.cleanup();
}, { timeout: 60_000 });

async function get(route: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${serve.url}${route}`, { headers: { cookie } });
  return { status: r.status, body: r.headers.get('content-type')?.startsWith('image/') ? '' : await r.text() };
}

/** Joins the camera's live view; resolves with the bytes received and how the socket closed. */
async function watch(camera: string, ms: number): Promise<{ bytes: number; closedBy: 'server' | 'us'; code: number }> {
  const { url } = JSON.parse((await get(`/api/cameras/${camera}/live`)).body) as { url: string };
  const ws = new WebSocket(serve.url.replace(/^http/, 'ws') + url);
  let bytes = 0;
  ws.on('message', (d: Buffer) => (bytes += d.length));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    const timer = setTimeout(() => {
      ws.removeAllListeners('close');
      ws.once('close', (code) => resolve({ bytes, closedBy: 'us', code }));
      ws.close();
    }, ms);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve({ bytes, closedBy: 'server', code });
    });
  });
}

it('plays with the right password, is down with 401 for the wrong one, and neither password is printed or served', { timeout: 420_000 }, async () => {
  const health = async (id: string) => JSON.parse((await get(`/api/cameras/${id}/health`)).body) as { state: string; lastError?: string; framesTotal?: number };
  // The three cameras start together; on a loaded box an attempt can time out and back off, so
  // they share one generous budget and a timeout says where each camera stood.
  const waitState = (what: string, id: string, ok: (h: Awaited<ReturnType<typeof health>>) => boolean) =>
    waitFor(what, async () => ok(await health(id)), 240_000, 250)
      .catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(await health(id))}`); });
  await Promise.all([
    waitState('cam-pw-ok live', 'cam-pw-ok', (h) => h.state === 'live'),
    waitState('cam-pw-env (password from the environment) live', 'cam-pw-env', (h) => h.state === 'live'),
    waitState('cam-pw-bad down with 401', 'cam-pw-bad', (h) => h.state === 'down' && /401|unauthori/i.test(h.lastError ?? '')),
  ]);

  // Everything the API serves about both cameras.
  const served: Record<string, string> = {};
  for (const route of ['/api/cameras', '/metrics', ...['cam-pw-ok', 'cam-pw-bad', 'cam-pw-env'].flatMap((id) => [`/api/cameras/${id}`, `/api/cameras/${id}/health`, `/api/cameras/${id}/snapshot`])]) {
    const r = await get(route);
    served[route] = `${r.status} ${r.body}`;
  }
  assert.match(served['/api/cameras']!, /cam-pw-ok/);
  assert.match(served['/api/cameras/cam-pw-ok/snapshot']!, /^200 $/, 'a snapshot of the camera that plays');
  assert.match(served['/api/cameras/cam-pw-bad/health']!, /401|unauthori/i);
  for (const [route, text] of Object.entries(served)) assertNoSecret(route, text);

  // The live-view transcoder: a picture for the right password; for the wrong one it exits and
  // its stderr is logged.
  const ok = await watch('cam-pw-ok', 4000);
  assert.ok(ok.bytes > 10_000, `live view of cam-pw-ok sent ${ok.bytes} bytes`);
  const bad = await watch('cam-pw-bad', 30_000);
  assert.equal(bad.closedBy, 'server', 'the transcoder of cam-pw-bad exits');
  await serve.waitFor(/"msg":"live transcoder exited".*cam-pw-bad/, 10_000);

  // The whole output of the process, after a clean stop (every line flushed).
  assert.equal(await serve.stop(), 0);
  const out = serve.output();
  assert.match(out, /"msg":"live view started".*cam-pw-ok/);
  assert.match(out, /"msg":"ffmpeg exited".*cam-pw-bad/, 'the failure was logged with ffmpeg\'s stderr');
  assertNoSecret('serve output', out);
  assertNoSecret('users add output', usersOut);
});
