// Browser test of legal review (Chromium): a case in a registered shop's frontage, confirmed
// by an officer, is approved by the legal reviewer on legal.html with a discretion row; a
// fine outside the row's range is refused by the server and shown. The page names the camera and
// zone (ids only as a tooltip), captions the stills in Chinese, shows an approval's note as a
// review note (never as a return reason), keeps download links readable on the dark theme, and
// shows every time in Beijing time whatever the browser's zone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Job } from 'bullmq';
import type { Browser } from 'playwright-core';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { PartyRegistry } from '../../src/cases/parties/index.ts';
import { CAM_A, CAM_B, sealHit, type Harness } from '../api/support/harness.ts';
import { loginPage, shot, openBrowserHarness, closeBrowserHarness } from './support.ts';

/** WCAG relative luminance of a computed `rgb(r, g, b)`. */
function luminance(css: string): number {
  const [r, g, b] = css.match(/\d+/g)!.slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

let h: Harness;
let browser: Browser;

before(async () => void ({ h, browser } = await openBrowserHarness(0)), { timeout: 180_000 });
after(() => closeBrowserHarness(h, browser), { timeout: 180_000 });

describe('legal review page', { timeout: 300_000 }, () => {
  it('shows evidence, party and the discretion rows; approves inside the range', async () => {
    await new PartyRegistry(h.store.db).create({ kind: 'shop', name: '示范水果店', licenceNo: '91330100MA2B20001X', contactPhone: '13800138000',
      frontages: [{ cameraId: CAM_A.cameraId, zoneId: 'sidewalk' }] }, 'user:test');
    const { hit, evidence } = await sealHit(h, CAM_A);
    const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365 });
    const { caseId } = (await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string };
    const officer = await h.login('officer_a');
    const r = await fetch(`${h.url}/api/cases/${caseId}/confirm`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 200);

    const page = await loginPage(browser, h.url, 'auditor');
    await page.goto(`${h.url}/legal.html`);
    await page.locator('body[data-ready="1"]').waitFor();
    assert.match(await page.locator(`#queue tr[data-case="${caseId}"]`).innerText(), /示范街道 北口/);
    await page.click(`#queue tr[data-case="${caseId}"]`);
    await page.locator('#party-name', { hasText: '示范水果店' }).waitFor();
    assert.match(await page.locator('#sample-note').innerText(), /示例/);
    await page.locator('#stills img').first().waitFor();
    const place = page.locator('#place .place');
    await place.filter({ hasText: '人行道禁止设摊区' }).waitFor();
    assert.equal(await place.innerText(), '示范街道 北口 · 人行道禁止设摊区');
    assert.equal(await place.getAttribute('title'), 'cam-a / sidewalk');
    for (const c of await page.locator('#stills figcaption').allInnerTexts()) assert.match(c, /^原始图像 · (发现时|之前|之后) · SHA-256 [0-9a-f]{16}…$/);
    const row = page.locator('#discretion tr', { hasText: '一年内再次违法' });
    await row.locator('input[type=radio]').check();
    await page.fill('#fine', '300');
    await page.click('#approve');
    await page.locator('#msg', { hasText: 'outside the range' }).waitFor();
    await page.fill('#fine', '100');
    await page.fill('#note', '证据充分');
    await page.click('#approve');
    await page.locator('#msg', { hasText: '已审核通过' }).waitFor();
    // The approval's note is stored where a return's reason is: shown as a review note, with who.
    const decided = async () => {
      await page.locator('#review-note').waitFor();
      assert.equal(await page.locator('#review-note').innerText(), '审核说明: 证据充分');
      assert.match(await page.locator('#decided-by').innerText(), /^已通过 · 法制审核 陈 · \d{4}\//);
      assert.equal(await page.locator('#last-reason').count(), 0);
    };
    await decided();
    // The approval issued the signed notice: its link downloads the PDF the API registered.
    const link = page.locator('#doc-notice_of_violation');
    await link.waitFor();
    assert.match(await page.locator('#documents').innerText(), /违法行为告知书 城管告〔\d{4}〕00001号/);
    // Readable on the dark panel (WCAG AA, 4.5:1); the browser's default blue is about 1.6:1.
    const [fg, bg] = (await link.evaluate((a) => [getComputedStyle(a).color, getComputedStyle(a.closest('.panel')!).backgroundColor])).map(luminance);
    const ratio = (Math.max(fg!, bg!) + 0.05) / (Math.min(fg!, bg!) + 0.05);
    assert.ok(ratio >= 4.5, `link contrast ${ratio}`);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const pdf = readFileSync((await download.path())!);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const [reg] = await h.sql.query<{ file_sha256: string }>('SELECT file_sha256 FROM case_documents WHERE case_id = $1', [caseId]);
    assert.equal(createHash('sha256').update(pdf).digest('hex'), reg!.file_sha256);
    await shot(page, 'legal-review.png');
    await page.goto(`${h.url}/legal.html?tab=approved&case=${caseId}`);
    await page.locator('body[data-ready="1"]').waitFor();
    await decided();
    const [rev] = await h.sql.query<{ state: string; proposed_fine: string }>('SELECT state, proposed_fine FROM legal_reviews WHERE case_id = $1', [caseId]);
    assert.equal(rev!.state, 'approved');
    assert.equal(Number(rev!.proposed_fine), 100);
  });

  it('warns before approving a case with no party; the officer links one on the review page', async () => {
    const { hit, evidence } = await sealHit(h, CAM_B);
    const step = caseStep({ store: h.store, locate: () => ({ district: CAM_B.district, street: CAM_B.street }), repeatWindowDays: 365 });
    const { caseId } = (await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string };
    const officer = await h.login('officer_b');
    assert.equal((await fetch(`${h.url}/api/cases/${caseId}/confirm`, { method: 'POST', headers: { ...h.auth(officer), 'content-type': 'application/json' }, body: '{}' })).status, 200);
    const page = await loginPage(browser, h.url, 'auditor');
    await page.goto(`${h.url}/legal.html?case=${caseId}`);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.locator('#no-party-warning').waitFor();
    assert.match(await page.locator('#no-party-warning').innerText(), /未关联当事人.*未知（待确认）/);
    assert.match(await page.locator('#no-party-warning').innerText(), /案件审核页/);

    // What the warning asks for: the officer links the party on the review page, from the registry.
    await new PartyRegistry(h.store.db).create({ kind: 'shop', name: '乙区便利店', licenceNo: '91330100MA2B20002Y', district: CAM_B.district }, 'user:test');
    const review = await loginPage(browser, h.url, 'officer_b');
    await review.goto(`${h.url}/review.html?case=${caseId}`);
    await review.locator('#party-name', { hasText: '尚未关联' }).waitFor();
    await review.fill('#party-search', '乙区便利');
    await review.locator('[data-party-result]', { hasText: '乙区便利店' }).click();
    await review.locator('#party-name', { hasText: '乙区便利店' }).waitFor();
    assert.match(await review.locator('[data-fact="party"]').innerText(), /人工指定/);
    await review.close();
    const [audit] = await h.sql.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE target_type = 'case' AND target_id = $1 AND action = 'case.party_linked' AND actor LIKE 'user:%'`, [caseId]);
    assert.ok(Number(audit!.n) >= 1, 'the link is audited');

    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor();
    await page.locator('#party-name', { hasText: '乙区便利店' }).waitFor();
    assert.equal(await page.locator('#no-party-warning').count(), 0);
    await page.close();
  });

  it('shows times in Beijing time on a browser in another zone', async () => {
    const ctx = await browser.newContext({ timezoneId: 'UTC', locale: 'zh-CN' });
    try {
      const page = await ctx.newPage();
      await page.goto(`${h.url}/login.html`);
      // 05:03:46 UTC is 13:03:46 in Asia/Shanghai, as the evidence watermarks say (UTC+8).
      const shown = await page.evaluate(`import('/i18n.js').then((m) => m.fmtTime(Date.UTC(2026, 11, 1, 5, 3, 46)))`);
      assert.equal(shown, '2026/12/1 13:03:46');
    } finally {
      await ctx.close();
    }
  });
});
