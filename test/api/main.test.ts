// The API as its own process (tsx src/api/main.ts) on environment configuration alone:
// PostgreSQL schema, filesystem evidence, demo logins, case-queue alerts on Redis.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { createSchema, freshSchemaName, PG_URL } from '../cases/stores.ts';
import { STREAMS_YAML } from './support/harness.ts';
import { rotateKey } from '../../src/evidence/keys.ts';

const PORT = 18090;
const url = `http://127.0.0.1:${PORT}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-api-main-'));
const prefix = `tapimain${randomBytes(3).toString('hex')}`;
let child: ChildProcess;
let exited: Promise<number | null>;
let dropSchema: () => Promise<void>;
let stderr = '';
let privateKey = '';

before(async () => {
  const schema = freshSchemaName('apimain');
  dropSchema = await createSchema(schema);
  writeFileSync(path.join(dir, 'cams.yaml'), STREAMS_YAML);
  // The API only verifies: it must come up without ever reading the private signing key, here
  // an unparseable file beside a valid public key (loading it would throw a KeyError).
  await rotateKey(path.join(dir, 'keys'));
  privateKey = readdirSync(path.join(dir, 'keys')).find((f) => f.endsWith('.key.pem'))!;
  writeFileSync(path.join(dir, 'keys', privateKey), 'not a key: the API must not read this file\n');
  child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/api/main.ts')], {
    env: {
      ...process.env,
      // The test reads the process's info lines (listening, demo logins).
      HUIYAN_LOG_LEVEL: 'info',
      HUIYAN_API_PORT: String(PORT),
      HUIYAN_DATABASE_URL: PG_URL,
      HUIYAN_PG_SCHEMA: schema,
      HUIYAN_STREAMS_CONFIG: dir,
      HUIYAN_EVIDENCE_DIR: path.join(dir, 'evidence'),
      HUIYAN_EVIDENCE_KEYS: path.join(dir, 'keys'),
      HUIYAN_EVIDENCE_SPOOL: path.join(dir, 'spool'),
      HUIYAN_COOKIE_SECRET: randomBytes(32).toString('hex'),
      HUIYAN_DEMO_PASSWORD: 'demo-pass-2026',
      // Cookie options from the environment are honoured (checked on the Set-Cookie below).
      HUIYAN_SECURE_COOKIE: '1',
      HUIYAN_QUEUE_PREFIX: prefix,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
  exited = new Promise((r) => child.once('exit', (code) => r(code)));
}, { timeout: 180_000 });

after(async () => {
  if (child.exitCode === null) child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
  const q = new Queue('case', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  await q.obliterate({ force: true }).catch(() => {});
  await q.close();
  await dropSchema();
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 180_000 });

it('starts from the environment, seeds one officer per district and exits cleanly on SIGTERM', { timeout: 300_000 }, async () => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok && /"msg":"api listening"/.test(stderr)) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`API did not come up:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(stderr, /"msg":"demo login".*"username":"officer1"/);
  const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'officer2', password: 'demo-pass-2026' }) });
  assert.equal(login.status, 200);
  const me = await login.json();
  assert.equal(me.role, 'officer');
  assert.equal(me.scope.districts.length, 1);
  const setCookies = login.headers.getSetCookie();
  assert.deepEqual(setCookies.map((c) => c.split('=')[0]), ['hy_sid', '_csrf']);
  for (const c of setCookies) assert.match(c, /; Secure/i, c);
  for (const c of setCookies) assert.match(c, /; HttpOnly/i, c);
  for (const c of setCookies) assert.match(c, /; SameSite=Strict/i, c);
  const cookie = setCookies[0].split(';')[0];
  // The session acknowledges the data-security notice before it may read anything.
  const ack = await fetch(`${url}/api/notice/ack`, { method: 'POST', headers: { cookie: setCookies.map((c) => c.split(';')[0]).join('; '), 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(ack.status, 200);
  // The evidence workers' intake state comes from the deployment's Redis (nobody refused here).
  assert.deepEqual(await (await fetch(`${url}/api/ops/alerts`, { headers: { cookie } })).json(), { evidence: { accepting: true, refused: [] } });
  const cams = await (await fetch(`${url}/api/cameras`, { headers: { cookie } })).json();
  assert.equal(cams.items.length, 1);
  assert.equal(cams.items[0].district, me.scope.districts[0]);
  // Public keys only: the private key file untouched, no new one made.
  assert.deepEqual(readdirSync(path.join(dir, 'keys')).filter((f) => f.endsWith('.key.pem')), [privateKey]);
  assert.match(readFileSync(path.join(dir, 'keys', privateKey), 'utf8'), /^not a key/);
  const index = await fetch(`${url}/`);
  assert.match(await index.text(), /慧眼/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
