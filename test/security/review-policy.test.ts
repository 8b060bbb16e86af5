// Verdict integrity: a rejection's note is kept in the audit trail (it used to be accepted and
// dropped), and a confirmation is overturned only by a role allowed to (cases:overturn: admin,
// commander) — another in-scope officer gets 403 and the case stays confirmed.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAM_A, startHarness, type Harness } from '../api/support/harness.ts';

let h: Harness;
const c: Record<string, string> = {};
before(async () => {
  h = await startHarness(0);
  for (const u of ['officer_a', 'officer_a_ads', 'commander', 'auditor']) c[u] = await h.login(u);
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

const post = (user: string, p: string, body: unknown) =>
  fetch(`${h.url}${p}`, { method: 'POST', headers: { ...h.auth(c[user]!), 'content-type': 'application/json' }, body: JSON.stringify(body) });
const state = async (id: string) => (await (await fetch(`${h.url}/api/cases/${id}`, { headers: { cookie: c.commander! } })).json()).state;
const trail = async (id: string) => (await (await fetch(`${h.url}/api/cases/${id}/audit`, { headers: { cookie: c.auditor! } })).json()).items as { action: string; details: Record<string, unknown> }[];

it('a rejection note is stored in the audit trail', { timeout: 120_000 }, async () => {
  const { caseId } = await h.raiseAlert(h, CAM_A);
  assert.equal((await post('officer_a', `/api/cases/${caseId}/reject`, { reason: 'not_violation', note: '摊主已离开，画面为路人' })).status, 200);
  const t = (await trail(caseId)).find((e) => e.action === 'case.transition' && e.details.to === 'rejected');
  assert.equal(t?.details.note, '摊主已离开，画面为路人');
  assert.equal(t?.details.reason, 'not_violation');
});

it('another officer cannot overturn a confirmation; a commander can, with the note audited', { timeout: 120_000 }, async () => {
  const { caseId } = await h.raiseAlert(h, { ...CAM_A, category: 'ads' });
  assert.equal((await post('officer_a', `/api/cases/${caseId}/confirm`, {})).status, 200);
  const r = await post('officer_a_ads', `/api/cases/${caseId}/reject`, { reason: 'not_violation' });
  assert.equal(r.status, 403);
  assert.match((await r.json()).message, /overturn/);
  assert.equal((await post('officer_a', `/api/cases/${caseId}/reject`, { reason: 'not_violation' })).status, 403, 'not even the one who confirmed');
  assert.equal(await state(caseId), 'confirmed');
  assert.equal((await post('commander', `/api/cases/${caseId}/reject`, { reason: 'wrong_type', note: '复核：应为占道经营' })).status, 200);
  assert.equal(await state(caseId), 'rejected');
  const t = (await trail(caseId)).filter((e) => e.action === 'case.transition').map((e) => [e.details.from, e.details.to, e.details.note ?? null]);
  assert.deepEqual(t.slice(-2), [['pending_review', 'confirmed', null], ['confirmed', 'rejected', '复核：应为占道经营']]);
});
