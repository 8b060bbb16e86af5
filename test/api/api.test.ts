// The API end to end over HTTP on a real PostgreSQL schema: login, validation, review,
// evidence (watermark, audit, download, verify), zones written to YAML, SSE, ops routes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { UserStore } from '../../src/api/auth/users.ts';
import { CAM_A, CAM_B, PASSWORD, startHarness, type Harness } from './support/harness.ts';
import { SAMPLE_ATTRIBUTES } from '../cases/hits.ts';

const PORT = 18080;
let h: Harness;
let officer: string;
let auditor: string;
let admin: string;

const get = (p: string, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${h.url}${p}`, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
const post = (p: string, body: unknown, cookie?: string) =>
  fetch(`${h.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? h.auth(cookie) : {}) }, body: JSON.stringify(body) });
function findFile(dir: string, pred: (p: string) => boolean): string {
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) {
      const f = findFile(p, pred);
      if (f) return f;
    } else if (pred(p)) return p;
  }
  return '';
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  h = await startHarness(PORT);
  officer = await h.login('officer_a');
  auditor = await h.login('auditor');
  admin = await h.login('admin');
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('login and sessions', () => {
  it('serves the site icon before login (the browser asks for /favicon.ico on every page)', async () => {
    for (const p of ['/favicon.ico', '/favicon.svg']) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type') ?? '', /image\/svg\+xml/);
      assert.match(await r.text(), /^<svg /);
    }
  });

  it('rejects a wrong password and an unknown user alike, and needs a session for data', async () => {
    const wrong = await post('/api/login', { username: 'officer_a', password: 'nope' });
    const unknown = await post('/api/login', { username: 'ghost', password: PASSWORD });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(await wrong.json(), await unknown.json());
    assert.equal((await get('/api/cases')).status, 401);
  });

  it('stores scrypt hashes, never the password', async () => {
    const rows = await h.sql.query<{ password_hash: string }>(`SELECT password_hash FROM api_users`);
    assert.ok(rows.length >= 6);
    for (const r of rows) {
      assert.match(r.password_hash, /^scrypt\$16384\$8\$1\$/);
      assert.ok(!r.password_hash.includes(PASSWORD));
    }
  });

  it('returns the caller and ends the session on logout', async () => {
    const cookie = await h.login('officer_b');
    const me = await (await get('/api/me', cookie)).json();
    assert.equal(me.role, 'officer');
    assert.deepEqual(me.scope.districts, [CAM_B.district]);
    assert.equal((await post('/api/logout', {}, cookie)).status, 200);
    assert.equal((await get('/api/me', cookie)).status, 401);
  });

  it('refuses a forged session cookie', async () => {
    const forged = officer.replace(/hy_sid=([^.;]+)/, 'hy_sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal((await get('/api/me', forged)).status, 401);
  });

  it('accepts API keys for machine clients and stops accepting a revoked one', async () => {
    const users = new UserStore(h.sql);
    const { id, key } = await users.createApiKey('city-platform', 'commander');
    const ok = await get('/api/cases', undefined, { 'x-api-key': key });
    assert.equal(ok.status, 200);
    const bearer = await get('/api/cases', undefined, { authorization: `Bearer ${key}` });
    assert.equal(bearer.status, 200);
    await users.revokeApiKey(id);
    assert.equal((await get('/api/cases', undefined, { 'x-api-key': key })).status, 401);
  });
});

describe('validation', () => {
  it('answers 400 with the zod path of the bad field', async () => {
    const r = await get('/api/cases?limit=0&state=flying', officer);
    assert.equal(r.status, 400);
    const body = await r.json();
    const paths = body.issues.map((i: { path: string[] }) => i.path.join('.'));
    assert.ok(paths.includes('limit'), JSON.stringify(body));
    const { caseId } = await h.raiseAlert(h, CAM_A);
    const bad = await post(`/api/cases/${caseId}/reject`, { reason: 'looks_fine' }, officer);
    assert.equal(bad.status, 400);
    assert.deepEqual((await bad.json()).issues[0].path, ['reason']);
  });
});

