// Browser test of the back half on the review page (Chromium): a legally approved case that the
// city platform reports delivered and acknowledged shows the export and each step with its
// time and the platform's reference, in Chinese; the history names the platform and holds the
// legal review's return and approval between 已确认 and 已送达; once closed, the case is under 已结案.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import type { Browser } from 'playwright-core';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { CAM_A, sealHit, type Harness } from '../api/support/harness.ts';
import { postCityEvent } from '../api/support/city.ts';
import { loginPage, shot, openBrowserHarness, closeBrowserHarness } from './support.ts';

const PLATFORM = { endpoint: 'city-platform', secret: 'city-web-test-secret' };
let h: Harness;
let browser: Browser;

before(async () => void ({ h, browser } = await openBrowserHarness(0, { app: { city: {
  endpoints: [{ id: PLATFORM.endpoint, url: 'http://127.0.0.1:9/unused', secret: PLATFORM.secret, events: ['case.exported'], timeoutMs: 1000, inbound: true }],
  publicUrl: 'http://127.0.0.1:8080' } } })), { timeout: 180_000 });
after(() => closeBrowserHarness(h, browser), { timeout: 180_000 });

describe('review page: the city back half', { timeout: 300_000 }, () => {
  it('shows the export and the platform\'s delivered / acknowledged steps with times and references', async () => {
    const { hit, evidence } = await sealHit(h, CAM_A);
    const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365 });
    const { caseId } = (await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string };
    const post = async (user: string, p: string, body: unknown) => {
      const cookie = await h.login(user);
      const r = await fetch(`${h.url}${p}`, { method: 'POST', headers: { ...h.auth(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 200, await r.text());
    };
    await post('officer_a', `/api/cases/${caseId}/confirm`, {});

    const page = await loginPage(browser, h.url, 'officer_a');
    await page.goto(`${h.url}/review.html?case=${caseId}`);
    await page.locator('#city', { hasText: '尚未推送市级平台' }).waitFor();

    const auditor = await h.login('auditor');
    const legal = await (await fetch(`${h.url}/api/cases/${caseId}/legal`, { headers: h.auth(auditor) })).json() as { discretion: { id: number; fineMin: number }[] };
    await post('auditor', `/api/cases/${caseId}/legal/return`, { reason: '请补充当事人信息' });
    await post('officer_a', `/api/cases/${caseId}/legal/resubmit`, {});
    await post('auditor', `/api/cases/${caseId}/legal/approve`, { standardId: legal.discretion.find((d) => d.fineMin === 50)!.id, proposedFine: 100, note: '证据充分' });
    for (const e of [{ event: 'delivered', ref: 'SD-WEB-1', note: '电子送达' }, { event: 'acknowledged', ref: 'QS-WEB-1' }]) {
      assert.equal((await postCityEvent(h.url, PLATFORM, caseId, { ...e, at: new Date().toISOString() })).status, 200);
    }

    await page.reload();
    await page.locator('#city tr[data-step="acknowledged"]').waitFor();
    const rows = await page.locator('#city tr').allInnerTexts();
    assert.equal(rows.length, 3, rows.join(' | '));
    assert.match(rows[0]!, /已推送市级平台.*城管告〔\d{4}〕\d{5}号/s);
    assert.match(rows[1]!, /已送达.*平台编号 SD-WEB-1 · 电子送达/s);
    assert.match(rows[2]!, /已签收.*平台编号 QS-WEB-1/s);
    assert.equal(await page.locator('#state').innerText(), '已签收');
    assert.match(await page.locator('#history').innerText(), /市级平台 · city-platform/);
    // The legal review changes no case state, yet its decisions belong in the history, in order.
    const events = await page.locator('#history tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.event));
    assert.deepEqual(events.filter((e) => e !== 'new' && e !== 'pending_review'),
      ['confirmed', 'legal.returned', 'legal.resubmitted', 'legal.approved', 'delivered', 'acknowledged']);
    assert.match(await page.locator('#history tr[data-event="legal.returned"]').innerText(), /法制审核退回.*请补充当事人信息/s);
    assert.match(await page.locator('#history tr[data-event="legal.approved"]').innerText(), /法制审核 陈.*法制审核通过.*证据充分/s);
    await page.locator('#city').scrollIntoViewIfNeeded();
    await shot(page, 'review-city.png');

    const t = Date.now();
    for (const e of [{ event: 'decided', ref: 'JD-WEB-1', at: new Date(t).toISOString(), decisionNo: '城管罚决〔2026〕9号', fine: 100 },
      { event: 'paid', ref: 'JK-WEB-1', at: new Date(t + 1000).toISOString(), amount: 100 }, { event: 'closed', ref: 'JA-WEB-1', at: new Date(t + 2000).toISOString() }]) {
      assert.equal((await postCityEvent(h.url, PLATFORM, caseId, e)).status, 200);
    }
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor();
    const tab = (k: string) => page.locator(`#tabs [data-tab="${k}"]`);
    assert.match((await tab('closed').textContent()) ?? '', /已结案\s*1/);
    assert.match((await tab('confirmed').textContent()) ?? '', /已确认\s*0/);
    await tab('closed').click();
    await page.locator(`#list li[data-case="${caseId}"]`).waitFor();
  });
});
