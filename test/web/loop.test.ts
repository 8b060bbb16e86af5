// Browser test of the demo's whole loop (Chromium), with the demo's simulated city platform
// (src/app/city-sim.ts): a hit in a warn-first zone is warned, persists past its grace and is
// filed; the officer confirms on review.html, the legal reviewer approves with a penalty on
// legal.html and downloads the signed notice, which verifies with the library's verifier and
// with `huiyan verify` (one flipped byte fails both); the export reaches the platform, which
// reports 送达, 签收, 处罚决定, 缴纳, 结案 back, and the case shows 已结案.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import type { Browser } from 'playwright-core';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { deliverWebhook } from '../../src/dispatch/webhook.ts';
import type { NotifyJobT } from '../../src/dispatch/queues.ts';
import { verifyDocumentSignature } from '../../src/cases/documents/verify.ts';
import { startCitySim, type CitySim } from '../../src/app/city-sim.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { createLogger } from '../../src/util/log.ts';
import { PG_URL } from '../cases/stores.ts';
import { CAM_A, sealHit, startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage, shot } from './support.ts';

let h: Harness;
let sim: CitySim;
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-loop-'));

before(async () => {
  sim = await startCitySim({ huiyanUrl: () => h.url, endpoint: 'city-platform', secret: 'loop-test-secret-0123456789', log: createLogger({ stage: 'city-sim' }) });
  h = await startHarness(0, { app: { city: { endpoints: [sim.webhook], publicUrl: 'http://127.0.0.1:8080' } } });
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await h?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 180_000 });

/** `huiyan verify <file>` as a user runs it, on this harness's schema and demo certificate. */
function cliVerify(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', file], {
    cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, HUIYAN_DATABASE_URL: PG_URL, HUIYAN_PG_SCHEMA: h.schema, HUIYAN_DOCUMENT_KEYS: h.documentSettings.keysDir },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('the demo loop', { timeout: 600_000 }, () => {
  it('warn → persists → case → confirm → legal approval → signed notice → city steps → 结案', async () => {
    // 1. Warn first: the case step makes a warned case; the scene after the 5 s grace files it.
    const warnFirst = { graceSeconds: 5, channels: [{ kind: 'webhook' as const, endpoint: 'city-platform' }] };
    const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365, warnFirst: () => warnFirst });
    const { hit, evidence } = await sealHit(h, CAM_A);
    const { caseId } = (await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string };
    assert.equal((await h.cases.get(caseId))?.state, 'warned');
    const after = await sealHit(h, CAM_A);
    const later = hit.at + 6_000;
    const settled = (await step({ hit: { ...hit, event: 'updated', seq: 1, at: later, lastSeenAt: later, evidenceDue: true }, evidence: after.evidence }, { name: 'case' } as Job)) as { outcome: string };
    assert.equal(settled.outcome, 'filed');
    assert.equal((await h.store.warning(caseId))?.after?.evidence?.bundleId, after.evidence.bundleId, 'the scene after the grace is the case\'s after evidence');

    // 2. The officer confirms on the review page.
    const officer = await loginPage(browser, h.url, 'officer_a');
    await officer.goto(`${h.url}/review.html?case=${caseId}`);
    await officer.locator('#state [data-state="pending_review"]').waitFor();
    await officer.click('#confirm');
    await officer.locator('#state [data-state="confirmed"]').waitFor();

    // 3. The legal reviewer approves with a penalty and downloads the signed notice.
    const auditor = await loginPage(browser, h.url, 'auditor');
    await auditor.goto(`${h.url}/legal.html`);
    await auditor.locator('body[data-ready="1"]').waitFor();
    await auditor.click(`#queue tr[data-case="${caseId}"]`);
    await auditor.locator('#discretion tr', { hasText: '一年内再次违法' }).locator('input[type=radio]').check();
    await auditor.fill('#fine', '100');
    await auditor.click('#approve');
    await auditor.locator('#msg', { hasText: '已审核通过' }).waitFor();
    const link = auditor.locator('#doc-notice_of_violation');
    const [download] = await Promise.all([auditor.waitForEvent('download'), link.click()]);
    const pdf = readFileSync((await download.path())!);
    const file = path.join(dir, 'notice.pdf');
    writeFileSync(file, pdf);

    // 4. The notice verifies with the library and with `huiyan verify`; one flipped byte fails both.
    assert.equal((await verifyDocumentSignature(pdf)).ok, true);
    const ok = cliVerify(file);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^OK/);
    const bad = Buffer.from(pdf);
    bad[Math.floor(pdf.length / 3)]! ^= 0x01;
    const badFile = path.join(dir, 'notice-altered.pdf');
    writeFileSync(badFile, bad);
    const lib = await verifyDocumentSignature(bad);
    assert.equal(lib.ok, false);
    const cli = cliVerify(badFile);
    assert.equal(cli.code, 1, cli.out);
    assert.match(cli.out, /^FAIL/);

    // 5. The export reaches the platform (as the notify worker sends it), which reports each step.
    const [n] = await h.sql.query<{ id: number; kind: string; payload: Record<string, unknown>; created_at: Date }>(
      `SELECT id, kind, payload, created_at FROM notifications WHERE case_id = $1 AND kind = 'case.exported'`, [caseId]);
    assert.ok(n, 'the approval exported the case');
    assert.equal(await deliverWebhook(sim.webhook, { notificationId: n.id, caseId, kind: n.kind, payload: n.payload, createdAt: new Date(n.created_at).toISOString() } as NotifyJobT), 200);
    assert.deepEqual(sim.exported, [caseId]);
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${sim.url}/cases/${caseId}/next`, { method: 'POST' });
      assert.equal(r.status, 200);
      states.push(((await r.json()) as { state: string }).state);
    }
    assert.deepEqual(states, ['delivered', 'acknowledged', 'decided', 'paid', 'closed']);
    assert.equal((await fetch(`${sim.url}/cases/${caseId}/next`, { method: 'POST' })).status, 409);

    // 6. The officer's page shows the case closed, with the platform's steps.
    await officer.reload();
    await officer.locator('#city tr[data-step="closed"]').waitFor();
    assert.equal(await officer.locator('#state').innerText(), '已结案');
    assert.match(await officer.locator('#city').innerText(), /已缴纳罚款/);
    await officer.locator('#city').scrollIntoViewIfNeeded();
    await shot(officer, 'loop-closed.png');
  });
});