describe('review', () => {
  it('confirms and rejects with a reason, records who did it, and refuses a second verdict', async () => {
    const a = await h.raiseAlert(h, CAM_A);
    const b = await h.raiseAlert(h, CAM_A);
    const conf = await post(`/api/cases/${a.caseId}/confirm`, {}, officer);
    assert.equal(conf.status, 200);
    assert.equal((await conf.json()).state, 'confirmed');
    const rej = await post(`/api/cases/${b.caseId}/reject`, { reason: 'duplicate' }, officer);
    assert.equal((await rej.json()).reason, 'duplicate');
    const again = await post(`/api/cases/${a.caseId}/confirm`, {}, officer);
    assert.equal(again.status, 409);
    const detail = await (await get(`/api/cases/${b.caseId}`, officer)).json();
    assert.equal(detail.state, 'rejected');
    // The review page reads what detection found (phone numbers, plates) from the case itself.
    assert.deepEqual(detail.attributes, SAMPLE_ATTRIBUTES[CAM_A.category]);
    const last = detail.history.at(-1);
    assert.equal(last.to, 'rejected');
    assert.equal(last.reason, 'duplicate');
    assert.match(last.actor, /^user:\S+ 队员 李 \(示范区\)$/);
    // Both verdicts went back to detection through the hook.
    const fed = h.verdicts.filter((v) => v.case.id === a.caseId || v.case.id === b.caseId);
    assert.deepEqual(fed.map((v) => [v.verdict, v.reason ?? null]).sort(), [['confirmed', null], ['rejected', 'duplicate']]);
  });

  it('filters and paginates by district, type and state', async () => {
    for (let i = 0; i < 3; i++) await h.raiseAlert(h, CAM_B);
    const commander = await h.login('commander');
    const page1 = await (await get(`/api/cases?district=${encodeURIComponent(CAM_B.district)}&limit=2`, commander)).json();
    assert.equal(page1.items.length, 2);
    assert.ok(page1.total >= 3);
    assert.ok(page1.items.every((c: { district: string }) => c.district === CAM_B.district));
    assert.ok(page1.nextCursor);
    const page2 = await (await get(`/api/cases?district=${encodeURIComponent(CAM_B.district)}&limit=2&cursor=${page1.nextCursor}`, commander)).json();
    assert.ok(page2.items.length >= 1);
    assert.ok(!page2.items.some((c: { id: string }) => page1.items.some((d: { id: string }) => d.id === c.id)));
    const rejected = await (await get('/api/cases?state=rejected', commander)).json();
    assert.ok(rejected.items.length >= 1 && rejected.items.every((c: { state: string }) => c.state === 'rejected'));
    const hits = await (await get('/api/hits', commander)).json();
    assert.ok(hits.items.every((c: { state: string }) => c.state === 'new' || c.state === 'pending_review'));
  });
});

