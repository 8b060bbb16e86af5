// Browser test: the admin draws a zone on a camera snapshot and saves it into the camera's
// YAML (comments kept); the camera wall shows each camera; an auditor can look but not judge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parseStreamsYaml } from '../../src/config/load.ts';
import type { ZoneT } from '../../src/config/schema.ts';
import { PartyRegistry } from '../../src/cases/parties/index.ts';
import { CAM_A, type Harness } from '../api/support/harness.ts';
import { loginPage, shot, openBrowserHarness, closeBrowserHarness } from './support.ts';

const PORT = 0; // the system picks a free port
let h: Harness;
let browser: Browser;

before(async () => void ({ h, browser } = await openBrowserHarness(PORT)), { timeout: 180_000 });
after(() => closeBrowserHarness(h, browser), { timeout: 180_000 });

/** Where the snapshot's overlay is on the screen now (in view first: the page may have scrolled to a field). */
async function overlayBox(page: Page) {
  await page.locator('#overlay').scrollIntoViewIfNeeded();
  return (await page.locator('#overlay').boundingBox())!;
}

describe('zone editor', { timeout: 300_000 }, () => {
  it('draws a polygon on the snapshot and saves it to the YAML', async () => {
    const page = await loginPage(browser, h.url, 'admin');
    await page.goto(`${h.url}/zones.html?camera=cam-a`);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.waitForFunction(() => (document.getElementById('snap') as HTMLImageElement).naturalWidth > 0);
    assert.equal(await page.locator('#zones [data-zone]').count(), 1);
    const pts: [number, number][] = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.3], [0.1, 0.3]];
    // The zone types of the rules, the new ones (违停, 人群聚集) included, are drawn the same way.
    const drawn = [['wall-ads', 'protected-surface', 0], ['van-spot', 'no-parking', 0.5], ['square', 'crowd', 0.3]] as const;
    for (const [i, [id, type, dy]] of drawn.entries()) {
      await page.click('#add');
      const box = await overlayBox(page);
      for (const [x, y] of pts) await page.mouse.click(box.x + x * box.width, box.y + (y + dy) * box.height);
      await page.keyboard.press('Enter');
      const card = page.locator('#zones [data-zone]').nth(i + 1);
      await card.waitFor();
      await card.locator('input').first().fill(id);
      await card.locator('input').first().dispatchEvent('change');
      await card.locator('select[name=type]').selectOption(type);
    }
    assert.deepEqual(await page.locator('#zones [data-zone] select[name=type]').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).selectedOptions[0]!.textContent)),
      ['禁止设摊区', '保护墙面', '禁停区', '防聚集区']);
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
    const spot = cam.zones.find((zz) => zz.id === 'van-spot')!;
    assert.equal(spot.type, 'no-parking');
    assert.ok(Math.abs(spot.polygon[2]![1] - 0.8) < 0.01, `van-spot: ${spot.polygon}`);
    assert.equal(cam.zones.find((zz) => zz.id === 'square')?.type, 'crowd');

    // A saved zone (now with its type's defaults) changes type: the old type's parameters go.
    await page.locator('#zones [data-zone="square"] select[name=type]').selectOption('no-parking');
    await page.evaluate(() => { document.getElementById('msg')!.textContent = ''; });
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('msg')!.textContent !== '');
    assert.equal(await page.locator('#msg').textContent(), '已保存');
    const square = parseStreamsYaml(readFileSync(path.join(h.configDir, 'cameras.yaml'), 'utf8'), 'x').cameras.find((c) => c.id === 'cam-a')!.zones.find((zz) => zz.id === 'square')!;
    assert.equal(square.type, 'no-parking');
    assert.ok(!('minPersons' in square), JSON.stringify(square));
  });

  /** Clicks Save and returns what the page says (saved, or the schema's refusals). */
  async function save(page: Page): Promise<string> {
    await page.evaluate(() => { document.getElementById('msg')!.textContent = ''; });
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('msg')!.textContent !== '');
    return (await page.locator('#msg').textContent()) ?? '';
  }
  const savedZone = (id: string): ZoneT | undefined =>
    parseStreamsYaml(readFileSync(path.join(h.configDir, 'cameras.yaml'), 'utf8'), 'x').cameras.find((c) => c.id === 'cam-a')!.zones.find((z) => z.id === id);

  /** Opens the editor on cam-a, draws a new zone's polygon and gives it an id and a type; returns its card. */
  async function newZone(page: Page, id: string, type: string, pts: [number, number][]) {
    await page.goto(`${h.url}/zones.html?camera=cam-a`);
    await page.locator('body[data-ready="1"]').waitFor();
    await page.waitForFunction(() => (document.getElementById('snap') as HTMLImageElement).naturalWidth > 0);
    const n = await page.locator('#zones [data-zone]').count();
    await page.click('#add');
    const box = await overlayBox(page);
    for (const [x, y] of pts) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await page.keyboard.press('Enter');
    const card = page.locator('#zones [data-zone]').nth(n);
    await card.waitFor();
    await card.locator('input').first().fill(id);
    await card.locator('input').first().dispatchEvent('change');
    await card.locator('select[name=type]').selectOption(type);
    return page.locator(`#zones [data-zone="${id}"]`);
  }
  const setField = async (card: ReturnType<Page['locator']>, name: string, value: string) => {
    await card.locator(`input[name=${name}]`).fill(value);
    await card.locator(`input[name=${name}]`).dispatchEvent('change');
  };

  it('shop frontage (店外经营): draws the frontage line, binds a shop from the registry, saves; refusals shown at their fields', async () => {
    const licence = '91310104MA1FL5XQ2K';
    await new PartyRegistry(h.store.db).create({ kind: 'shop', name: '街角便利店', licenceNo: licence, address: '宜山路 200 号' }, 'user:test');
    const page = await loginPage(browser, h.url, 'admin');
    const card = await newZone(page, 'shopfront', 'shop-frontage', [[0.05, 0.55], [0.95, 0.55], [0.95, 0.95], [0.05, 0.95]]);
    // Without its line, street side and shop the schema refuses the zone: each refusal at its field, nothing written.
    const refused = await save(page);
    assert.notEqual(refused, '已保存');
    await shot(page, 'zone-editor-refused.png');
    assert.equal(refused, '有字段需要修改（见各区域标红处）');
    for (const key of ['frontage', 'streetSide', 'partyLicenceNo']) await card.locator(`[data-error="${key}"]`).waitFor();
    // In the reader's words, not the schema's English.
    assert.equal(await card.locator('[data-error="frontage"]').textContent(), '必填');
    assert.equal(await card.locator('[data-error="streetSide"]').textContent(), '请选择一项');
    assert.equal(savedZone('shopfront'), undefined);

    await card.locator('button[name=frontage]').click();
    const box = await overlayBox(page);
    const line: [number, number][] = [[0.1, 0.7], [0.5, 0.68], [0.9, 0.65]];
    for (const [x, y] of line) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await page.keyboard.press('Enter');
    await card.locator('[data-line="frontage"]', { hasText: '3 个点' }).waitFor();
    await card.locator('select[name=streetSide]').selectOption('right');
    // The street side is marked on the line (one tick per segment).
    assert.equal(await page.locator('#overlay .street-tick').count(), 2);
    await card.locator('input[name=partyLicenceNo-search]').fill('便利');
    await card.locator(`[data-party-result="${licence}"]`).click();
    await card.locator(`[data-party="${licence}"]`, { hasText: '街角便利店' }).waitFor();
    await setField(card, 'dwellSeconds', '120');
    await setField(card, 'schedule', '1-5 07:00-22:00; 6,7 9:00-21:00');
    await shot(page, 'zone-editor-frontage.png');
    assert.equal(await save(page), '已保存');

    const z = savedZone('shopfront')!;
    assert.ok(z.type === 'shop-frontage', JSON.stringify(z));
    assert.equal(z.frontage.length, 3);
    line.forEach(([x, y], i) => assert.ok(Math.abs(z.frontage[i]![0] - x) < 0.01 && Math.abs(z.frontage[i]![1] - y) < 0.01, `line point ${i}: ${z.frontage[i]}`));
    assert.equal(z.streetSide, 'right');
    assert.equal(z.partyLicenceNo, licence);
    assert.equal(z.dwellSeconds, 120);
    assert.deepEqual(z.schedule, [{ days: [1, 2, 3, 4, 5], from: '07:00', to: '22:00' }, { days: [6, 7], from: '09:00', to: '21:00' }]);
    // Reloaded, the page shows the bound shop by its registry name.
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor();
    await page.locator(`#zones [data-zone="shopfront"] [data-party="${licence}"]`, { hasText: '街角便利店' }).waitFor();
    await page.context().close();
  });

  it('crowd zone (人群聚集): the person threshold is edited and saved; one the schema refuses is shown at its field', async () => {
    const page = await loginPage(browser, h.url, 'admin');
    const card = await newZone(page, 'plaza', 'crowd', [[0.5, 0.1], [0.9, 0.1], [0.9, 0.4], [0.5, 0.4]]);
    assert.equal(await save(page), '已保存');
    const first = savedZone('plaza')!;
    assert.ok(first.type === 'crowd' && first.minPersons === 10, JSON.stringify(first));
    // Saved zones come back with their defaults filled in.
    assert.equal(await card.locator('input[name=minPersons]').inputValue(), '10');
    await setField(card, 'minPersons', '4');
    await setField(card, 'durationSeconds', '45');
    assert.equal(await save(page), '已保存');
    const edited = savedZone('plaza')!;
    assert.ok(edited.type === 'crowd' && edited.minPersons === 4 && edited.durationSeconds === 45, JSON.stringify(edited));
    await setField(card, 'minPersons', '1');
    assert.equal(await save(page), '有字段需要修改（见各区域标红处）');
    assert.match((await card.locator('[data-error="minPersons"]').textContent()) ?? '', /^取值无效/);
    const kept = savedZone('plaza')!;
    assert.ok(kept.type === 'crowd' && kept.minPersons === 4, JSON.stringify(kept));
    await page.context().close();
  });
});

