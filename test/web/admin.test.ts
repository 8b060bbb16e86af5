// Browser test: the admin draws a zone on a camera snapshot and saves it into the camera's
// YAML (comments kept); the camera wall shows each camera; an auditor can look but not judge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { parseStreamsYaml } from '../../src/config/load.ts';
import { CAM_A, startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage, shot } from './support.ts';

const PORT = 18086;
let h: Harness;
let browser: Browser;

before(async () => {
  h = await startHarness(PORT);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await h?.close();
});

describe('zone editor', () => {
  it('draws a polygon on the snapshot and saves it to the YAML', async () => {
    const page = await loginPage(browser, h.url, 'admin');
    await page.goto(`${h.url}/zones.html?camera=cam-a`);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.waitForFunction(() => (document.getElementById('snap') as HTMLImageElement).naturalWidth > 0);
    assert.equal(await page.locator('#zones [data-zone]').count(), 1);
    const box = (await page.locator('#overlay').boundingBox())!;
    await page.click('#add');
    const pts: [number, number][] = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.3], [0.1, 0.3]];
    for (const [x, y] of pts) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await page.keyboard.press('Enter');
    await page.locator('#zones [data-zone]').nth(1).waitFor();
    const card = page.locator('#zones [data-zone]').nth(1);
    await card.locator('input').first().fill('wall-ads');
    await card.locator('input').first().dispatchEvent('change');
    await card.locator('select').selectOption('protected-surface');
    await shot(page, 'zone-editor.png');
    await page.click('#save');
    await page.locator('#msg', { hasText: '已保存' }).waitFor();

    const text = readFileSync(path.join(h.configDir, 'cameras.yaml'), 'utf8');
    assert.match(text, /# 示范区 camera on the sample footage/);
    const cam = parseStreamsYaml(text, 'x').cameras.find((c) => c.id === 'cam-a')!;
    const z = cam.zones.find((zz) => zz.id === 'wall-ads')!;
    assert.equal(z.type, 'protected-surface');
    pts.forEach(([x, y], i) => {
      assert.ok(Math.abs(z.polygon[i][0] - x) < 0.01 && Math.abs(z.polygon[i][1] - y) < 0.01, `point ${i}: ${z.polygon[i]}`);
    });
    assert.equal(cam.zones.find((zz) => zz.id === 'sidewalk')?.type, 'no-vending');
  });
});

describe('camera wall', () => {
  it('shows a tile per camera in scope with a picture', async () => {
    const page = await loginPage(browser, h.url, 'officer_a');
    await page.goto(`${h.url}/cameras.html`);
    await page.locator('body[data-ready="1"]').waitFor();
    assert.deepEqual(await page.locator('[data-camera]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.camera)), ['cam-a']);
    // File cameras have no RTSP stream: the tile falls back to refreshed snapshots.
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-camera="cam-a"] img[data-mode="snapshot"]') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await shot(page, 'camera-wall.png');
  });
});

describe('clip', () => {
  it('plays the bundle\'s MP4 clip on the review page', async () => {
    const { caseId } = await h.raiseAlert(h, { ...CAM_A, clip: true });
    const page = await loginPage(browser, h.url, 'officer_a');
    await page.goto(`${h.url}/review.html?case=${caseId}`);
    await page.locator('#state [data-state="pending_review"]').waitFor();
    await page.waitForFunction(`(() => { const v = document.querySelector('video'); return !!v && v.readyState >= 1 && v.duration > 0 && v.videoWidth > 0; })()`);
    await page.context().close();
  });
});

describe('auditor', () => {
  it('sees the case and its evidence but cannot confirm or reject', async () => {
    const { caseId } = await h.raiseAlert(h, CAM_A);
    const page = await loginPage(browser, h.url, 'auditor');
    await page.goto(`${h.url}/review.html?case=${caseId}`);
    await page.locator('#state [data-state="pending_review"]').waitFor();
    assert.equal(await page.locator('#confirm').isDisabled(), true);
    assert.equal(await page.locator('#reject').isDisabled(), true);
    await page.keyboard.press('c');
    // The key does nothing for an auditor; the case stays pending.
    await page.waitForTimeout(300);
    assert.equal((await h.cases.get(caseId))?.state, 'pending_review');
    // The auditor sees the bundle verified and the audit trail, including their own views.
    // Once the frames have loaded (each view audited), a reload shows those views in the trail.
    await page.waitForFunction(`[...document.querySelectorAll('.frames img')].length >= 6 && [...document.querySelectorAll('.frames img')].every((i) => i.complete && i.naturalWidth > 0)`);
    await page.reload();
    await page.locator('#verify[data-ok="true"]').waitFor();
    assert.match((await page.locator('#verify').textContent()) ?? '', /证据完整/);
    await page.locator('#audit tr').first().waitFor();
    const trail = (await page.locator('#audit').textContent()) ?? '';
    assert.match(trail, /case\.created/);
    assert.match(trail, /evidence\.access.*evidence\.view/);
    await shot(page, 'review-auditor.png');
  });
});
