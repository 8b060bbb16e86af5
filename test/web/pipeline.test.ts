// The whole chain in a real browser: composite footage (a vendor stall held in a vtest view)
// on a live file camera → ffmpeg → YOLOX-nano → analytics → outbox → BullMQ → evidence → case
// → SSE → the officer of that district confirms it in Chromium; an officer of another
// district never sees it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { compositeStall, vtestSidewalk } from '../../tools/eval/cases.ts';
import { renderCase } from '../../tools/eval/footage.ts';
import { startAppliance, type Appliance } from '../../src/app/appliance.ts';
import { PASSWORD } from '../api/support/harness.ts';
import { createSchema, freshSchemaName } from '../cases/stores.ts';
import { applianceTestEnv } from '../support/appliance-env.ts';
import { launch, loginPage, shot } from './support.ts';

const PORT = 18096;
let dir = '';
let dropSchema: () => Promise<void> = async () => {};
let app: Appliance | undefined;
let browser: Browser | undefined;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-web-pipeline-'));
  const schema = freshSchemaName('webpipe');
  dropSchema = await createSchema(schema);
  const stall = compositeStall({ from: 3, to: 70, dwellSeconds: 8 });
  const video = await renderCase(stall, path.join(dir, 'stall.mp4'), 2);
  const camera = (base: typeof stall.camera, id: string, district: string, src: string) => ({
    ...base,
    id,
    name: `${id} 测试`,
    location: { district, street: `${district}街道` },
    source: { kind: 'file', path: src, loop: false, realtime: true },
    sampling: { fps: 2, keyframesOnly: false },
  });
  await mkdir(path.join(dir, 'streams'));
  await writeFile(path.join(dir, 'streams', 'cams.yaml'), stringify({
    cameras: [
      camera(stall.camera, 'web-stall', '测试区', video),
      camera(vtestSidewalk().camera, 'web-vtest', '对照区', path.resolve('../shared/data/vtest.avi')),
    ],
  }));
  app = await startAppliance(
    applianceTestEnv(dir, schema, 'web'),
    undefined,
    { host: '127.0.0.1', port: PORT, cookieSecret: randomBytes(32).toString('hex'), demoPassword: PASSWORD },
  );
  browser = await launch();
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await app?.stop();
  await dropSchema();
  await rm(dir, { recursive: true, force: true });
}, { timeout: 120_000 });

describe('an alert from the real pipeline, reviewed in the browser', { timeout: 300_000 }, () => {
  let officer: Page;
  let other: Page;
  let caseId = '';

  it('reaches the officer of its district live, and only that officer', async () => {
    // demoUsers numbers officers by sorted district: officer1 对照区, officer2 测试区.
    other = await loginPage(browser!, app!.api!.url, 'officer1');
    officer = await loginPage(browser!, app!.api!.url, 'officer2');
    const item = officer.locator('#feed li[data-case]').first();
    await item.waitFor({ timeout: 150_000 });
    caseId = (await item.getAttribute('data-case'))!;
    assert.match((await item.textContent()) ?? '', /占道经营/);
    const c = await app!.store.getCase(caseId);
    assert.equal(c?.cameraId, 'web-stall');
    assert.ok(c?.evidence?.bundleId, 'the case rests on a sealed bundle');
    await other.goto(`${app!.api!.url}/index.html`);
    await other.locator('body[data-ready="1"]').waitFor();
    assert.equal(await other.locator(`[data-case="${caseId}"]`).count(), 0);
  });

  it('is confirmed on the review page and the case state changes', async () => {
    await officer.locator(`#feed li[data-case="${caseId}"]`).click();
    await officer.waitForURL(/review\.html\?case=/);
    await officer.locator('#state [data-state="pending_review"]').waitFor();
    // Before, at and after: original and annotated, all decoded (watermarked by the server).
    await officer.waitForFunction(() => [...document.querySelectorAll('.frames img')].length >= 4 &&
      [...document.querySelectorAll<HTMLImageElement>('.frames img')].every((i) => i.complete && i.naturalWidth > 0));
    assert.ok(!(await officer.locator('#detail').innerText()).includes('null'), 'no stray null on the page');
    await shot(officer, 'pipeline-review.png');
    await officer.keyboard.press('c');
    await officer.locator('#state [data-state="confirmed"]').waitFor();
    assert.equal((await app!.store.getCase(caseId))?.state, 'confirmed');
  });
});