describe('evidence', () => {
  it('shows images watermarked, audits every view, and serves byte-exact originals to auditors only', async () => {
    const { caseId } = await h.raiseAlert(h, CAM_A);
    const list = await (await get(`/api/cases/${caseId}/evidence`, officer)).json();
    const original = list.files.find((f: { kind: string }) => f.kind === 'original:at');
    assert.ok(list.files.some((f: { kind: string }) => f.kind === 'annotated:at'), JSON.stringify(list.files));
    const audit = () => h.store.auditEntries({ targetType: 'case', targetId: caseId });
    const auditBefore = (await audit()).length;

    assert.equal((await get(`/api/cases/${caseId}/evidence/download?name=${original.name}`, officer)).status, 403);
    const dl = await get(`/api/cases/${caseId}/evidence/download?name=${original.name}`, auditor);
    assert.equal(dl.status, 200);
    const bare = Buffer.from(await dl.arrayBuffer());
    assert.equal(sha(bare), original.sha256);
    const dlEntry = (await audit()).at(-1)!;
    assert.equal(dlEntry.action, 'evidence.access');
    assert.equal(dlEntry.details.purpose, 'evidence.download');

    const view = await get(`/api/cases/${caseId}/evidence/view?name=${original.name}`, officer);
    assert.equal(view.status, 200);
    const shown = Buffer.from(await view.arrayBuffer());
    assert.notEqual(sha(shown), original.sha256, 'a viewed image must not be the bare original');
    const [m1, m2] = await Promise.all([sharp(shown).metadata(), sharp(bare).metadata()]);
    assert.deepEqual([m1.width, m1.height], [m2.width, m2.height]);
    // The watermark band at the bottom differs clearly from the original picture.
    const band = async (img: Buffer) => sharp(img).extract({ left: 0, top: m2.height! - 20, width: m2.width!, height: 20 }).greyscale().raw().toBuffer();
    const [bs, bo] = await Promise.all([band(shown), band(bare)]);
    const meanDiff = bs.reduce((s, v, i) => s + Math.abs(v - bo[i]), 0) / bs.length;
    assert.ok(meanDiff > 10, `watermark band differs by ${meanDiff.toFixed(1)} grey levels`);

    const entries = await audit();
    const entry = entries.at(-1)!;
    assert.equal(entries.length, auditBefore + 2);
    assert.equal(entry.details.purpose, 'evidence.view');
    assert.equal(entry.details.variant, original.name);
    assert.match(entry.actor, /^user:[0-9a-f-]{36} 队员 李 \(示范区\)$/);
    assert.equal((await h.store.verifyAuditChain()).ok, true);
    assert.equal((await get(`/api/cases/${caseId}/evidence/view?name=frames/../../keys/x.pem`, officer)).status, 400);
  });

  it('verifies a bundle with the evidence stage and reports a flipped byte', async () => {
    const { caseId } = await h.raiseAlert(h, CAM_A);
    const ok = await (await get(`/api/cases/${caseId}/verify`, auditor)).json();
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const files = (await (await get(`/api/cases/${caseId}/evidence`, auditor)).json()).files;
    const target = files.find((f: { kind: string }) => f.kind === 'original:at').name;
    const file = findFile(h.storeDir, (p) => p.includes(ok.bundleId) && p.endsWith(`/${target}`));
    chmodSync(file, 0o644);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const bad = await (await get(`/api/cases/${caseId}/verify`, auditor)).json();
    assert.equal(bad.ok, false);
    assert.match(bad.problems.join(' '), new RegExp(`file-altered: ${target.replace('.', '\\.')}`));
    assert.equal((await get(`/api/cases/${caseId}/verify`, officer)).status, 403);
  });

  it('says "uploading" for a sealed bundle the store does not hold yet, then serves and verifies it', { timeout: 120_000 }, async () => {
    await h.raiseAlert(h, CAM_A); // the spool learns the camera's chain head while the store is up
    // The store goes down while a hit is sealed (its folder is a plain file): the bundle stays in the spool.
    const aside = `${h.storeDir}.aside`;
    renameSync(h.storeDir, aside);
    writeFileSync(h.storeDir, 'not a folder');
    let caseId: string;
    try {
      ({ caseId } = await h.raiseAlert(h, CAM_A));
    } finally {
      await h.sealer.uploader.stop(); // no retry until the checks below are done
      rmSync(h.storeDir);
      renameSync(aside, h.storeDir);
    }
    // The store is back and does not have the bundle yet.
    const list = await (await get(`/api/cases/${caseId}/evidence`, officer)).json();
    assert.deepEqual([list.uploading, list.files], [true, []], JSON.stringify(list));
    const pending = await (await get(`/api/cases/${caseId}/verify`, auditor)).json();
    assert.deepEqual([pending.ok, pending.uploading], [false, true], JSON.stringify(pending));
    assert.match(pending.problems.join(' '), /sealed in the evidence spool and waiting for its upload/);

    h.sealer.uploader.start();
    await h.sealer.uploader.drain();
    const v = await (await get(`/api/cases/${caseId}/verify`, auditor)).json();
    assert.deepEqual([v.ok, v.uploading], [true, undefined], JSON.stringify(v));
    assert.ok((await (await get(`/api/cases/${caseId}/evidence`, officer)).json()).files.length > 0);
  });
});

