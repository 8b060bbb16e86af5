// Browser test of the back half on the review page (Chromium): a legally approved case that the
// city platform reports delivered and acknowledged shows the export and each step with its
// time and the platform's reference, in Chinese; the history names the platform.
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
    await post('auditor', `/api/cases/${caseId}/legal/approve`, { standardId: legal.discretion.find((d) => d.fineMin === 50)!.id, proposedFine: 100 });
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
    await page.locator('#city').scrollIntoViewIfNeeded();
    await shot(page, 'review-city.png');
  });
});
