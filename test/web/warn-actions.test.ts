// Warn first (限时整改) beyond the camera's own word, on the real API (PostgreSQL, sealed vtest
// frames, real fonts and signing) and Chromium:
// - the order to correct (责令改正通知书) is issued by the warn queue's handler with the warning,
//   its time limit the grace end; it is listed and downloaded on the review page, verifies with
//   the library and `huiyan verify`, and one flipped byte fails both;
// - an officer acts on a warned case from the review page's 限时整改中 tab: files it now, or
//   closes it early as self-corrected, with a note — role-checked on the server (the auditor
//   gets 403; a case no longer warned 409), audited with the officer as actor;
// - a case the backstop filed because the camera went silent says so: on the case
//   (`noAfterFrame: camera_silent`), on the review page, and in the notice's facts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { StoreEvidence } from '../../src/evidence/reader.ts';
import { FsEvidenceStore } from '../../src/evidence/index.ts';
import type { Browser, Page } from 'playwright-core';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { warnStep } from '../../src/dispatch/warn.ts';
import { documentIssuer } from '../../src/cases/documents/index.ts';
import { verifyDocumentSignature } from '../../src/cases/documents/verify.ts';
import { bureauTime, gracePrecision } from '../../src/cases/documents/templates.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { PG_URL } from '../cases/stores.ts';
import { CAM_A, sealHit, type Harness } from '../api/support/harness.ts';
import { closeBrowserHarness, loginPage, openBrowserHarness, shot } from './support.ts';

let h: Harness;
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-warn-actions-'));

before(async () => {
  ({ h, browser } = await openBrowserHarness(0));
}, { timeout: 180_000 });
after(async () => {
  await closeBrowserHarness(h, browser);
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 180_000 });

const GRACE = 600;
const warnFirst = { graceSeconds: GRACE, channels: [{ kind: 'loudspeaker' as const, url: 'http://127.0.0.1:9/tts', repeat: 2, timeoutMs: 1000 }] };

/** A warned case with sealed "before" evidence, as the case worker makes it, with its order to correct issued by the warn queue's real handler. */
async function warnedCase(): Promise<string> {
  const orders: Promise<string>[] = [];
  // First against an evidence store the bundle has not reached yet (still uploading from the
  // evidence worker's spool): a retryable failure, no number taken, no document.
  const empty = new FsEvidenceStore(mkdtempSync(path.join(dir, 'empty-store-')));
  await empty.init();
  const early = warnStep({ store: h.store, webhooks: new Map(), orders: async () => documentIssuer(h.documentSettings, await StoreEvidence.fromKeyDir(empty, path.join(h.configDir, 'keys'))) });
  const warn = warnStep({ store: h.store, webhooks: new Map(), orders: async () => documentIssuer(h.documentSettings, h.evidence) });
  const step = caseStep({
    store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365, warnFirst: () => warnFirst,
    // The worker queues the order job (src/dispatch/warn.ts scheduleWarning); here it runs at once.
    scheduleWarning: async (caseId) => {
      const [counters] = await h.sql.query<{ n: number }>('SELECT coalesce(sum(last), 0)::int AS n FROM document_counters');
      await assert.rejects(early({ task: 'order', caseId }, {} as Job), (err: Error) => err.name === 'StillsUnavailableError' && !(err instanceof UnrecoverableError));
      assert.deepEqual(await h.sql.query<{ n: number }>('SELECT coalesce(sum(last), 0)::int AS n FROM document_counters'), [counters], 'the failed try took no number');
      orders.push(warn({ task: 'order', caseId }, {} as Job).then((r) => (r as { docNo: string }).docNo));
    },
  });
  const { hit, evidence } = await sealHit(h, CAM_A);
  const { caseId } = (await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string };
  assert.equal((await h.cases.get(caseId))?.state, 'warned');
  assert.equal(orders.length, 1);
  assert.match(await orders[0]!, /^城管改〔\d{4}〕\d{5}号$/);
  return caseId;
}

