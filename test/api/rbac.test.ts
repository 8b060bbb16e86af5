// Access control across roles, districts and categories. The rule under test: an object
// outside the caller's scope is 404 (indistinguishable from one that does not exist); an
// action the caller's role may not take is 403; a filter naming a region or category
// outside the scope is 403; unauthenticated is 401.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MATRIX, ROLES } from '../../src/api/auth/access.ts';
import { CAM_A, CAM_B, DISTRICT_A, DISTRICT_B, startHarness, USERS, type Harness } from './support/harness.ts';

const PORT = 18081;
let h: Harness;
const cookies: Record<string, string> = {};
let caseA: string;
let caseB: string;
let caseAds: string;

async function call(user: string | null, method: string, p: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (user) Object.assign(headers, h.auth(cookies[user]));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* images */
  }
  return { status: r.status, json: json as Record<string, unknown> };
}

before(async () => {
  h = await startHarness(PORT);
  for (const u of USERS) cookies[u.username] = await h.login(u.username);
  caseA = (await h.raiseAlert(h, CAM_A)).caseId;
  caseB = (await h.raiseAlert(h, CAM_B)).caseId;
  caseAds = (await h.raiseAlert(h, { ...CAM_A, category: 'ads' })).caseId;
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('objects outside the district answer 404, like objects that do not exist', () => {
  for (const [method, suffix, body] of [
    ['GET', '', undefined],
    ['GET', '/evidence', undefined],
    ['GET', '/evidence/view?name=manifest.json', undefined],
    ['POST', '/confirm', {}],
    ['POST', '/reject', { reason: 'not_violation' }],
  ] as const) {
    it(`${method} /api/cases/:id${suffix}`, async () => {
      const cross = await call('officer_b', method, `/api/cases/${caseA}${suffix}`, body);
      const ghostId = randomUUID();
      const ghost = await call('officer_b', method, `/api/cases/${ghostId}${suffix}`, body);
      assert.equal(cross.status, 404);
      assert.equal(ghost.status, 404);
      // Same body shape and wording: only the id differs.
      assert.equal(String(cross.json.message).replace(caseA, 'X'), String(ghost.json.message).replace(ghostId, 'X'));
      // The same officer reaches the case of their own district.
      const own = await call('officer_b', method === 'POST' ? 'GET' : method, `/api/cases/${caseB}${method === 'POST' ? '' : suffix}`);
      assert.equal(own.status, 200);
    });
  }

  it('cameras of another district are 404 (detail, health, snapshot, zones, live)', async () => {
    for (const p of ['', '/health', '/snapshot', '/zones', '/live']) {
      assert.equal((await call('officer_b', 'GET', `/api/cameras/cam-a${p}`)).status, 404, p);
      assert.equal((await call('officer_a', 'GET', `/api/cameras/cam-b${p}`)).status, 404, p);
    }
    const listB = await call('officer_b', 'GET', '/api/cameras');
    assert.deepEqual((listB.json.items as { id: string }[]).map((c) => c.id), ['cam-b']);
  });

  it('the case was not touched by the refused verdicts', async () => {
    const c = await call('officer_a', 'GET', `/api/cases/${caseA}`);
    assert.equal(c.json.state, 'pending_review');
  });
});

describe('lists and statistics are cut to the scope', () => {
  it('an officer lists only their district; asking for another is 403', async () => {
    const a = await call('officer_a', 'GET', '/api/cases');
    const ids = (a.json.items as { id: string; district: string }[]);
    assert.ok(ids.some((c) => c.id === caseA));
    assert.ok(ids.every((c) => c.district === DISTRICT_A));
    const b = await call('officer_b', 'GET', '/api/cases');
    assert.deepEqual((b.json.items as { id: string }[]).map((c) => c.id), [caseB]);
    assert.equal((await call('officer_b', 'GET', `/api/cases?district=${encodeURIComponent(DISTRICT_A)}`)).status, 403);
    assert.equal((await call('officer_b', 'GET', `/api/hits?district=${encodeURIComponent(DISTRICT_A)}`)).status, 403);
    assert.equal((await call('officer_b', 'GET', `/api/stats?district=${encodeURIComponent(DISTRICT_A)}`)).status, 403);
    const stats = await call('officer_b', 'GET', '/api/stats');
    assert.deepEqual(stats.json.byDistrict, [{ key: DISTRICT_B, count: 1 }]);
  });

  it('a category-scoped officer sees only that category, even in their own district', async () => {
    const list = await call('officer_a_ads', 'GET', '/api/cases');
    assert.deepEqual((list.json.items as { id: string }[]).map((c) => c.id), [caseAds]);
    assert.equal((await call('officer_a_ads', 'GET', `/api/cases/${caseA}`)).status, 404);
    assert.equal((await call('officer_a_ads', 'POST', `/api/cases/${caseA}/confirm`, {})).status, 404);
    assert.equal((await call('officer_a_ads', 'GET', '/api/cases?type=vending')).status, 403);
    // cam-a runs vending only: not this officer's camera.
    assert.equal((await call('officer_a_ads', 'GET', '/api/cameras/cam-a')).status, 404);
  });

  it('commander and admin see every district', async () => {
    for (const u of ['commander', 'admin', 'auditor']) {
      const ids = ((await call(u, 'GET', '/api/cases')).json.items as { id: string }[]).map((c) => c.id);
      assert.ok([caseA, caseB, caseAds].every((id) => ids.includes(id)), u);
    }
  });
});

describe('actions a role may not take answer 403, before any lookup', () => {
  it('auditors cannot review; officers cannot download originals, verify, edit zones or read GB28181', async () => {
    assert.equal((await call('auditor', 'POST', `/api/cases/${caseA}/confirm`, {})).status, 403);
    assert.equal((await call('auditor', 'POST', `/api/cases/${caseA}/reject`, { reason: 'duplicate' })).status, 403);
    assert.equal((await call('auditor', 'GET', '/api/alerts/stream')).status, 403);
    assert.equal((await call('officer_a', 'GET', `/api/cases/${caseA}/evidence/download?name=manifest.json`)).status, 403);
    assert.equal((await call('officer_a', 'GET', `/api/cases/${caseA}/verify`)).status, 403);
    assert.equal((await call('officer_a', 'PUT', '/api/cameras/cam-a/zones', { zones: [] })).status, 403);
    assert.equal((await call('officer_a', 'GET', '/api/gb28181/devices')).status, 403);
    assert.equal((await call('commander', 'GET', `/api/cases/${caseA}/evidence/download?name=manifest.json`)).status, 403);
    // 403 for a role is given even for an object outside the scope: it reveals nothing.
    assert.equal((await call('officer_b', 'GET', `/api/cases/${caseA}/verify`)).status, 403);
  });

  it('the roles that may, can', async () => {
    assert.equal((await call('auditor', 'GET', `/api/cases/${caseA}/evidence/download?name=manifest.json`)).status, 200);
    assert.equal((await call('auditor', 'GET', `/api/cases/${caseB}/verify`)).status, 200);
    assert.equal((await call('commander', 'GET', '/api/gb28181/devices')).status, 200);
    assert.equal((await call('commander', 'POST', `/api/cases/${caseB}/confirm`, {})).status, 200);
  });

  it('nothing without a login', async () => {
    for (const p of ['/api/cases', `/api/cases/${caseA}`, '/api/cameras', '/api/stats', '/api/alerts/stream', '/api/gb28181/devices']) {
      assert.equal((await call(null, 'GET', p)).status, 401, p);
    }
  });

  it('the matrix names every role and admin may do everything', () => {
    for (const roles of Object.values(MATRIX)) {
      assert.ok(roles.includes('admin'));
      assert.ok(roles.every((r) => (ROLES as readonly string[]).includes(r)));
    }
  });
});

describe('administration and audit', () => {
  it('only admins manage users and keys; a scoped key sees only its district', async () => {
    assert.equal((await call('commander', 'GET', '/api/users')).status, 403);
    assert.equal((await call('officer_a', 'POST', '/api/api-keys', { name: 'x', role: 'admin' })).status, 403);
    const users = await call('admin', 'GET', '/api/users');
    assert.ok((users.json.items as { username: string }[]).some((u) => u.username === 'officer_b'));
    assert.ok(!JSON.stringify(users.json).includes('scrypt$'), 'no password hashes in the listing');

    const created = await call('admin', 'POST', '/api/users', { username: 'officer_c', displayName: '队员 周', password: 'a-long-password', role: 'officer', scope: { districts: [DISTRICT_B] } });
    assert.equal(created.status, 201);
    assert.equal((await call('admin', 'POST', '/api/users', { username: 'officer_c', displayName: 'x', password: 'a-long-password', role: 'officer' })).status, 409);
    const bad = await call('admin', 'POST', '/api/users', { username: 'x', displayName: 'x', password: 'short', role: 'chief' });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json.issues as { path: string[] }[]).map((i) => i.path.join('.')).sort(), ['password', 'role', 'username']);

    const key = await call('admin', 'POST', '/api/api-keys', { name: 'binjiang-platform', role: 'officer', scope: { districts: [DISTRICT_B] } });
    assert.equal(key.status, 201);
    const viaKey = (p: string) => fetch(`${h.url}${p}`, { headers: { 'x-api-key': String(key.json.key) } });
    const list = await (await viaKey('/api/cases')).json();
    assert.ok(list.items.length >= 1 && list.items.every((c: { district: string }) => c.district === DISTRICT_B));
    assert.equal((await viaKey(`/api/cases/${caseA}`)).status, 404);
    assert.equal((await call('admin', 'DELETE', `/api/api-keys/${key.json.id}`)).status, 200);
    assert.equal((await viaKey('/api/cases')).status, 401);
  });

  it('auditors read a case\'s audit trail, with every evidence view in it', async () => {
    await call('officer_a', 'GET', `/api/cases/${caseA}/evidence/view?name=manifest.json`);
    const trail = await call('auditor', 'GET', `/api/cases/${caseA}/audit`);
    assert.equal(trail.status, 200);
    const items = trail.json.items as { action: string; actor: string; details: Record<string, unknown> }[];
    assert.equal(items[0].action, 'case.created');
    assert.ok(items.some((e) => e.action === 'evidence.access' && e.details.purpose === 'evidence.view' && /队员 李/.test(e.actor)));
    assert.equal((await call('officer_a', 'GET', `/api/cases/${caseA}/audit`)).status, 403);
    assert.equal((await call('admin', 'GET', `/api/cases/${randomUUID()}/audit`)).status, 404);
  });
});

describe('login rate limiting', () => {
  it('answers 429 after the allowed attempts', async () => {
    const small = await startHarness(PORT + 1, { loginMax: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${small.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'officer_a', password: `guess-${i}` }) });
        codes.push(r.status);
      }
      assert.deepEqual(codes, [401, 401, 401, 429, 429]);
    } finally {
      await small.close();
    }
  });
});
