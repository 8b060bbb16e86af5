// The notice of violation (违法行为告知书) through the real API on PostgreSQL: a legal approval
// issues a signed PDF (Noto CJK face, sealed stills, the bureau's demo certificate); poppler
// reads its Chinese text back; it verifies with the node-forge verifier and with
// `huiyan verify` (spawned); one changed byte fails both; the public page answers authentic
// for the QR code's hash and not-found for a wrong one, with nothing personal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from 'bullmq';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { verifyDocumentSignature, loadBureauCertificate, nextDocumentNo } from '../../src/cases/documents/index.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { PG_URL } from '../cases/stores.ts';
import { documentIssuer } from '../../src/cases/documents/index.ts';
import { CAM_A, DISTRICT_A, sealHit, startHarness, USERS, type Harness } from './support/harness.ts';

let h: Harness;
const cookies: Record<string, string> = {};

async function call(user: string | null, method: string, p: string, body?: unknown) {
  const headers: Record<string, string> = user ? { ...h.auth(cookies[user]!) } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const buf = Buffer.from(await r.arrayBuffer());
  const json = (r.headers.get('content-type') ?? '').includes('json') ? JSON.parse(buf.toString()) : null;
  return { status: r.status, json: json as Record<string, any>, buf, headers: r.headers };
}

async function fileCase() {
  const { hit, evidence } = await sealHit(h, CAM_A);
  const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365 });
  return ((await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string }).caseId;
}

/** `huiyan verify <file>` as a user runs it, on this harness's schema and demo certificate. */
function cliVerify(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', file], {
    cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, HUIYAN_DATABASE_URL: PG_URL, HUIYAN_PG_SCHEMA: h.schema, HUIYAN_DOCUMENT_KEYS: h.documentSettings.keysDir },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at]! ^= 0x01;
  return c;
};

