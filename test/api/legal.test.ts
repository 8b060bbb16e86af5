// Legal review (法制审核) through the API on real PostgreSQL: the auditor's queue, approve with
// a discretion row and a fine inside its range, return with a reason and the officer's
// resubmission, a second person required, roles enforced, every step in the audit trail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { CAM_A, sealHit, startHarness, USERS, type Harness } from './support/harness.ts';

let h: Harness;
const cookies: Record<string, string> = {};

async function call(user: string, method: string, p: string, body?: unknown) {
  const headers: Record<string, string> = { ...h.auth(cookies[user]!) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : null) as Record<string, any> };
}

async function fileCase() {
  const { hit, evidence } = await sealHit(h, CAM_A);
  const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365 });
  return ((await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string }).caseId;
}

before(async () => {
  h = await startHarness(0);
  for (const u of USERS) cookies[u.username] = await h.login(u.username);
}, { timeout: 120_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('legal review', () => {
  it('confirm → queue → return with reason → resubmit → approve within the discretion range, all audited', async () => {
    const id = await fileCase();
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: 1, proposedFine: 0 })).status, 409, 'not confirmed yet');
    assert.equal((await call('officer_a', 'POST', `/api/cases/${id}/confirm`, {})).status, 200);

    assert.equal((await call('officer_a', 'GET', '/api/legal/queue')).status, 403);
    const queue = await call('auditor', 'GET', '/api/legal/queue');
    assert.deepEqual(queue.json.items.map((i: any) => i.case.id), [id]);
    assert.equal(queue.json.items[0].review.state, 'pending');

    const view = await call('auditor', 'GET', `/api/cases/${id}/legal`);
    assert.equal(view.json.standardCode, '05-01');
    assert.equal(view.json.discretion.length, 3);
    assert.ok(view.json.discretion.every((d: any) => d.sample && d.circumstance.startsWith('【示例】')));
    const repeat = view.json.discretion.find((d: any) => d.fineMin === 50)!;
    const other = (await call('auditor', 'GET', '/api/discretion?code=04-02')).json.items[0];

    assert.equal((await call('officer_a', 'POST', `/api/cases/${id}/legal/approve`, { standardId: repeat.id, proposedFine: 100 })).status, 403);
    const outside = await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: repeat.id, proposedFine: 300 });
    assert.equal(outside.status, 409);
    assert.match(outside.json.message, /outside the range 50–200/);
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: other.id, proposedFine: 6000 })).status, 409, 'row of another code');

    const ret = await call('auditor', 'POST', `/api/cases/${id}/legal/return`, { reason: '当事人未确认，请补充门店信息' });
    assert.equal(ret.json.state, 'returned');
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: repeat.id, proposedFine: 100 })).status, 409, 'returned cases wait for the officer');
    assert.deepEqual((await call('auditor', 'GET', '/api/legal/queue?state=returned')).json.items.map((i: any) => i.case.id), [id]);
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/resubmit`, {})).status, 403);
    assert.equal((await call('officer_a', 'POST', `/api/cases/${id}/legal/resubmit`, { note: '已补充' })).json.state, 'pending');

    const ok = await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: repeat.id, proposedFine: 100, note: '一年内第二次' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.state, 'approved');
    assert.equal(ok.json.proposedFine, 100);
    assert.equal(ok.json.proposedPenalty, '警告，并处罚款');
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/return`, { reason: '再看看' })).status, 409, 'decided');

    const audit = (await call('auditor', 'GET', `/api/cases/${id}/audit`)).json.items as { action: string; actor: string }[];
    const steps = audit.map((e) => e.action).filter((a) => a.startsWith('legal.'));
    assert.deepEqual(steps, ['legal.returned', 'legal.resubmitted', 'legal.approved']);
    assert.match(audit.find((e) => e.action === 'legal.approved')!.actor, /法制审核 陈/);
    assert.equal((await h.store.verifyAuditChain()).ok, true);
  });

  it('the person who confirmed may not approve; the discretion table is editable by the legal role only', async () => {
    const id = await fileCase();
    await call('admin', 'POST', `/api/cases/${id}/confirm`, {});
    const rows = (await call('admin', 'GET', `/api/cases/${id}/legal`)).json.discretion;
    const self = await call('admin', 'POST', `/api/cases/${id}/legal/approve`, { standardId: rows[0].id, proposedFine: 0 });
    assert.equal(self.status, 409);
    assert.match(self.json.message, /second person/);
    assert.equal((await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: rows[0].id, proposedFine: 0 })).status, 200);

    const row = { standardCode: '05-01', circumstance: '本局：初次违法', penalty: '警告', fineMin: 0, fineMax: 0, legalBasis: '《某市市容环境卫生管理条例》第二十条' };
    assert.equal((await call('officer_a', 'POST', '/api/discretion', row)).status, 403);
    const created = await call('auditor', 'POST', '/api/discretion', row);
    assert.equal(created.status, 201);
    assert.equal(created.json.sample, false);
    const edited = await call('auditor', 'PUT', `/api/discretion/${rows[0].id}`, { ...row, circumstance: '本局：及时改正', retired: true });
    assert.equal(edited.json.sample, false);
    assert.equal(edited.json.retired, true);
    assert.ok(!(await call('auditor', 'GET', '/api/discretion?code=05-01')).json.items.some((d: any) => d.id === rows[0].id), 'retired rows hidden');
    assert.equal((await call('auditor', 'POST', '/api/discretion', { ...row, fineMin: 10, fineMax: 5 })).status, 400);
  });
});