function cliVerify(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', file], {
    cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, HUIYAN_DATABASE_URL: PG_URL, HUIYAN_PG_SCHEMA: h.schema, HUIYAN_DOCUMENT_KEYS: h.documentSettings.keysDir },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const pdfText = (pdf: Buffer, name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  return { file, text: execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '') };
};

async function post(user: string, url: string, body: unknown) {
  const cookie = await h.login(user);
  const r = await fetch(`${h.url}${url}`, { method: 'POST', headers: { ...h.auth(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}

async function openCase(page: Page, caseId: string, state: string) {
  await page.goto(`${h.url}/review.html?case=${caseId}&tab=warned`);
  await page.locator(`#state [data-state="${state}"]`).waitFor();
}

describe('warn first: the order to correct, officers on warned cases, the silent camera', { timeout: 600_000 }, () => {
  it('issues the signed order to correct with the warning; the review page lists and downloads it; it verifies, and an altered byte fails', async () => {
    const caseId = await warnedCase();
    const w = (await h.store.warning(caseId))!;
    const [row] = await h.sql.query<{ doc_no: string; issued_by: string }>(`SELECT doc_no, issued_by FROM case_documents WHERE case_id = $1 AND kind = 'order_to_correct'`, [caseId]);
    assert.ok(row, 'one order to correct');
    assert.equal(row.issued_by, 'system:warn');
    const audit = await h.store.auditEntries({ targetType: 'case', targetId: caseId, limit: 50 });
    assert.deepEqual(audit.filter((e) => e.action === 'document.issued').map((e) => e.details.docNo), [row.doc_no]);
    // Once: a redelivered order job issues nothing more.
    const again = await warnStep({ store: h.store, webhooks: new Map(), orders: async () => documentIssuer(h.documentSettings, h.evidence) })({ task: 'order', caseId }, {} as Job);
    assert.deepEqual(again, { docNo: null });
    assert.equal((await h.sql.query(`SELECT 1 FROM case_documents WHERE case_id = $1`, [caseId])).length, 1);

    const officer = await loginPage(browser, h.url, 'officer_a');
    await openCase(officer, caseId, 'warned');
    const link = officer.locator('#documents a[data-doc="order_to_correct"]');
    await link.waitFor();
    assert.match(await officer.locator('#documents').innerText(), new RegExp(`责令改正通知书[\\s\\S]*${row.doc_no.replace(/[〔〕]/g, '.')}`));
    const [download] = await Promise.all([officer.waitForEvent('download'), link.click()]);
    const pdf = readFileSync((await download.path())!);
    const { file, text } = pdfText(pdf, 'order.pdf');
    for (const s of ['责令改正通知书', row.doc_no, '经智能监控发现', `${bureauTime(w.graceUntil.toISOString(), gracePrecision(w.graceSeconds))}前改正`, '逾期不改正', '【示例】《城市市容和环境卫生管理条例》第十四条']) {
      assert.ok(text.includes(s.replace(/\s+/g, '')), `the order says ${s}`);
    }
    assert.ok(!text.includes('执法队员确认'), 'no officer has confirmed anything yet');
    assert.equal((await verifyDocumentSignature(pdf)).ok, true);
    const ok = cliVerify(file);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^OK document/);
    const bad = Buffer.from(pdf);
    bad[Math.floor(pdf.length / 2)]! ^= 0x01;
    const badFile = path.join(dir, 'order-altered.pdf');
    writeFileSync(badFile, bad);
    assert.equal((await verifyDocumentSignature(bad)).ok, false);
    const cli = cliVerify(badFile);
    assert.equal(cli.code, 1, cli.out);
    assert.match(cli.out, /^FAIL/);
    await shot(officer, 'warn-order.png');
  });

  it('lets an officer file a warned case now or close it as self-corrected, from the page, with a note; others are refused', async () => {
    const toFile = await warnedCase();
    const toClose = await warnedCase();
    // Server-side: the legal reviewer has no verdict role; a note is required; out of scope is 404.
    assert.equal((await post('auditor', `/api/cases/${toFile}/warning/file`, { note: '现场仍在经营' })).status, 403);
    assert.equal((await post('officer_a', `/api/cases/${toFile}/warning/file`, {})).status, 400);
    assert.equal((await post('officer_b', `/api/cases/${toFile}/warning/file`, { note: '现场仍在经营' })).status, 404);
    assert.equal((await h.cases.get(toFile))?.state, 'warned', 'refusals change nothing');

    const officer = await loginPage(browser, h.url, 'officer_a');
    await openCase(officer, toFile, 'warned');
    await officer.locator('#list li[data-case]').first().waitFor();
    assert.match(await officer.locator('#tabs').innerText(), /限时整改中/);
    await officer.click('#warn-file');
    assert.equal(await officer.locator('#warn-msg').innerText(), '请填写处理说明', 'no note, no request');
    assert.equal((await h.cases.get(toFile))?.state, 'warned');
    await officer.fill('#warn-note', '调取实时画面，摊位仍在原处经营');
    await officer.click('#warn-file');
    await officer.locator('#state [data-state="pending_review"]').waitFor();
    assert.match(await officer.locator('#facts').innerText(), /队员提前处理：调取实时画面，摊位仍在原处经营/);
    assert.equal(await officer.locator('#no-after-frame').getAttribute('data-why'), 'officer_decision');
    // Now an ordinary case for review: the same page confirms it.
    assert.equal(await officer.locator('#confirm').isDisabled(), false);

    await openCase(officer, toClose, 'warned');
    await officer.fill('#warn-note', '现场核实，摊位已撤离');
    await officer.click('#warn-self-corrected');
    await officer.locator('#state [data-state="self_corrected"]').waitFor();
    await shot(officer, 'warn-officer-closed.png');

    for (const [id, to, note] of [[toFile, 'pending_review', '调取实时画面，摊位仍在原处经营'], [toClose, 'self_corrected', '现场核实，摊位已撤离']] as const) {
      const c = (await h.cases.get(id))!;
      assert.equal(c.state, to);
      assert.equal(c.warning?.decidedBy, 'officer');
      assert.equal(c.warning?.note, note);
      assert.equal(c.warning?.outcome, to === 'self_corrected' ? 'self_corrected' : 'filed');
      const t = (await h.store.auditEntries({ targetType: 'case', targetId: id, limit: 50 })).filter((e) => e.action === 'case.transition').at(-1)!;
      assert.deepEqual([t.details.from, t.details.to, t.details.decidedBy, t.details.note], ['warned', to, 'officer', note]);
      assert.match(t.actor, /^user:\S+ 队员 李/);
    }
    // Settled: a second decision is a conflict, and the backstop leaves it alone.
    assert.equal((await post('officer_a', `/api/cases/${toClose}/warning/file`, { note: '再次处理' })).status, 409);
    assert.equal(await h.store.writer.fileOverdueWarning(toClose, new Date(Date.now() + (GRACE + 1) * 1000)), null);
    assert.equal((await h.cases.get(toClose))?.state, 'self_corrected');
    assert.equal((await h.store.verifyAuditChain()).ok, true);
  });

  it('says "no after frame: camera silent" on a case the backstop filed — case, review page and the notice', async () => {
    const caseId = await warnedCase();
    assert.equal(await h.store.writer.fileOverdueWarning(caseId, new Date(Date.now() + 1000)), null, 'not before the grace end');
    assert.equal(await h.store.writer.fileOverdueWarning(caseId, new Date(Date.now() + (GRACE + 121) * 1000)), 'filed');
    const c = (await h.cases.get(caseId))!;
    assert.equal(c.state, 'pending_review');
    assert.deepEqual([c.warning?.decidedBy, c.warning?.after, c.warning?.noAfterFrame], ['backstop', null, 'camera_silent']);

    const officer = await loginPage(browser, h.url, 'officer_a');
    await officer.goto(`${h.url}/review.html?case=${caseId}`);
    await officer.locator('#no-after-frame[data-why="camera_silent"]').waitFor();
    assert.match(await officer.locator('#no-after-frame').innerText(), /无整改复查画面：摄像机静默/);
    assert.equal(await officer.locator('#after-frames').count(), 0, 'no after-frame slots to wait on');
    await shot(officer, 'warn-camera-silent.png');
    await officer.click('#confirm');
    await officer.locator('#state [data-state="confirmed"]').waitFor();

    // The legal reviewer approves; the notice's facts say the same.
    const cookie = await h.login('auditor');
    const std = (await (await fetch(`${h.url}/api/cases/${caseId}/legal`, { headers: h.auth(cookie) })).json()) as { discretion: { id: number; fineMin: number }[] };
    const approve = await fetch(`${h.url}/api/cases/${caseId}/legal/approve`, {
      method: 'POST', headers: { ...h.auth(cookie), 'content-type': 'application/json' }, body: JSON.stringify({ standardId: std.discretion[0]!.id, proposedFine: std.discretion[0]!.fineMin }),
    });
    assert.equal(approve.status, 200, await approve.text());
    const [doc] = await h.sql.query<{ pdf: Buffer; facts: Record<string, any> }>(`SELECT pdf, facts FROM case_documents WHERE case_id = $1 AND kind = 'notice_of_violation'`, [caseId]);
    assert.equal(doc!.facts.warning.noAfterFrame, 'camera_silent');
    assert.equal(doc!.facts.warning.decidedBy, 'backstop');
    const { text } = pdfText(Buffer.from(doc!.pdf), 'notice-silent.pdf');
    assert.ok(text.includes('摄像机静默'), 'the notice names the silent camera');
    assert.ok(text.includes('本案无整改复查画面'), 'and the missing after frame');
    assert.ok(!text.includes('违法行为仍然存在'), 'never claims it was seen again');
  });

  it('files a case with the last frame the detector held when it reports the camera silent, titled as such', async () => {
    const caseId = await warnedCase();
    const c0 = (await h.store.getCase(caseId))!;
    const [opened] = await h.store.hitEvents(c0.hitId);
    const hit = opened!.payload as unknown as HitEventT;
    const last = await sealHit(h, CAM_A);
    // The detector's report (test/pipeline/warn-silent.test.ts): updated, evidenceDue, cameraSilent, last seen before the limit.
    const report = { ...hit, event: 'updated' as const, seq: 1, at: hit.at + (GRACE + 30) * 1000, lastSeenAt: hit.at + 4000, evidenceDue: true, cameraSilent: true } as HitEventT;
    const early = await h.store.writer.recordWarnEvent({ ...report, seq: 2 }, last.evidence, new Date(hit.at + 5000));
    assert.equal(early.outcome, null, 'not before the grace end');
    const r = await h.store.writer.recordWarnEvent(report, last.evidence, new Date(hit.at + (GRACE + 30) * 1000));
    assert.equal(r.outcome, 'filed');
    const c = (await h.cases.get(caseId))!;
    assert.deepEqual([c.state, c.warning?.decidedBy, c.warning?.noAfterFrame, c.warning?.after?.bundleId], ['pending_review', 'camera_silent', 'camera_silent', last.evidence.bundleId]);

    const officer = await loginPage(browser, h.url, 'officer_a');
    await officer.goto(`${h.url}/review.html?case=${caseId}`);
    await officer.locator('#no-after-frame[data-why="camera_silent"]').waitFor();
    assert.equal(await officer.locator('#after-title').innerText(), '摄像机静默前最后画面（整改期满前）');
    await officer.locator('#after-frames img').first().waitFor();
  });
});