describe('zones', () => {
  it('writes zones back into the YAML, keeping comments, and the camera reloads', async () => {
    const zones = [
      { id: 'sidewalk', name: '人行道禁止设摊区', type: 'no-vending', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]], dwellSeconds: 90 },
      { id: 'bins', type: 'bin-point', polygon: [[0.0, 0.0], [0.2, 0.0], [0.2, 0.2]] },
    ];
    const put = await fetch(`${h.url}/api/cameras/cam-a/zones`, { method: 'PUT', headers: { 'content-type': 'application/json', ...h.auth(admin) }, body: JSON.stringify({ zones }) });
    assert.equal(put.status, 200, await put.clone().text());
    const text = readFileSync(path.join(h.configDir, 'cameras.yaml'), 'utf8');
    assert.match(text, /# Test cameras: one per district\./);
    assert.match(text, /# 示范区 camera on the sample footage/);
    assert.match(text, /polygon: \[ \[ 0\.1, 0\.5 \]/);
    assert.match(text, /id: cam-b/);
    // Schema defaults are not spelled out; the value the person changed is.
    assert.doesNotMatch(text, /cooldownSeconds|jitterTolerance/);
    assert.match(text, /dwellSeconds: 90/);
    const got = await (await get('/api/cameras/cam-a/zones', officer)).json();
    assert.deepEqual(got.zones.map((z: { id: string }) => z.id), ['sidewalk', 'bins']);
    assert.equal(got.zones[0].dwellSeconds, 90);

    const badPoly = await fetch(`${h.url}/api/cameras/cam-a/zones`, { method: 'PUT', headers: { 'content-type': 'application/json', ...h.auth(admin) }, body: JSON.stringify({ zones: [{ id: 'x', type: 'road', polygon: [[0, 0], [2, 0], [0, 1]] }] }) });
    assert.equal(badPoly.status, 400);
    assert.deepEqual((await badPoly.json()).issues[0].path, ['zones', '0', 'polygon', '1', '0']);
    const officerPut = await fetch(`${h.url}/api/cameras/cam-a/zones`, { method: 'PUT', headers: { 'content-type': 'application/json', ...h.auth(officer) }, body: JSON.stringify({ zones }) });
    assert.equal(officerPut.status, 403);
  });

  it('serves a watermarked snapshot of the camera', async () => {
    const r = await get('/api/cameras/cam-a/snapshot', officer);
    assert.equal(r.status, 200);
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [768, 576]);
  });
});

describe('live alerts (SSE)', () => {
  it('streams alerts inside the caller\'s district only', async () => {
    const ac = new AbortController();
    const res = await fetch(`${h.url}/api/alerts/stream`, { headers: { cookie: officer }, signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const seen: string[] = [];
    let buf = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        for (const m of buf.matchAll(/event: alert\ndata: (.*)\n/g)) seen.push(JSON.parse(m[1]).caseId);
        buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
      }
    })().catch(() => {});
    // Wait for the subscription before publishing.
    while (h.bus.stats().subscribers === 0) await new Promise((r) => setTimeout(r, 20));
    const other = await h.raiseAlert(h, CAM_B);
    const mine = await h.raiseAlert(h, CAM_A);
    const deadline = Date.now() + 10_000;
    while (!seen.includes(mine.caseId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await reading;
    assert.ok(seen.includes(mine.caseId));
    assert.ok(!seen.includes(other.caseId));
  });
});

describe('ops', () => {
  it('exposes /healthz, /metrics and the OpenAPI document', async () => {
    const hz = await (await get('/healthz')).json();
    assert.deepEqual(hz, { ok: true, checks: { postgres: true } });
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /huiyan_api_requests_total\{method="POST",route="\/api\/login",status="200"\}/);
    assert.match(metrics, /huiyan_review_verdicts_total\{category="vending",verdict="rejected",reason="duplicate"\} 1/);
    const doc = await (await get('/docs/json')).json();
    assert.ok(doc.paths['/api/cases/{id}/reject']);
    assert.ok(doc.paths['/api/cameras/{id}/zones'].put);
  });
});