before(async () => {
  h = await startHarness(0);
  for (const u of USERS) cookies[u.username] = await h.login(u.username);
}, { timeout: 120_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('notice of violation', () => {
  it('approval issues a signed, registered PDF with the CJK text; it verifies, a changed byte does not; the public page shows nothing personal', async () => {
    const shop = await call('commander', 'POST', '/api/parties', { kind: 'shop', name: '示范水果店', licenceNo: '91330100MA2B00001X', district: DISTRICT_A,
      contactPhone: '13800138000', address: '示范路 8 号', frontages: [{ cameraId: CAM_A.cameraId, zoneId: 'sidewalk' }] });
    assert.equal(shop.status, 201, JSON.stringify(shop.json));
    const id = await fileCase();
    assert.equal((await call('officer_a', 'POST', `/api/cases/${id}/confirm`, {})).status, 200);
    assert.deepEqual((await call('auditor', 'GET', `/api/cases/${id}/documents`)).json.items, [], 'nothing before approval');
    const row = (await call('auditor', 'GET', `/api/cases/${id}/legal`)).json.discretion.find((d: any) => d.fineMin === 50);
    const ok = await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: row.id, proposedFine: 120 });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));

    const docs = (await call('officer_a', 'GET', `/api/cases/${id}/documents`)).json.items;
    assert.equal(docs.length, 1);
    const d = docs[0];
    assert.equal(d.title, '违法行为告知书');
    assert.match(d.docNo, /^城管告〔\d{4}〕00001号$/);
    assert.equal((await call('officer_b', 'GET', `/api/cases/${id}/documents`)).status, 404, 'other district: out of scope');
    assert.equal((await call('officer_b', 'GET', d.url)).status, 404);
    assert.equal((await call(null, 'GET', d.url)).status, 401);
    const file = await call('officer_a', 'GET', d.url);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'application/pdf');
    const pdf = file.buf;
    assert.ok(pdf.length < 1_500_000, `${pdf.length} bytes: the font is subset`);

    // An independent reader: the face is embedded, and the Chinese text comes back.
    const tmp = path.join(h.configDir, 'notice.pdf');
    writeFileSync(tmp, pdf);
    const fonts = execFileSync('pdffonts', [tmp], { encoding: 'utf8' });
    assert.match(fonts, /NotoSerifCJKsc-Regular\S*\s+CID Type 0C\s+Identity-H\s+yes/);
    const pdfText = spawnSync('pdftotext', ['-layout', tmp, '-'], { encoding: 'utf8' });
    assert.doesNotMatch(pdfText.stderr, /font.*invalid|Couldn't create a font/i, 'poppler can draw the embedded face');
    const text = pdfText.stdout.replace(/\s+/g, '');
    for (const s of ['示范区城市管理行政执法局', '违法行为告知书', d.docNo, '当事人：示范水果店', '占道经营', '05-01', '陈述、申辩', '罚款人民币120元', '扫码核验文书真伪']) {
      assert.ok(text.includes(s.replace(/\s+/g, '')), `PDF text has ${s}`);
    }
    assert.match(text, /审核人\S/, 'the reviewer is named');
    assert.ok(!text.includes('user:'), 'a served document names people, not account ids');
    const stills = (await call('auditor', 'GET', `/api/cases/${id}/evidence`)).json.files.filter((f: any) => f.kind.startsWith('original:'));
    assert.equal(stills.length, 3);
    for (const f of stills) assert.ok(text.includes(f.sha256.slice(0, 32)) && text.includes(f.sha256.slice(32)), `still ${f.name} with its sha256`);

    // Signature: the node-forge verifier and the CLI.
    const cert = loadBureauCertificate(h.documentSettings, false);
    const sig = await verifyDocumentSignature(pdf);
    assert.equal(sig.ok, true, sig.problem);
    assert.equal(sig.signerSha256, cert.sha256);
    assert.equal(sig.docNo, d.docNo);
    assert.equal(sig.fileSha256, d.fileSha256);
    const good = cliVerify(tmp);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /^OK document 城管告/);
    assert.equal(good.out.split('\n').length, 1, 'one line');

    const contents = pdf.indexOf('/Contents <') + 40;
    for (const at of [Math.floor(pdf.length / 2), 200, contents, pdf.length - 5]) {
      const bad = flip(pdf, at);
      assert.equal((await verifyDocumentSignature(bad)).ok, false, `byte ${at} changed: library verifier`);
      writeFileSync(tmp, bad);
      const cli = cliVerify(tmp);
      assert.equal(cli.code, 1, `byte ${at} changed: huiyan verify said ${cli.out}`);
      assert.match(cli.out, /^FAIL document/);
    }

    // Audit trail: the approval, then the issued document with its hashes; downloads audited.
    const audit = (await call('auditor', 'GET', `/api/cases/${id}/audit`)).json.items as { action: string; details: any }[];
    const actions = audit.map((e) => e.action);
    assert.ok(actions.indexOf('document.issued') === actions.indexOf('legal.approved') + 1, actions.join(','));
    assert.equal(audit.find((e) => e.action === 'document.issued')!.details.fileSha256, d.fileSha256);
    assert.ok(audit.some((e) => JSON.stringify(e.details).includes('document.download')), 'download audited');

    // Public page: no login; the QR code's link answers authentic, a wrong hash not found.
    const qrLink = `/verify/document?no=${encodeURIComponent(d.docNo)}&h=${d.contentSha256.slice(0, 32)}`;
    const pub = await fetch(`${h.url}${qrLink}`, { headers: { accept: 'application/json' } });
    assert.equal(pub.status, 200);
    const body = await pub.json() as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['authentic', 'category', 'docNo', 'issuedOn', 'issuer', 'title']);
    assert.equal(body.authentic, true);
    assert.equal(body.category, '占道经营');
    const html = await (await fetch(`${h.url}${qrLink}`)).text();
    assert.match(html, /文书真实有效/);
    for (const personal of ['示范水果店', '91330100MA2B00001X', '13800138000', '示范路', 'cam-a', id]) assert.ok(!html.includes(personal), `public page hides ${personal}`);
    const byFile = await fetch(`${h.url}/verify/document?no=${encodeURIComponent(d.docNo)}&h=${d.fileSha256.slice(0, 16)}`, { headers: { accept: 'application/json' } });
    assert.equal(byFile.status, 200, 'the file hash works too');
    const wrongHash = (d.contentSha256[0] === '0' ? '1' : '0') + d.contentSha256.slice(1, 32);
    const wrong = await fetch(`${h.url}/verify/document?no=${encodeURIComponent(d.docNo)}&h=${wrongHash}`, { headers: { accept: 'application/json' } });
    assert.equal(wrong.status, 404);
    assert.equal(((await wrong.json()) as { authentic: boolean }).authentic, false);
    assert.equal((await fetch(`${h.url}/verify/document?no=${encodeURIComponent(d.docNo)}&h=${d.contentSha256.slice(0, 8)}`)).status, 404, 'short prefixes are refused');

    // The order to correct is served with a warning (限时整改; test/web/warn-actions.test.ts): a case not warned first has none.
    await assert.rejects(h.store.db.transaction((tx) => documentIssuer(h.documentSettings, h.evidence).issue(tx, id, 'order_to_correct', 'user:test')), /not warned first/);
    assert.equal((await h.sql.query(`SELECT 1 FROM document_counters WHERE kind = 'order_to_correct'`)).length, 0, 'the refused order took no number');
  });

  it('numbers run per kind and year without gaps; a failed issue returns its number', async () => {
    const year = 2031;
    const a = await nextDocumentNo(h.store.db, 'order_to_correct', year, '城管');
    const b = await nextDocumentNo(h.store.db, 'order_to_correct', year, '城管');
    assert.deepEqual([a.docNo, b.docNo], ['城管改〔2031〕00001号', '城管改〔2031〕00002号']);
    await assert.rejects(h.store.db.transaction(async (tx) => {
      await nextDocumentNo(tx, 'order_to_correct', year, '城管');
      throw new Error('rendering failed');
    }));
    assert.equal((await nextDocumentNo(h.store.db, 'order_to_correct', year, '城管')).seq, 3);
    assert.equal((await nextDocumentNo(h.store.db, 'notice_of_violation', year, '城管')).docNo, '城管告〔2031〕00001号');
  });
});