describe('camera wall', { timeout: 300_000 }, () => {
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

describe('clip', { timeout: 300_000 }, () => {
  it('plays the bundle\'s MP4 clip on the review page', async () => {
    const { caseId } = await h.raiseAlert(h, { ...CAM_A, clip: true });
    const page = await loginPage(browser, h.url, 'officer_a');
    await page.goto(`${h.url}/review.html?case=${caseId}`);
    await page.locator('#state [data-state="pending_review"]').waitFor();
    await page.waitForFunction(`(() => { const v = document.querySelector('video'); return !!v && v.readyState >= 1 && v.duration > 0 && v.videoWidth > 0; })()`);
    await page.context().close();
  });

  it('tells an officer the clip is withheld on a case with a located phone number; an auditor plays it', async () => {
    const phones = [{ number: '13812345678', e164: '+8613812345678', kind: 'mobile', lines: [1], source: '电话 138-1234-5678', confidence: 0.97, boxes: [[320, 300, 470, 330]] }];
    const { caseId } = await h.raiseAlert(h, { ...CAM_A, category: 'ads', clip: true, attributes: { phones } });
    const officer = await loginPage(browser, h.url, 'officer_a');
    await officer.goto(`${h.url}/review.html?case=${caseId}`);
    await officer.locator('#clip-withheld').waitFor();
    assert.match(await officer.locator('#clip-withheld').innerText(), /无权查看/);
    assert.equal(await officer.locator('video').count(), 0);
    await officer.context().close();
    const auditor = await loginPage(browser, h.url, 'auditor');
    await auditor.goto(`${h.url}/review.html?case=${caseId}`);
    await auditor.waitForFunction(`(() => { const v = document.querySelector('video'); return !!v && v.readyState >= 1 && v.duration > 0; })()`);
    assert.equal(await auditor.locator('#clip-withheld').count(), 0);
    await auditor.context().close();
  });
});

describe('auditor', { timeout: 300_000 }, () => {
  it('sees the case and its evidence but cannot confirm or reject', async () => {
    const { caseId } = await h.raiseAlert(h, CAM_A);
    const page = await loginPage(browser, h.url, 'auditor');
    await page.goto(`${h.url}/review.html?case=${caseId}`);
    await page.locator('#state [data-state="pending_review"]').waitFor();
    // The page offers no verdict buttons to a role without cases:review.
    assert.equal(await page.locator('#confirm').count(), 0);
    assert.equal(await page.locator('#reject').count(), 0);
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
    assert.match(trail, /立案/);
    assert.match(trail, /查看证据.*查看/);
    await shot(page, 'review-auditor.png');
  });
});
