// Browser test in real Chromium: an officer sees a live alert, confirms it and watches the
// state change, rejects another with a reason; an officer of another district sees none of
// it; Chinese labels render as glyphs. Alerts come through the case queue (sealed bundle →
// BullMQ `case` queue → case worker → CaseQueueAlertFeed → SSE); the source is a swappable
// function (harness.raiseAlert), so the full analytics pipeline can be plugged in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { CAM_A, CAM_B, startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage, shot } from './support.ts';
import { startQueuePath, type QueuePath } from '../api/support/queue-source.ts';

const PORT = 0; // the system picks a free port
let h: Harness;
let browser: Browser;
let officerA: Page;
let officerB: Page;
const ids: string[] = [];
let adsCase = '';

let queue: QueuePath;

before(async () => {
  h = await startHarness(PORT);
  queue = await startQueuePath(h);
  h.raiseAlert = queue.source;
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await queue?.close();
  await h?.close();
}, { timeout: 180_000 });

/** Waits until `n` SSE streams are open, so an alert raised next reaches them. */
async function streams(n: number) {
  const deadline = Date.now() + 30_000;
  while (h.bus.stats().subscribers < n) {
    if (Date.now() > deadline) throw new Error(`only ${h.bus.stats().subscribers} alert streams open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('officer review in the browser', { timeout: 300_000 }, () => {
  it('logs in and renders the command centre in Chinese', async () => {
    officerA = await loginPage(browser, h.url, 'officer_a');
    officerB = await loginPage(browser, h.url, 'officer_b');
    assert.equal(await officerA.locator('nav a.on').textContent(), '指挥中心');
    assert.equal(await officerA.locator('html').getAttribute('lang'), 'zh-CN');
    // Glyphs, not boxes: two different characters must rasterise differently.
    // (A string, so the test runner's transpiler adds no helpers the page lacks.)
    const distinct = await officerA.evaluate(`(() => {
      const draw = (ch) => {
        const c = document.createElement('canvas');
        c.width = 40; c.height = 40;
        const g = c.getContext('2d');
        g.font = '32px ' + getComputedStyle(document.body).fontFamily;
        g.fillText(ch, 2, 34);
        return c.toDataURL();
      };
      return draw('慧') !== draw('眼') && draw('审') !== draw('核');
    })()`);
    assert.ok(distinct, 'Chinese characters render as distinct glyphs');
  });

  it('shows a live alert over SSE to the officer of its district only', async () => {
    await streams(2);
    const { caseId } = await h.raiseAlert(h, CAM_A);
    ids.push(caseId);
    const item = officerA.locator(`#feed li[data-case="${caseId}"]`);
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /占道经营.*待审核/);
    await officerA.waitForFunction(() => document.querySelector('#c-type svg rect') !== null);
    await shot(officerA, 'command-centre-officer.png');
    // officer_b's stream is open (2 subscribers) and received nothing for district A.
    assert.equal(await officerB.locator(`#feed li[data-case="${caseId}"]`).count(), 0);
  });

  it('confirms with the keyboard and watches the state change', async () => {
    await officerA.locator(`#feed li[data-case="${ids[0]}"]`).click();
    await officerA.waitForURL(/review\.html\?case=/);
    await officerA.locator('#state [data-state="pending_review"]').waitFor();
    await officerA.waitForFunction(() => [...document.querySelectorAll('.frames img')].length >= 6 &&
      [...document.querySelectorAll<HTMLImageElement>('.frames img')].every((i) => i.complete && i.naturalWidth > 0));
    await shot(officerA, 'review.png');
    await officerA.keyboard.press('c');
    await officerA.locator('#state [data-state="confirmed"]').waitFor();
    assert.equal(await officerA.locator('#state .badge').textContent(), '已确认');
    assert.equal((await h.cases.get(ids[0]))?.state, 'confirmed');
    assert.match((await officerA.locator('#history').textContent()) ?? '', /队员 李/);
  });

  it('rejects another with a reason code and the rejection is recorded', async () => {
    const { caseId } = await h.raiseAlert(h, CAM_A);
    ids.push(caseId);
    await officerA.locator(`#list li[data-case="${caseId}"]`).click();
    await officerA.locator('#state [data-state="pending_review"]').waitFor();
    await officerA.keyboard.press('r');
    await officerA.locator('#reasons').waitFor();
    await officerA.keyboard.press('2');
    await officerA.locator('#state [data-state="rejected"]').waitFor();
    assert.match((await officerA.locator('#verdict').textContent()) ?? '', /重复上报/);
    assert.match((await officerA.locator('#history').textContent()) ?? '', /已驳回.*重复上报/);
    const c = await h.cases.get(caseId);
    assert.equal(c?.state, 'rejected');
    assert.equal(c?.reason, 'duplicate');
    await shot(officerA, 'review-rejected.png');
  });

  it('an officer of another district sees none of them', async () => {
    await officerB.goto(`${h.url}/index.html`);
    await officerB.locator('body[data-ready="1"]').waitFor();
    for (const id of ids) assert.equal(await officerB.locator(`[data-case="${id}"]`).count(), 0);
    assert.equal(await officerB.locator('#health [data-camera="cam-a"]').count(), 0);
    assert.equal(await officerB.locator('#health [data-camera="cam-b"]').count(), 1);
    await officerB.goto(`${h.url}/review.html?case=${ids[0]}`);
    await officerB.locator('body[data-ready="1"]').waitFor();
    assert.equal(await officerB.locator(`[data-case="${ids[0]}"]`).count(), 0);
    assert.equal(await officerB.locator('#detail .badge').count(), 0);
    assert.equal(await officerB.locator('#detail').textContent(), '案件不存在或不在您的辖区');
    await shot(officerB, 'other-district.png');
  });

  it('the commander sees every district, live, with charts and precision', async () => {
    const commander = await loginPage(browser, h.url, 'commander');
    await commander.locator('body[data-ready="1"]').waitFor();
    await streams(3);
    const seeds = [CAM_B, { ...CAM_B, category: 'overflow' as const }, { ...CAM_A, category: 'ads' as const }, CAM_B];
    const raised = [];
    for (const s of seeds) raised.push((await h.raiseAlert(h, s)).caseId);
    await h.cases.transition(raised[0], 'confirmed', 'test', undefined);
    await h.cases.transition(raised[1], 'rejected', 'test', 'wrong_type');
    for (const id of [...ids, ...raised.slice(2)]) await commander.locator(`#feed li[data-case="${id}"]`).waitFor();
    await commander.waitForFunction(() => document.querySelectorAll('#c-district svg rect').length >= 2);
    assert.equal(await commander.locator('#health [data-camera]').count(), 2);
    await shot(commander, 'command-centre.png');
    adsCase = raised[2];
  });

  it('an officer scoped to one category sees only that category, even in the same district', async () => {
    const ads = await loginPage(browser, h.url, 'officer_a_ads');
    await ads.locator('body[data-ready="1"]').waitFor();
    await ads.locator(`#feed li[data-case="${adsCase}"]`).waitFor();
    assert.match((await ads.locator(`#feed li[data-case="${adsCase}"]`).textContent()) ?? '', /违规广告/);
    for (const id of ids) assert.equal(await ads.locator(`[data-case="${id}"]`).count(), 0);
    await ads.goto(`${h.url}/review.html?case=${ids[0]}`);
    await ads.locator('body[data-ready="1"]').waitFor();
    assert.equal(await ads.locator('#detail .badge').count(), 0);
    await ads.context().close();
  });

  it('the zone editor is read-only for an officer, and the API refuses a save anyway', async () => {
    await officerA.goto(`${h.url}/zones.html?camera=cam-a`);
    await officerA.locator('body[data-ready="1"]').waitFor();
    assert.equal(await officerA.locator('#save').count(), 0);
    const status = await officerA.evaluate(`fetch('/api/cameras/cam-a/zones', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ zones: [] }) }).then((r) => r.status)`);
    assert.equal(status, 403);
  });

  it('switches to English', async () => {
    await officerB.goto(`${h.url}/index.html`);
    await officerB.click('#lang');
    await officerB.locator('nav a.on').filter({ hasText: 'Command centre' }).waitFor();
    await officerB.click('#lang');
    await officerB.locator('nav a.on').filter({ hasText: '指挥中心' }).waitFor();
  });
});
