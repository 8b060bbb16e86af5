// Browser test of the parties page (Debian's Chromium): a commander imports a CSV register
// (one bad row shown with its line and field), searches by plate, edits a party through the
// form; an officer sees the list without the editing parts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage, shot } from './support.ts';

let h: Harness;
let browser: Browser;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'huiyan-parties-'));

before(async () => {
  h = await startHarness(0);
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
}, { timeout: 180_000 });

describe('parties page', { timeout: 300_000 }, () => {
  it('imports a register, shows the bad row, finds a truck by plate and edits a party', async () => {
    const csv = path.join(tmp, '执法对象.csv');
    writeFileSync(csv, ['类型,名称,统一社会信用代码,许可证号,许可证有效期至,联系电话,门前区域,车牌',
      '沿街商户,示范早餐店,91330100MA2B10001X,,,13800138000,cam-a:sidewalk,',
      '渣土运输企业,示范渣土运输,91330100MA2B10002Y,杭建运 2025-01,2025-06-30,,,浙A·88888',
      '沿街商户,缺代码的店,,,,,,'].join('\n'));
    const page = await loginPage(browser, h.url, 'commander');
    await page.goto(`${h.url}/parties.html`);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.setInputFiles('#file', csv);
    await page.click('#import button[type=submit]');
    await page.locator('#import-msg', { hasText: '新建 2' }).waitFor();
    assert.equal(await page.locator('#import-errors tr[data-row="4"]').count(), 1);
    assert.match(await page.locator('#import-errors tr[data-row="4"]').innerText(), /统一社会信用代码/);

    await page.fill('#q', '浙A88888');
    await page.click('#search button[type=submit]');
    await page.locator('#count', { hasText: '共 1 个' }).waitFor();
    const row = page.locator('#list tr[data-party]');
    assert.match(await row.innerText(), /示范渣土运输[\s\S]*已过期/);
    await shot(page, 'parties.png');

    await row.click();
    await page.fill('#editor input[name=permitValidTo]', '2027-06-30');
    await page.click('#save');
    await page.locator('#edit-msg', { hasText: '已保存' }).waitFor();
    await page.locator('#list tr[data-party]', { hasText: '有效' }).waitFor();
    const [co] = (await h.sql.query<{ permit_valid_to: string; version: number }>("SELECT to_char(permit_valid_to, 'YYYY-MM-DD') AS permit_valid_to, version FROM parties WHERE name = '示范渣土运输'"));
    assert.equal(co!.permit_valid_to, '2027-06-30');
    assert.equal(co!.version, 2);
  });

  it('an officer reads the list; the editor and import are not there', async () => {
    const page = await loginPage(browser, h.url, 'officer_a');
    await page.goto(`${h.url}/parties.html`);
    await page.locator('body[data-ready="1"]').waitFor();
    assert.equal(await page.locator('#import').count(), 0);
    assert.equal(await page.locator('#new').count(), 0);
    assert.ok((await page.locator('#list tr[data-party]').count()) >= 1);
    assert.equal(await page.locator('nav a[href="parties.html"]').innerText(), '执法对象');
  });
});
