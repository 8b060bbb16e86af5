// Camera credentials with the characters that break URLs (@ # % :): given as user/password
// fields they are percent-encoded by us and the camera plays; a wrong password gives a clear
// reason; the password appears in no log line, health field or error. Real RTSP server with
// Basic auth (gst-rtsp-server), real ffmpeg.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';

process.env.HUIYAN_LOG_LEVEL = 'debug'; // every line the appliance could print is checked
const { Camera } = await import('../../src/config/schema.ts');
const { createSource } = await import('../../src/ingest/sources.ts');
const { startRtspServer } = await import('../support/rtsp-server.ts');
const { waitFor } = await import('../support/wait.ts');
const { maskSecrets } = await import('../../src/util/secrets.ts');
const { liveChildPids } = await import('../../src/ingest/child-registry.ts');
const { grabStill } = await import('../../src/api/cameras/snapshot.ts');

const PASSWORD = 'p@ss#w%rd:x';
const port = 20000 + Math.floor(Math.random() * 20000);
const server = await startRtspServer(port, 'auth', { auth: { user: 'admin', password: PASSWORD } });
const printed: string[] = [];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  printed.push(String(chunk));
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;

after(async () => {
  process.stderr.write = write;
  await server.close();
  assert.deepEqual(liveChildPids(), []);
});

const secretForms = [PASSWORD, encodeURIComponent(PASSWORD), 'p@ss', 'w%rd:x'];
function assertNoSecret(what: string, text: string): void {
  for (const s of secretForms) assert.ok(!text.includes(s), `${what} contains the password (${s}): ${text.slice(0, 300)}`);
}

function cam(id: string, source: Record<string, unknown>) {
  return Camera.parse({ id, name: id, location: { district: 'd', street: 's' }, source: { kind: 'rtsp', ...source }, sampling: { fps: 2, keyframesOnly: false } });
}

test('a password with @ # % : given as a separate field plays; it is never printed', async () => {
  const src = createSource(cam('auth-ok', { url: `rtsp://127.0.0.1:${port}/auth`, user: 'admin', password: PASSWORD }), { watchdog: { connectMs: 15_000 } });
  let frames = 0;
  src.start();
  const it = src.frames()[Symbol.asyncIterator]();
  try {
    await waitFor('3 frames', async () => {
      const r = await it.next();
      if (!r.done) frames++;
      return frames >= 3;
    }, 45_000);
    assert.equal(src.health().state, 'live');
  } finally {
    await src.stop();
  }
  assertNoSecret('health', JSON.stringify(src.health()));
  assertNoSecret('log lines', printed.join(''));
});

test('a wrong password: down with "unauthorized (401)", neither password in logs, health or errors', async () => {
  const wrong = 'wr@ng#p%ss:1';
  secretForms.push(wrong, encodeURIComponent(wrong));
  const src = createSource(cam('auth-bad', { url: `rtsp://127.0.0.1:${port}/auth`, user: 'admin', password: wrong }), { backoff: { baseMs: 300, maxMs: 600 } });
  src.start();
  try {
    await waitFor('down with a reason', () => src.health().state === 'down' && /401|unauthori/i.test(src.health().lastError ?? ''), 30_000);
  } finally {
    await src.stop();
  }
  assertNoSecret('health', JSON.stringify(src.health()));
  assertNoSecret('log lines', printed.join(''));
  assert.ok(printed.some((l) => /ffmpeg exited/.test(l)), 'the failure was logged (with ffmpeg stderr), masked');
});

test('a raw URL with the password percent-encoded also plays, and is masked where printed', async () => {
  const url = `rtsp://admin:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/auth`;
  const src = createSource(cam('auth-raw', { url }));
  src.start();
  try {
    await waitFor('live', () => src.health().state === 'live', 45_000);
  } finally {
    await src.stop();
  }
  assert.equal(maskSecrets(`opening ${url} failed`), `opening rtsp://admin:***@127.0.0.1:${port}/auth failed`);
  assertNoSecret('log lines', printed.join(''));
});

test('the API\'s still (no ring-buffer frame) opens the camera with the credential fields', async () => {
  const jpeg = await grabStill(cam('auth-still', { url: `rtsp://127.0.0.1:${port}/auth`, user: 'admin', password: PASSWORD }));
  assert.ok(jpeg, 'a still came back (it used to open source.url without the credentials: 401)');
  assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'a JPEG');
  assertNoSecret('log lines', printed.join(''));
});
