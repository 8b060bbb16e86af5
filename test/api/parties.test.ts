// The parties API on real PostgreSQL: roles and district scope, CSRF on changes, CSV import
// through the API with row errors, and a case's party as linked by the case queue's handler
// (a real sealed bundle) and picked by an officer when unknown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { CAM_A, CAM_B, DISTRICT_A, DISTRICT_B, sealHit, startHarness, USERS, type CameraSeed, type Harness } from './support/harness.ts';

let h: Harness;
const cookies: Record<string, string> = {};

async function call(user: string | null, method: string, p: string, body?: unknown, csrf = true) {
  const headers: Record<string, string> = {};
  if (user) Object.assign(headers, csrf ? h.auth(cookies[user]!) : { cookie: cookies[user]! });
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : null) as Record<string, any> };
}

/** A sealed hit through the case queue's handler: case + party link, as the case worker does. */
async function fileCase(at: CameraSeed, attributes: Record<string, unknown> = {}) {
  const { hit, evidence } = await sealHit(h, at);
  const step = caseStep({ store: h.store, locate: () => ({ district: at.district, street: at.street }), repeatWindowDays: 365 });
  return ((await step({ hit: { ...hit, attributes: { ...hit.attributes, ...attributes } } as typeof hit, evidence }, { name: 'case' } as Job)) as { caseId: string }).caseId;
}

