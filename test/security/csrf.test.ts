// CSRF from a sibling origin (another port of the same host: same *site*, so SameSite=Strict
// does not help). Each attack runs as the logged-in officer's browser would send it — the
// session cookie attached, the sibling's Origin or Referer — and must be refused with the case
// unchanged; the page's own requests (same origin, JSON, CSRF token) still work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAM_A, startHarness, type Harness } from '../api/support/harness.ts';

let h: Harness;
let officer: string;
let officerB: string;
let caseId: string;
const SIBLING = 'http://127.0.0.1:1'; // any other port on the same host

const state = async () => (await (await fetch(`${h.url}/api/cases/${caseId}`, { headers: { cookie: officer } })).json()).state;

before(async () => {
  h = await startHarness(0);
  officer = await h.login('officer_a');
  officerB = await h.login('officer_b');
  caseId = (await h.raiseAlert(h, CAM_A)).caseId;
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('state changes refused without proof of same origin', () => {
  it('empty text/plain POST (what a sibling page can send without preflight) → 415', async () => {
    const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'text/plain' }, body: '' });
    assert.equal(r.status, 415);
    assert.equal(await state(), 'pending_review');
  });

  it('a form post (application/x-www-form-urlencoded) → 415', async () => {
    const r = await fetch(`${h.url}/api/cases/${caseId}/reject`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=not_violation' });
    assert.equal(r.status, 415);
    assert.equal(await state(), 'pending_review');
  });

  it('sibling Origin with the cookie → 403, even with JSON and a valid token', async () => {
    const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'application/json', origin: SIBLING }, body: '{}' });
    assert.equal(r.status, 403);
    assert.match((await r.json()).message, /cross-origin/);
    assert.equal(await state(), 'pending_review');
  });

  it('sibling Referer without Origin → 403', async () => {
    const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'application/json', referer: `${SIBLING}/evil.html` }, body: '{}' });
    assert.equal(r.status, 403);
    assert.equal(await state(), 'pending_review');
  });

  it('JSON with the cookie but no CSRF token, a forged one, or another session\'s → 403', async () => {
    const other = h.auth(officerB)['x-csrf-token'];
    for (const token of [undefined, 'forged-token', other]) {
      const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, {
        method: 'POST',
        headers: { cookie: officer, 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}) },
        body: '{}',
      });
      assert.equal(r.status, 403, String(token));
    }
    assert.equal(await state(), 'pending_review');
  });

  it('logout and user administration need the token too', async () => {
    const r = await fetch(`${h.url}/api/logout`, { method: 'POST', headers: { cookie: officer, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 403);
    assert.equal((await fetch(`${h.url}/api/me`, { headers: { cookie: officer } })).status, 200, 'still logged in');
  });

  it('the page\'s own request (same Origin, JSON, token) confirms; /api/me hands out the token', async () => {
    const me = await (await fetch(`${h.url}/api/me`, { headers: { cookie: officer } })).json();
    assert.equal(me.csrfToken.length > 20, true);
    const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, {
      method: 'POST',
      headers: { cookie: officer, 'content-type': 'application/json', origin: h.url, 'x-csrf-token': me.csrfToken },
      body: '{}',
    });
    assert.equal(r.status, 200);
    assert.equal(await state(), 'confirmed');
  });

  it('API keys (never sent by a browser on its own) need no token', async () => {
    const { key } = await h.users.createApiKey('ci', 'officer', { districts: [CAM_A.district] });
    const c2 = (await h.raiseAlert(h, CAM_A)).caseId;
    const r = await fetch(`${h.url}/api/cases/${c2}/reject`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'duplicate' }) });
    assert.equal(r.status, 200);
  });
});
