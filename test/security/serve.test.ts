// `huiyan serve` (what the Docker image runs, bound to 0.0.0.0 there) used to ignore
// HUIYAN_SECURE_COOKIE (sessions went out without `Secure` behind TLS) and wrote no anchors
// (deleting a camera's evidence wholesale went unnoticed). The real CLI as a child process, on
// PostgreSQL and Redis: every cookie of a login carries Secure, HttpOnly (session) and
// SameSite=Strict, signed with the environment's secret; signed anchors over the chain heads
// and the audit head appear in the export folder with no command.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../../src/cases/index.ts';
import { UserStore } from '../../src/api/auth/users.ts';
import { createSchema, freshSchemaName } from '../cases/stores.ts';
import { applianceTestEnv } from '../support/appliance-env.ts';
import { startServe, type Proc } from '../e2e/support/proc.ts';
import { waitFor } from '../support/wait.ts';
import { checkAnchor, SignedAnchor } from '../../src/evidence/anchor.ts';
import { KeyRing } from '../../src/evidence/keys.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-serve-'));
const SECRET = randomBytes(32).toString('hex');
let serve: (Proc & { url: string }) | undefined;
let drop: (() => Promise<void>) | undefined;
let db: Db | undefined;
before(async () => {
  const schema = freshSchemaName('serve');
  drop = await createSchema(schema);
  mkdirSync(path.join(dir, 'streams'));
  serve = await startServe({
    ...applianceTestEnv(dir, schema, 'tserve'), HUIYAN_SECURE_COOKIE: '1', HUIYAN_COOKIE_SECRET: SECRET,
    HUIYAN_ANCHOR_EVERY_MS: '1000', HUIYAN_EVIDENCE_ANCHORS: path.join(dir, 'anchors-export'),
  }, 240_000);
  db = await openDb({ url: applianceTestEnv(dir, schema, 'x').HUIYAN_DATABASE_URL!, schema });
  await new UserStore(db).createUser({ username: 'officer', displayName: '队员', role: 'officer', password: 'Serve-test-2026' });
}, { timeout: 300_000 });
after(async () => {
  await serve?.stop();
  await db?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 60_000 });

it('login cookies are Secure, SameSite=Strict, and signed with HUIYAN_COOKIE_SECRET', async () => {
  const r = await fetch(`${serve!.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'officer', password: 'Serve-test-2026' }) });
  assert.equal(r.status, 200);
  const cookies = r.headers.getSetCookie();
  assert.ok(cookies.length >= 1);
  for (const c of cookies) {
    assert.match(c, /; Secure/i, c);
    assert.match(c, /; SameSite=Strict/i, c);
  }
  const session = cookies.find((c) => c.startsWith('hy_sid='))!;
  assert.match(session, /; HttpOnly/i);
  // @fastify/cookie signs as <value>.<base64 HMAC-SHA256(secret, value) without padding>.
  const value = decodeURIComponent(session.split(';')[0]!.slice('hy_sid='.length));
  const i = value.lastIndexOf('.');
  assert.equal(value.slice(i + 1), createHmac('sha256', SECRET).update(value.slice(0, i)).digest('base64').replace(/=+$/, ''));
});

it('writes signed anchors (chain heads and audit head) to the export folder on its own', { timeout: 60_000 }, async () => {
  const out = path.join(dir, 'anchors-export');
  const file = await waitFor('an exported anchor', () => (existsSync(out) ? readdirSync(out) : []).find((n) => n.endsWith('.json')), 30_000);
  const doc = SignedAnchor.parse(JSON.parse(readFileSync(path.join(out, file), 'utf8')));
  assert.equal(checkAnchor(doc, await KeyRing.loadPublic(path.join(dir, 'keys'))), null, 'signature checks out');
  assert.ok(doc.anchor.audit, 'the audit log head is anchored too');
});