before(async () => {
  h = await startHarness(0);
  for (const u of USERS) cookies[u.username] = await h.login(u.username);
}, { timeout: 120_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('parties API', () => {
  let shopId: string;

  it('commanders register parties; officers read but may not write; changes need the CSRF token', async () => {
    const body = { kind: 'shop', name: '示范水果店', licenceNo: '91330100MA2B00001X', district: DISTRICT_A, contactPhone: '13800138000',
      frontages: [{ cameraId: CAM_A.cameraId, zoneId: 'sidewalk' }] };
    assert.equal((await call('commander', 'POST', '/api/parties', body, false)).status, 403, 'no CSRF token');
    assert.equal((await call('officer_a', 'POST', '/api/parties', body)).status, 403);
    assert.equal((await call(null, 'GET', '/api/parties')).status, 401);
    const r = await call('commander', 'POST', '/api/parties', body);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    shopId = r.json.id;
    assert.equal(r.json.contactPhone, '+8613800138000');
    const bad = await call('commander', 'POST', '/api/parties', { ...body, licenceNo: undefined, plates: ['nope'] });
    assert.equal(bad.status, 400);
    assert.deepEqual([...new Set(bad.json.issues.map((i: { path: string[] }) => i.path[0]))].sort(), ['licenceNo', 'plates']);
    assert.equal((await call('commander', 'POST', '/api/parties', body)).status, 409, 'same licence number');
    const found = await call('officer_a', 'GET', `/api/parties?q=${encodeURIComponent('水果')}`);
    assert.deepEqual(found.json.items.map((p: { id: string }) => p.id), [shopId]);
    // Officers lack pii:read: the contact phone is masked by the server; the commander sees it.
    assert.equal(found.json.items[0].contactPhone, '+86138****8000');
    assert.equal((await call('officer_a', 'GET', `/api/parties/${shopId}`)).json.contactPhone, '+86138****8000');
    assert.equal((await call('commander', 'GET', `/api/parties/${shopId}`)).json.contactPhone, '+8613800138000');
    // Another district's officer does not see it, by search or by id.
    assert.equal((await call('officer_b', 'GET', `/api/parties?q=${encodeURIComponent('水果')}`)).json.total, 0);
    assert.equal((await call('officer_b', 'GET', `/api/parties/${shopId}`)).status, 404);
    const edited = await call('commander', 'PUT', `/api/parties/${shopId}?version=1`, { ...body, contactName: '王老板' });
    assert.equal(edited.json.version, 2);
    assert.equal((await call('commander', 'PUT', `/api/parties/${shopId}?version=1`, body)).status, 409, 'stale version');
  });

  it('imports a CSV: good rows load, bad ones come back with line and field', async () => {
    const csv = ['类型,名称,统一社会信用代码,许可证号,许可证有效期至,区,车牌',
      `运输企业,滨江渣土运输,91330100MA2B00002Y,杭建运 2026-77,2026-12-31,${DISTRICT_B},浙A12345`,
      `运输企业,坏行,91330100MA2B00003Z,,2026-02-30,${DISTRICT_B},浙A1`].join('\n');
    const r = await call('admin', 'POST', '/api/parties/import', { format: 'csv', content: Buffer.from(csv).toString('base64') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.created, 1);
    assert.deepEqual(r.json.errors.map((e: { row: number; field: string }) => [e.row, e.field]), [[3, 'permitValidTo'], [3, 'plates']]);
    const unreadable = await call('admin', 'POST', '/api/parties/import', { format: 'csv', content: Buffer.from('颜色\n红').toString('base64') });
    assert.equal(unreadable.status, 400);
    assert.match(unreadable.json.message, /unknown column "颜色"/);
  });

  it('a case in the shop\'s frontage shows the shop; a truck case shows its company and permit; unknown ones are picked by an officer', async () => {
    const shopCase = await fileCase(CAM_A);
    const p = await call('officer_a', 'GET', `/api/cases/${shopCase}/party`);
    assert.equal(p.status, 200, JSON.stringify(p.json));
    assert.equal(p.json.link, 'zone');
    assert.equal(p.json.party.id, shopId);

    const truck = await fileCase({ ...CAM_B, category: 'spillage' }, { plate: { plate: '浙A12345', kind: 'ordinary', confidence: 0.9, votes: 3, reads: 3 } });
    const t = await call('officer_b', 'GET', `/api/cases/${truck}/party`);
    assert.equal(t.json.link, 'plate');
    assert.equal(t.json.party.name, '滨江渣土运输');
    assert.equal(t.json.permitStatus, 'valid');
    // Plates masked for the officer everywhere they appear — the link, the party, the case's
    // attributes, the evidence manifest — and in the clear for roles with pii:read.
    assert.equal(t.json.plate, '浙A·***45');
    assert.deepEqual(t.json.party.plates, ['浙A·***45']);
    assert.equal((await call('commander', 'GET', `/api/cases/${truck}/party`)).json.plate, '浙A12345');
    assert.equal((await call('officer_b', 'GET', `/api/cases/${truck}`)).json.attributes.plate.plate, '浙A·***45');
    assert.equal((await call('auditor', 'GET', `/api/cases/${truck}`)).json.attributes.plate.plate, '浙A12345');
    // The sealed manifest of an ads case carries the poster's phone number.
    const ads = await fileCase({ ...CAM_B, category: 'ads' });
    const manifest = async (u: string) => {
      const r = await fetch(`${h.url}/api/cases/${ads}/evidence/view?name=manifest.json`, { headers: { cookie: cookies[u]! } });
      assert.equal(r.status, 200);
      return r.text();
    };
    const officerManifest = await manifest('officer_b');
    assert.ok(officerManifest.includes('138****5678') && !/138-?1234-?5678/.test(officerManifest), officerManifest);
    assert.ok((await manifest('auditor')).includes('13812345678'));

    const stranger = await fileCase({ ...CAM_B, category: 'spillage' }, { plate: { plate: '浙B99999', kind: 'ordinary', confidence: 0.9, votes: 3, reads: 3 } });
    const u = await call('officer_b', 'GET', `/api/cases/${stranger}/party`);
    assert.equal(u.json.link, 'unknown');
    assert.equal(u.json.plate, '浙B·***99');
    // Out of district: 404 like any case; the auditor may look but not pick.
    assert.equal((await call('officer_a', 'GET', `/api/cases/${stranger}/party`)).status, 404);
    const company = t.json.party.id;
    assert.equal((await call('auditor', 'PUT', `/api/cases/${stranger}/party`, { partyId: company })).status, 403);
    const picked = await call('officer_b', 'PUT', `/api/cases/${stranger}/party`, { partyId: company });
    assert.equal(picked.status, 200, JSON.stringify(picked.json));
    assert.equal(picked.json.link, 'manual');
    assert.equal(picked.json.repeatCount, 1, 'the earlier truck case of the same company');
    const audit = await call('auditor', 'GET', `/api/cases/${stranger}/audit`);
    assert.ok(audit.json.items.some((e: { action: string; actor: string }) => e.action === 'case.party_linked' && e.actor.includes('队员 张')));
    // A party with cases cannot be deleted.
    assert.equal((await call('admin', 'DELETE', `/api/parties/${company}`)).status, 409);
  });
});
